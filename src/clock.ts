import { performance } from 'node:perf_hooks';

/**
 * The run's one monotonic clock: traffic and rollout stamp what they produce with it, so the
 * analysis lines failures up against pod events to the millisecond. Offsets are ms since t0.
 */
export interface Clock {
  /** ms since t0, monotonic, fractional. */
  nowMs(): number;
  /** Wall-clock epoch ms at t0, to turn offsets into UTC times in reports. */
  readonly t0EpochMs: number;
}

/** Starts a clock whose t0 is now. */
export function startClock(): Clock {
  const t0 = performance.now();
  const t0EpochMs = Date.now();
  return { nowMs: () => performance.now() - t0, t0EpochMs };
}
