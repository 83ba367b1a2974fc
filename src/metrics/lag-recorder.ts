import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { ZerodropError } from '../errors.js';

/** Percentiles of a lag distribution in ms, null when nothing was recorded. */
export interface LagSummary {
  count: number;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Plain-JSON form of a LagRecorder (HdrHistogram compressed base64), for worker threads. */
export interface EncodedLag {
  format: 'zerodrop-lag';
  version: 1;
  data: string;
}

function buildLagHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/**
 * How late the generator started requests against its schedule: the evidence for "the
 * generator could not keep up" (verdict inconclusive) as opposed to a slow target. Lives here
 * because metrics owns every HDR histogram. 1 us .. 10 min, 3 significant digits.
 */
export class LagRecorder {
  readonly #h: Histogram = buildLagHistogram();

  /** Records one lag in ms; negative lags (early) count as 0. */
  record(lagMs: number): void {
    let us = Math.round(lagMs * 1000);
    if (us < 0) us = 0;
    else if (us > 600_000_000) us = 600_000_000;
    this.#h.recordValue(us);
  }

  /** Forgets everything recorded so far (health is judged after the warmup). */
  reset(): void {
    this.#h.reset();
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
    // Max as its bucket's upper edge, like p99: the same answer whether recorded here or merged.
    return { count, p99Ms: this.#h.getValueAtPercentile(99) / 1000, maxMs: this.#h.getValueAtPercentile(100) / 1000 };
  }

  /** The lag (ms) at percentile `p` (0-100), null when nothing was recorded (benchmarks quote p50). */
  percentileMs(p: number): number | null {
    return this.#h.totalCount === 0 ? null : this.#h.getValueAtPercentile(p) / 1000;
  }

  /** Plain JSON; `LagRecorder.fromJSON` restores an equal recorder. */
  toJSON(): EncodedLag {
    return { format: 'zerodrop-lag', version: 1, data: this.#h.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(this.#h) };
  }

  /** Restores a recorder from `toJSON()` output; throws E_BAD_RECORDING on anything else. */
  static fromJSON(input: unknown): LagRecorder {
    const enc = input as Partial<EncodedLag> | null;
    if (typeof enc !== 'object' || enc === null || enc.format !== 'zerodrop-lag' || enc.version !== 1 || typeof enc.data !== 'string') {
      throw new ZerodropError('E_BAD_RECORDING', 'not a zerodrop lag recording');
    }
    const r = new LagRecorder();
    if (enc.data !== '') {
      let h: Histogram;
      try {
        h = hdr.decodeFromCompressedBase64(enc.data, 32, false);
      } catch (err) {
        throw new ZerodropError('E_BAD_RECORDING', 'lag histogram could not be decoded', { cause: err });
      }
      r.#h.add(h);
      h.destroy();
    }
    return r;
  }
}
