/**
 * Open model: how the tick waits for its next due request. It sleeps on a timer and, woken, sends
 * every request that has fallen due since (each one stamped with its own scheduled time, so the
 * batch adds lag, never hides latency), and those due within the send-ahead window (SEND_AHEAD_MS,
 * send-window.ts: each measured from its actual send). Re-running on the next event-loop turn instead
 * (setImmediate) keeps a sub-millisecond gap finer, but spins: from ~3,300 requests/s up it kept
 * a whole core busy whatever the rate (bench/README.md, "Open-model CPU by rate": 199 -> 33 us a
 * request at 5,000/s). Node's timers have 1 ms granularity, so a wake-up at 20,000/s sends ~20-40
 * requests; the lag that costs (without a window p99 ~2.5-6 ms measured on a shared VM, ~1-2 ms
 * more than spinning at 5,000/s; the send-ahead window takes it back) stays far below the lag
 * tolerance and the saturation mark.
 *
 * The other ways a thread can wait less than a millisecond, measured alone (bench/wake-probe.mjs,
 * `node bench/run.mjs --only wake`, no I/O, 2026-12-04 on a loaded 2-vCPU VM, share of a core at
 * 1,000 / 5,000 / 20,000 requests/s, and lag p50):
 * - timer (this): 3.1 / 3.4 / 3.1%, p50 0.6 ms. The event loop's own poll is the same thing:
 *   libuv's poll timeout is whole ms, and setTimeout(0) is setTimeout(1) (3.4 / 2.9 / 3.2%).
 * - setImmediate until due (the old loop): 46 / 81 / 29% (the last starved by the machine), p50 0-2 ms.
 * - Atomics.wait on a SharedArrayBuffer in the engine's thread for each sub-ms gap, then back to
 *   the loop (setImmediate) to read I/O: 3.1 / 9.9 / 14.5%, p50 0.08 ms; with a 0.5 ms window
 *   (a wake-up at most every 0.5 ms): 3.2 / 4.9 / 5.0%, p50 0.3 ms. Besides the CPU, a thread
 *   asleep in Atomics.wait does not read its sockets: a response landing meanwhile is read (and
 *   its latency stamped) up to the window later, so it would trade schedule lag for measured
 *   latency, the figure the run exists for. A helper thread that waits and wakes the loop by
 *   message keeps reads prompt but cost 77 us a wake-up (measured in stage 1: ~40% of a core at
 *   5,000/s with one wake-up per request).
 * So the timer stays: the cheapest wake-up, and the only one besides spinning that never delays a
 * read. The ~1 ms of lag it adds is taken back by the send-ahead window instead (SEND_AHEAD_MS).
 */

/**
 * The send-ahead window (ms) of a wake-up (send-window.ts; LoadOptions.sendAheadMs overrides it):
 * a wake-up sends every request due within 1.5 ms, and the tick asks to wake 1.5 ms before its
 * next request is due. A timer fires 0-1+ ms after the time asked, so without a window every
 * request goes out 0-2 ms late; with it, up to 1.5 ms early (an early one counts its latency from
 * its actual send) and rarely late. Chosen side by side on a quiet machine (2026-12-04, load
 * average 0.5, bench/README.md "The send-ahead window": nginx on one core, one worker on the
 * other, 5 rounds, 2 s warmup, 8 s measured, the old spinning loop in the same rounds): lag p99 at
 * 5,000/s 0.00 ms with 1.5 and 2 ms (every round), 0.28 ms with 1 ms, 0.16 ms for the spinning
 * loop; at 20,000/s 0.34 ms with 1.5 ms, 0.22 with 2, 0.87 with 1, 0.75 for the spinning loop. CPU
 * per request the same for every window (23-24 us at 5,000/s, 11.5-12.5 at 20,000/s; the
 * spinning loop 200 and 50), and so is what the target sees (nginx's own arrival times per 1 ms
 * and per 10 ms: the same coefficient of variation for 1, 1.5 and 2 ms, `--only window`). 1.5 ms
 * is the narrowest window that beat the spinning loop's lag at both rates; a wider one only
 * sends further ahead. (On a loaded machine, earlier, the machine's stalls set lag p99 whatever
 * the window: there the window took ~1 ms of p50 and p90 back.)
 */
export const SEND_AHEAD_MS = 1.5;

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
