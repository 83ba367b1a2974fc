import { performance } from 'node:perf_hooks';
import { hrtime } from 'node:process';
import type { Clock } from '../clock.js';

/**
 * The process-wide monotonic clock in ms. Every thread reads the same one (performance.now()
 * is this clock minus a per-thread origin: performance.timeOrigin differs between threads), so it
 * is the common ground on which worker clocks are lined up with the parent's.
 */
export function monotonicMs(): number {
  return Number(hrtime.bigint()) / 1e6;
}

/** How far the monotonic clock is ahead of `clock` (ms), sampled now; hand it to workers. */
export function clockOffsetOf(clock: Clock): number {
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  // Bracket each reading of the clock between two monotonic ones; keep the tightest bracket.
  for (let i = 0; i < 5; i++) {
    const a = monotonicMs();
    const c = clock.nowMs();
    const b = monotonicMs();
    if (b - a < best) {
      best = b - a;
      offset = (a + b) / 2 - c;
    }
  }
  return offset;
}

/**
 * A clock in this thread that reads what the parent's clock reads at the same instant (to a few
 * microseconds), given the parent's clockOffsetOf(). It runs on this thread's performance.now(),
 * as cheap as the parent's; this assumes the parent's clock advances with the monotonic clock,
 * as startClock()'s does.
 */
export function alignedClock(offsetMs: number, t0EpochMs: number): Clock {
  let best = Number.POSITIVE_INFINITY;
  let perfToMono = 0;
  for (let i = 0; i < 5; i++) {
    const p0 = performance.now();
    const m = monotonicMs();
    const p1 = performance.now();
    if (p1 - p0 < best) {
      best = p1 - p0;
      perfToMono = m - (p0 + p1) / 2;
    }
  }
  const shift = perfToMono - offsetMs;
  return { nowMs: () => performance.now() + shift, t0EpochMs };
}
