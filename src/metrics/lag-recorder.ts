import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** Percentiles of a lag distribution in ms, null when nothing was recorded. */
export interface LagSummary {
  count: number;
  p99Ms: number | null;
  maxMs: number | null;
}

/**
 * How late the generator started requests against its schedule: the evidence for "the
 * generator could not keep up" (verdict inconclusive) as opposed to a slow target. Lives here
 * because metrics owns every HDR histogram. 1 us .. 10 min, 3 significant digits.
 */
export class LagRecorder {
  readonly #h: Histogram = hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });

  /** Records one lag in ms; negative lags (early) count as 0. */
  record(lagMs: number): void {
    let us = Math.round(lagMs * 1000);
    if (us < 0) us = 0;
    else if (us > 600_000_000) us = 600_000_000;
    this.#h.recordValue(us);
  }

  /** Adds another lag recording (from another worker), exactly. */
  merge(other: LagRecorder): this {
    this.#h.add(other.#h);
    return this;
  }

  /** p99 and max in ms. */
  summary(): LagSummary {
    const count = this.#h.totalCount;
    if (count === 0) return { count: 0, p99Ms: null, maxMs: null };
    return { count, p99Ms: this.#h.getValueAtPercentile(99) / 1000, maxMs: this.#h.maxValue / 1000 };
  }
}
