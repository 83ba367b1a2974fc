/**
 * Open model: how the tick waits for its next due request. It sleeps on a timer and, woken, sends
 * every request that has fallen due since (each one stamped with its own scheduled time, so the
 * batch adds lag, never hides latency). Re-running on the next event-loop turn instead
 * (setImmediate) keeps a sub-millisecond gap finer, but spins: from ~3,300 requests/s up it kept
 * a whole core busy whatever the rate (bench/README.md, "Open-model CPU by rate": 199 -> 33 us a
 * request at 5,000/s). Node's timers have 1 ms granularity, so a wake-up at 20,000/s sends ~20-40
 * requests; the lag that costs (p99 ~2.5-6 ms measured on a shared VM, ~1-2 ms more than spinning
 * at 5,000/s) stays far below the lag tolerance and the saturation mark.
 */

/** A wait (ms) at or below which the tick runs again on the next event-loop turn (0: only once a request is due). */
export const NEXT_TURN_BELOW_MS = 0;

/**
 * Waits from this long (ms) up are rounded up, not to the nearest ms. A Node timer counts from
 * the event loop's cached ms clock, so it may fire up to ~1 ms before the time asked by the
 * monotonic clock; a tick that wakes before its request is due has nothing to send and must sleep
 * again, a wasted wake-up. At 100 requests/s, rounding to the nearest ms woke ~25% of ticks early
 * (149-166 empty ticks in 600 requests); rounding up, 31-43 (measured on the machine of
 * bench/README.md). The request it saves a wake-up for goes out that much later (its lag says so);
 * a wake-up of an idle thread costs ~50-100 us of CPU there.
 */
export const ROUND_UP_FROM_MS = 1.5;

/**
 * How long the tick sleeps when its next request is due in `waitMs`: 0 means on the next
 * event-loop turn (only when nothing is left to wait for), else a timer of whole ms (>= 1,
 * Node's granularity; rounded up from ROUND_UP_FROM_MS, so a long wait rarely wakes early).
 */
export function wakeDelayMs(waitMs: number): number {
  if (waitMs <= NEXT_TURN_BELOW_MS) return 0;
  if (waitMs >= ROUND_UP_FROM_MS) return Math.ceil(waitMs);
  return Math.max(1, Math.round(waitMs));
}
