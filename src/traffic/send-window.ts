/**
 * Open model: the send-ahead window of a wake-up. A Node timer wakes the tick in whole ms and up
 * to ~1 ms late (open-wake.ts), so a request due just after a wake-up waits for the next one: the
 * schedule lag that timers add. With a window of W ms, a wake-up at elapsed time t sends every
 * request due by t + W, and the tick asks to wake W ms before its next request is due. A request
 * sent early is measured from its actual send (its latency never reads shorter than what the
 * target took, and its lag is 0); one sent late is measured from its scheduled time as always
 * (coordinated omission stays impossible: the wait for a late wake-up counts as latency). So every
 * request's latency (and its timeout) counts from the earlier of its scheduled and its actual
 * send time; it is still booked at its scheduled time (the interval it counts in), so the
 * timeline's counts per interval stay the schedule's.
 */

/** Largest send-ahead window (ms) a run accepts: wider than a timer's granularity only makes arrivals early, never later. */
export const MAX_SEND_AHEAD_MS = 5;

/** Clock ms a request's latency counts from: the earlier of its scheduled and its actual send time. */
export function latencyStartMs(scheduledMs: number, sentMs: number): number {
  return scheduledMs < sentMs ? scheduledMs : sentMs;
}

/** Schedule lag (ms) of a request sent at `sentMs` and due at `scheduledMs`: how late it went out, 0 if early. */
export function scheduleLagMs(scheduledMs: number, sentMs: number): number {
  return sentMs > scheduledMs ? sentMs - scheduledMs : 0;
}

/** A wake-up at elapsed ms `elapsedMs` sends the request due at elapsed `dueMs` (before the run's end `endMs`) with a window of `windowMs`. */
export function sendsNow(dueMs: number, elapsedMs: number, windowMs: number, endMs: number): boolean {
  return dueMs <= elapsedMs + windowMs && dueMs < endMs;
}

/**
 * How long (ms) the tick waits, at elapsed `elapsedMs`, before the wake-up that sends the request
 * due at `nextDueMs`: until it enters the window; or until the run's end `endMs` if it is due at or
 * after the end (no request is left).
 */
export function waitForNextMs(nextDueMs: number, elapsedMs: number, windowMs: number, endMs: number): number {
  return (nextDueMs < endMs ? nextDueMs - windowMs : endMs) - elapsedMs;
}
