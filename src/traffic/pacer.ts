/**
 * The rate shape of an open-model run, separate from the workers and testable without a clock
 * (as vegeta's lib/pacer.go). Request n (0-based) is due at the instant the cumulative number of
 * arrivals H(t) = integral of rate reaches n, so request 0 is due at t = 0.
 */
export interface Pacer {
  /** Elapsed ms (since load start) at which request `n` (0-based) is due. */
  dueAt(n: number): number;
  /** How many requests are due by `elapsedMs` inclusive (request n is due when dueAt(n) <= elapsedMs). */
  dueBy(elapsedMs: number): number;
  /**
   * vegeta's Pace: given the elapsed time and the requests sent so far, how long to wait before
   * the next one (0 when it is already due) and how many are due now.
   */
  pace(elapsedMs: number, sent: number): { waitMs: number; due: number };
  /** Highest rate this pacer ever asks for, per second (sizes the in-flight cap). */
  readonly peakRate: number;
}

/** floor() that forgives the last bits of rounding, so dueBy(dueAt(n)) always includes n. */
function floorTolerant(x: number): number {
  return Math.floor(x + 1e-9 * Math.max(1, x));
}

function pace(p: Pacer, elapsedMs: number, sent: number): { waitMs: number; due: number } {
  const due = p.dueBy(elapsedMs);
  if (due > sent) return { waitMs: 0, due: due - sent };
  return { waitMs: Math.max(0, p.dueAt(sent) - elapsedMs), due: 0 };
}

/** A constant rate, requests per second (> 0). */
export function constantPacer(ratePerSec: number): Pacer {
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`rate must be a positive number, got ${ratePerSec}`);
  const gapMs = 1000 / ratePerSec;
  const p: Pacer = {
    peakRate: ratePerSec,
    dueAt: (n) => n * gapMs,
    dueBy: (t) => (t < 0 ? 0 : floorTolerant((t * ratePerSec) / 1000) + 1),
    pace: (t, sent) => pace(p, t, sent),
  };
  return p;
}

/**
 * A linear ramp from `fromRate` to `toRate` (requests per second) over `rampMs`, then constant at
 * `toRate`. Either rate may be 0 at one end (a ramp from 0 warms the target up); a ramp down is
 * allowed too.
 */
export function rampPacer(fromRate: number, toRate: number, rampMs: number): Pacer {
  if (!(fromRate >= 0) || !Number.isFinite(fromRate)) throw new RangeError(`ramp start rate must be >= 0, got ${fromRate}`);
  if (!(toRate > 0) || !Number.isFinite(toRate)) throw new RangeError(`rate must be a positive number, got ${toRate}`);
  if (!(rampMs >= 0) || !Number.isFinite(rampMs)) throw new RangeError(`ramp duration must be >= 0 ms, got ${rampMs}`);
  // A ramp shorter than a millisecond cannot be told apart from a step.
  if (rampMs < 1) return constantPacer(toRate);
  // H(t) = b t + a t^2 for t in [0, rampMs] (t in ms, rates per ms).
  const b = fromRate / 1000;
  const a = (toRate - fromRate) / 1000 / (2 * rampMs);
  const hRamp = b * rampMs + a * rampMs * rampMs;
  const arrivals = (t: number): number => (t <= 0 ? 0 : t <= rampMs ? b * t + a * t * t : hRamp + ((t - rampMs) * toRate) / 1000);
  const p: Pacer = {
    peakRate: Math.max(fromRate, toRate),
    dueAt: (n) => {
      if (n <= 0) return 0;
      if (n > hRamp) return rampMs + ((n - hRamp) * 1000) / toRate;
      // Root of a t^2 + b t - n = 0 in the form that stays exact as a -> 0 and for a < 0.
      return (2 * n) / (b + Math.sqrt(b * b + 4 * a * n));
    },
    dueBy: (t) => (t < 0 ? 0 : floorTolerant(arrivals(t)) + 1),
    pace: (t, sent) => pace(p, t, sent),
  };
  return p;
}

/**
 * Worker `index` of `count`'s share of a schedule: every count-th request of `p`, starting at
 * request `from + index` (requests before `from` were sent by someone else: the calling thread
 * while the workers started). The workers' shares are disjoint and their union is exactly `p` (same due times), so
 * N workers paced this way send the schedule one worker would, phase-staggered, not in bursts.
 */
export function stridedPacer(p: Pacer, index: number, count: number, from = 0): Pacer {
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(index) && index >= 0 && index < count)) {
    throw new RangeError(`stride must be 0 <= index < count, got ${index} of ${count}`);
  }
  if (!(Number.isInteger(from) && from >= 0)) throw new RangeError(`stride start must be a whole number >= 0, got ${from}`);
  if (count === 1 && from === 0) return p;
  const first = from + index;
  const s: Pacer = {
    peakRate: p.peakRate / count,
    dueAt: (j) => p.dueAt(first + j * count),
    // Global requests 0..D-1 are due; this worker's are those n = from + index + j*count < D.
    dueBy: (t) => {
      const d = p.dueBy(t) - first;
      return d > 0 ? Math.ceil(d / count) : 0;
    },
    pace: (t, sent) => pace(s, t, sent),
  };
  return s;
}
