import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './run-data.js';

const SIG_DIGITS = 3;

function buildHistogram(maxLatencyUs: number, packed: boolean): Histogram {
  return hdr.build({
    bitBucketSize: packed ? 'packed' : 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: maxLatencyUs,
    numberOfSignificantValueDigits: SIG_DIGITS,
    useWebAssembly: false,
  });
}

function emptySummary(): LatencySummary {
  return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
}

/**
 * Sealed intervals left 32-bit at most (see LatencySeries.sealStep): beyond this everything
 * waiting is packed at once, so a series nobody steps (outside an engine) still keeps its memory
 * bounded.
 */
const MAX_UNPACKED = 4;
/** Non-empty buckets sealStep copies per call by default (~0.2-1 ms of work). */
export const PACK_STEP_BUCKETS = 200;

/** The JS histogram's per-bucket access (present on every non-WASM histogram, missing from its type). */
interface CountsAccess {
  readonly countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
}

/** The JS histogram's bucket-edge helpers (present on every non-WASM histogram, missing from its type). */
interface BucketEdges {
  lowestEquivalentValue(v: number): number;
  highestEquivalentValue(v: number): number;
}

/**
 * Min and max are reported as bucket edges, not the exact values a live histogram remembers:
 * a decoded or merged histogram only has buckets, and the answer must not depend on the path.
 */
function summaryOf(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return emptySummary();
  const edges = h as unknown as BucketEdges;
  return {
    count,
    minMs: edges.lowestEquivalentValue(h.minNonZeroValue) / 1000,
    meanMs: h.mean / 1000,
    p50Ms: h.getValueAtPercentile(50) / 1000,
    p90Ms: h.getValueAtPercentile(90) / 1000,
    p99Ms: h.getValueAtPercentile(99) / 1000,
    p999Ms: h.getValueAtPercentile(99.9) / 1000,
    maxMs: edges.highestEquivalentValue(h.maxValue) / 1000,
  };
}

/**
 * One HDR latency histogram (microseconds) per latency interval. Histograms of recent intervals
 * are 32-bit (fast to record, ~75 KB each); intervals that no request can still land in are
 * sealed into packed form (a few KB) to bound memory on long runs, a slice at a time (sealStep).
 * A late record into a sealed interval is still correct, only slower.
 */
export class LatencySeries {
  /** Width of a latency interval in ms. */
  readonly latencyIntervalMs: number;
  readonly #maxLatencyUs: number;
  #hist: Array<Histogram | undefined> = [];
  /** Latency intervals below this index are packed; at or above are 32-bit. */
  #sealedBefore = 0;
  #maxLatencyIndex = -1;
  /** How many latency intervals behind the newest one a record can still land. */
  readonly #sealLag: number;
  #spare: Histogram[] = [];
  /** Sealed intervals whose histogram is still 32-bit, oldest first. */
  #toPack: number[] = [];
  /** The interval being packed: its 32-bit source, its packed copy so far, the next bucket to copy. */
  #packing: { index: number; from: Histogram; into: Histogram; next: number } | null = null;

  /** Latencies above `maxLatencyMs` are clamped to it. */
  constructor(latencyIntervalMs: number, maxLatencyMs: number) {
    this.latencyIntervalMs = latencyIntervalMs;
    this.#maxLatencyUs = maxLatencyMs * 1000;
    this.#sealLag = Math.ceil(maxLatencyMs / latencyIntervalMs) + 2;
  }

  /** Records the latency of a request that started (or was scheduled) at `startMs`. */
  record(startMs: number, latencyMs: number): void {
    const li = startMs > 0 ? Math.floor(startMs / this.latencyIntervalMs) : 0;
    let us = Math.round(latencyMs * 1000);
    if (us < 1) us = 1;
    else if (us > this.#maxLatencyUs) us = this.#maxLatencyUs;
    if (li > this.#maxLatencyIndex) {
      this.#maxLatencyIndex = li;
      this.#seal(li - this.#sealLag);
    }
    let h = this.#hist[li];
    if (li === this.#packing?.index) this.#restartPacking();
    if (h === undefined) {
      h = li >= this.#sealedBefore ? (this.#spare.pop() ?? buildHistogram(this.#maxLatencyUs, false)) : buildHistogram(this.#maxLatencyUs, true);
      this.#hist[li] = h;
    }
    h.recordValue(us);
  }

  /** Marks intervals below `before` as sealed: their 32-bit histograms are to be packed. */
  #seal(before: number): void {
    for (let i = this.#sealedBefore; i < before; i++) if (this.#hist[i] !== undefined) this.#toPack.push(i);
    if (before > this.#sealedBefore) this.#sealedBefore = before;
    while (this.#toPack.length > MAX_UNPACKED) this.sealStep(Number.POSITIVE_INFINITY);
  }

  /**
   * Packs sealed intervals' histograms, copying at most `budget` non-empty buckets. Packing one
   * interval at once takes 3-26 ms (measured: hdr-histogram-js inserts bucket by bucket into its
   * packed array), a stall the open model would pay in schedule lag once a second; the engine
   * calls this from a timer instead, a slice at a time. Returns true when nothing is left to pack.
   */
  sealStep(budget = PACK_STEP_BUCKETS): boolean {
    let left = budget;
    while (left > 0) {
      let p = this.#packing;
      if (p === null) {
        const index = this.#toPack.shift();
        if (index === undefined) break;
        const from = this.#hist[index];
        if (from === undefined) continue;
        p = this.#packing = { index, from, into: buildHistogram(this.#maxLatencyUs, true), next: 0 };
      }
      const src = p.from as unknown as CountsAccess;
      const n = src.countsArrayLength;
      let i = p.next;
      for (; i < n && left > 0; i++) {
        const c = src.getCountAtIndex(i);
        if (c > 0) {
          // A bucket's lowest value lands in the same bucket of an identically built histogram.
          p.into.recordValueWithCount(src.valueFromIndex(i), c);
          left--;
        }
      }
      p.next = i;
      if (i < n) break;
      this.#hist[p.index] = p.into;
      this.#packing = null;
      p.from.reset();
      if (this.#spare.length < 4) this.#spare.push(p.from);
      else p.from.destroy();
    }
    return this.#packing === null && this.#toPack.length === 0;
  }

  /** A record or merge touched the interval being packed: copy it again from the start. */
  #restartPacking(): void {
    const p = this.#packing!;
    p.into.reset();
    p.next = 0;
  }

  /** Number of latency intervals (highest index that may hold a histogram + 1). */
  get length(): number {
    return this.#hist.length;
  }

  /** Latencies recorded in latency interval `i` (0 when none). */
  count(i: number): number {
    return this.#hist[i]?.totalCount ?? 0;
  }

  /** Latency interval `i`'s histogram, HdrHistogram compressed base64, or undefined when empty. */
  encode(i: number): string | undefined {
    const h = this.#hist[i];
    return h === undefined || h.totalCount === 0 ? undefined : hdr.encodeIntoCompressedBase64(h);
  }

  /**
   * Latency over requests that started in [fromMs, toMs): a latency interval belongs to the range
   * when its midpoint does, so adjacent phases partition the histograms (no request counted twice).
   */
  summarize(fromMs: number, toMs: number): LatencySummary {
    const acc = buildHistogram(this.#maxLatencyUs, false);
    const L = this.latencyIntervalMs;
    const first = Math.max(0, Math.ceil((fromMs - L / 2) / L));
    for (let i = first; i < this.#hist.length; i++) {
      const mid = i * L + L / 2;
      if (mid >= toMs) break;
      if (mid < fromMs) continue;
      const h = this.#hist[i];
      if (h !== undefined) acc.add(h);
    }
    const s = summaryOf(acc);
    acc.destroy();
    return s;
  }

  /** p99 per latency interval that holds any latency, in time order. */
  p99Series(): Array<{ tMs: number; p99Ms: number; count: number }> {
    const out: Array<{ tMs: number; p99Ms: number; count: number }> = [];
    for (let i = 0; i < this.#hist.length; i++) {
      const h = this.#hist[i];
      if (h !== undefined && h.totalCount > 0) {
        out.push({ tMs: i * this.latencyIntervalMs, p99Ms: h.getValueAtPercentile(99) / 1000, count: h.totalCount });
      }
    }
    return out;
  }

  /** p99 of the latency interval containing `tMs`, or null when it holds nothing (live progress). */
  p99At(tMs: number): number | null {
    const h = this.#hist[tMs > 0 ? Math.floor(tMs / this.latencyIntervalMs) : 0];
    return h === undefined || h.totalCount === 0 ? null : h.getValueAtPercentile(99) / 1000;
  }

  /** Adds every histogram of `other` (same settings) into this series, exactly. */
  merge(other: LatencySeries): void {
    for (let i = 0; i < other.#hist.length; i++) {
      const h = other.#hist[i];
      if (h !== undefined && h.totalCount > 0) this.add(i, h);
    }
  }

  /** Adds histogram `h` (same settings, e.g. decoded) into latency interval `i`. */
  add(i: number, h: Histogram): void {
    let mine = this.#hist[i];
    if (i === this.#packing?.index) this.#restartPacking();
    if (mine === undefined) {
      mine = buildHistogram(this.#maxLatencyUs, i < this.#sealedBefore || i < this.#maxLatencyIndex - this.#sealLag);
      this.#hist[i] = mine;
    }
    mine.add(h);
  }
}
