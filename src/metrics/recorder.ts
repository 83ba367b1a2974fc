import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { ZerodropError } from '../errors.js';
import { FAILURE_CLASSES, OUTCOME_COUNT, emptyFailureCounts } from './outcome.js';
import type { FailureClass, OutcomeCode } from './outcome.js';
import type { IntervalCounts, LatencyQuery, LatencySummary, PhaseSpan, RunData } from './run-data.js';

/** How a recorder slices time and bounds latency; recorders merge only when these are equal. */
export interface RecorderOptions {
  /** Width of a counter interval in ms (default 100): the resolution of outage windows. */
  intervalMs?: number;
  /** Width of a latency histogram interval in ms (default 1000): the resolution of p99 series. */
  latencyIntervalMs?: number;
  /** Highest latency tracked, ms (default 120 000); larger values are clamped to it. */
  maxLatencyMs?: number;
}

/** Plain-JSON form of a recorder, for worker threads, remote agents and files. */
export interface EncodedRecorder {
  format: 'zerodrop-recorder';
  version: 1;
  intervalMs: number;
  latencyIntervalMs: number;
  maxLatencyMs: number;
  /** Column names of `counts`, in order (one row per interval). */
  columns: string[];
  /** Row-major counters: interval i holds counts[i*columns.length ...]. Trailing empty rows trimmed. */
  counts: number[];
  /** Latency histograms (microseconds) per latency interval, HdrHistogram compressed base64. */
  histograms: Array<{ index: number; data: string }>;
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  /** With a pod header: per pod, per interval index, the outcome counts (7, in OUTCOME order). */
  pods?: Record<string, Record<string, number[]>>;
  /**
   * Resets of requests on a connection that had carried no response yet, per interval index;
   * present when the recording engine could tell (the lean client), absent when it could not.
   */
  newConnectionResets?: Record<string, number>;
}

/** Counter columns: the outcome codes 0..6, then unsent. */
const UNSENT_COL = OUTCOME_COUNT;
const COLS = OUTCOME_COUNT + 1;
const COLUMN_NAMES: string[] = ['success', ...FAILURE_CLASSES, 'unsent'];
const STATUS_MIN = 100;
const STATUS_MAX = 599;
const SIG_DIGITS = 3;

/** Marker for "this request has no latency worth recording" (connection errors). */
export const NO_LATENCY = -1;

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
 * Sealed intervals left 32-bit at most (see Recorder.sealStep): beyond this everything waiting is
 * packed at once, so a recorder nobody steps (outside an engine) still keeps its memory bounded.
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

function positiveInt(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0 || Math.floor(v) !== v) {
    throw new ZerodropError('E_RECORDER_CONFIG', `recorder ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/**
 * Everything the run measured, in the shape the analysis needs and nothing more: per-interval
 * outcome counters in a growable Float64Array (no allocation per request), one HDR latency
 * histogram per latency interval, status and error-code counts. Recorders merge exactly, so
 * worker threads and remote agents can each keep one and the parent adds them up.
 *
 * Latency histograms of recent intervals are 32-bit (fast to record, ~75 KB each); intervals
 * that no request can still land in are sealed into packed form (a few KB) to bound memory on
 * long runs, a slice at a time (sealStep). A late record into a sealed interval is still
 * correct, only slower.
 */
export class Recorder implements LatencyQuery {
  readonly intervalMs: number;
  readonly latencyIntervalMs: number;
  readonly maxLatencyMs: number;
  readonly #maxLatencyUs: number;
  #counts: Float64Array;
  /** Number of intervals that hold any count (highest used index + 1). */
  #used = 0;
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
  #status = new Float64Array(STATUS_MAX - STATUS_MIN + 1);
  #otherStatus = new Map<string, number>();
  #errorCodes = new Map<string, number>();
  /** Pod -> interval index -> outcome counts (only with a pod header; sparse, pods are few). */
  #pods = new Map<string, Map<number, Float64Array>>();
  /** Interval index -> resets on new connections (sparse: they are few). */
  #newConnResets = new Map<number, number>();
  /**
   * The engine could tell new connections from reused ones, so no resets on new connections
   * means none (not "unknown"). Merging keeps it when any part could: a run's workers share
   * one client.
   */
  tellsNewConnections = false;
  /** Highest interval index of any pod row + 1. */
  #podEnd = 0;

  constructor(opts: RecorderOptions = {}) {
    this.intervalMs = positiveInt('intervalMs', opts.intervalMs ?? 100);
    this.latencyIntervalMs = positiveInt('latencyIntervalMs', opts.latencyIntervalMs ?? 1000);
    this.maxLatencyMs = positiveInt('maxLatencyMs', Math.ceil(opts.maxLatencyMs ?? 120_000));
    this.#maxLatencyUs = this.maxLatencyMs * 1000;
    this.#counts = new Float64Array(COLS * 1024);
    this.#sealLag = Math.ceil(this.maxLatencyMs / this.latencyIntervalMs) + 2;
  }

  /**
   * Records one finished request. `startMs` (ms since t0) picks its interval: the scheduled start
   * in the open model, the actual start in the closed model. `latencyMs` < 0 (NO_LATENCY) keeps
   * it out of the histograms; `status` 0 means no HTTP answer; `errorCode` is counted if given.
   */
  record(startMs: number, outcome: OutcomeCode, latencyMs: number, status: number, errorCode: string | undefined): void {
    const i = this.#row(startMs);
    this.#counts[i * COLS + outcome]! += 1;
    if (latencyMs >= 0) this.#recordLatency(startMs, latencyMs);
    if (status !== 0) {
      if (status >= STATUS_MIN && status <= STATUS_MAX) this.#status[status - STATUS_MIN]! += 1;
      else bump(this.#otherStatus, String(status), 1);
    }
    if (errorCode !== undefined) bump(this.#errorCodes, errorCode, 1);
  }

  /**
   * Counts a request (already recorded as a reset) that was reset on a connection that had
   * carried no response yet: no keep-alive reuse, the far end gave up on a new connection.
   */
  recordNewConnectionReset(startMs: number): void {
    const i = Math.max(0, Math.floor(startMs / this.intervalMs));
    this.#newConnResets.set(i, (this.#newConnResets.get(i) ?? 0) + 1);
  }

  /** Resets on new connections per interval with any (interval start in ms); undefined when the engine could not tell. */
  newConnectionResets(): Array<{ tMs: number; count: number }> | undefined {
    if (!this.tellsNewConnections) return undefined;
    return [...this.#newConnResets.entries()].sort(([a], [b]) => a - b).map(([i, count]) => ({ tMs: i * this.intervalMs, count }));
  }

  /** Counts requests whose scheduled start passed without being sent (generator behind or capped). */
  recordUnsent(scheduledMs: number, count = 1): void {
    const i = this.#row(scheduledMs);
    this.#counts[i * COLS + UNSENT_COL]! += count;
  }

  #row(tMs: number): number {
    const i = tMs > 0 ? Math.floor(tMs / this.intervalMs) : 0;
    if (i >= this.#used) {
      if ((i + 1) * COLS > this.#counts.length) this.#grow(i + 1);
      this.#used = i + 1;
    }
    return i;
  }

  #grow(rows: number): void {
    let cap = this.#counts.length / COLS;
    while (cap < rows) cap *= 2;
    const next = new Float64Array(cap * COLS);
    next.set(this.#counts);
    this.#counts = next;
  }

  #recordLatency(startMs: number, latencyMs: number): void {
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

  /** Number of counter intervals that hold any count. */
  get intervalCount(): number {
    return this.#used;
  }

  /** Interval `i`'s counters in the encoded column order (success, failure classes, unsent). */
  rowCounts(i: number): number[] {
    if (i < 0 || i >= this.#used) return new Array<number>(COLS).fill(0);
    return Array.from(this.#counts.subarray(i * COLS, (i + 1) * COLS));
  }

  /** Number of latency intervals (highest index that may hold a histogram + 1). */
  get latencyIntervalCount(): number {
    return this.#hist.length;
  }

  /** Latencies recorded in latency interval `i` (0 when none). */
  latencyCount(i: number): number {
    return this.#hist[i]?.totalCount ?? 0;
  }

  /** Latency interval `i`'s histogram in the encoded form of toJSON(), or undefined when empty. */
  encodeLatency(i: number): string | undefined {
    const h = this.#hist[i];
    return h === undefined || h.totalCount === 0 ? undefined : hdr.encodeIntoCompressedBase64(h);
  }

  /** Per-pod outcome counts of the intervals from `fromIndex` on (a live cut reads the recent ones only). */
  podRowsFrom(fromIndex: number): Array<{ pod: string; index: number; outcomes: number[] }> {
    const out: Array<{ pod: string; index: number; outcomes: number[] }> = [];
    for (const [pod, byInterval] of this.#pods) {
      if (fromIndex <= 0) {
        for (const [index, row] of byInterval) out.push({ pod, index, outcomes: Array.from(row) });
        continue;
      }
      for (let index = fromIndex; index < this.#podEnd; index++) {
        const row = byInterval.get(index);
        if (row !== undefined) out.push({ pod, index, outcomes: Array.from(row) });
      }
    }
    return out;
  }

  /** Totals over the whole recording: sent = succeeded + failed, always. */
  totals(): { sent: number; succeeded: number; failed: number; unsent: number; failures: Record<FailureClass, number> } {
    const failures = emptyFailureCounts();
    let succeeded = 0;
    let unsent = 0;
    const c = this.#counts;
    for (let i = 0; i < this.#used; i++) {
      const base = i * COLS;
      succeeded += c[base]!;
      for (let k = 1; k < OUTCOME_COUNT; k++) failures[FAILURE_CLASSES[k - 1]!] += c[base + k]!;
      unsent += c[base + UNSENT_COL]!;
    }
    let failed = 0;
    for (const f of FAILURE_CLASSES) failed += failures[f];
    return { sent: succeeded + failed, succeeded, failed, unsent, failures };
  }

  /** Counters per interval from t0, at least `minIntervals` of them (trailing ones may be zero). */
  intervals(minIntervals = 0): IntervalCounts[] {
    const n = Math.max(this.#used, minIntervals);
    const out: IntervalCounts[] = new Array<IntervalCounts>(n);
    const c = this.#counts;
    for (let i = 0; i < n; i++) {
      const failures = emptyFailureCounts();
      let succeeded = 0;
      let failed = 0;
      let unsent = 0;
      if (i < this.#used) {
        const base = i * COLS;
        succeeded = c[base]!;
        for (let k = 1; k < OUTCOME_COUNT; k++) {
          const v = c[base + k]!;
          failures[FAILURE_CLASSES[k - 1]!] = v;
          failed += v;
        }
        unsent = c[base + UNSENT_COL]!;
      }
      out[i] = { tMs: i * this.intervalMs, sent: succeeded + failed, succeeded, failed, failures, unsent };
    }
    return out;
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

  /** Counts per HTTP status, e.g. {"200": 9990, "503": 10}. */
  statusCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.#status.length; i++) {
      const v = this.#status[i]!;
      if (v > 0) out[String(i + STATUS_MIN)] = v;
    }
    for (const k of [...this.#otherStatus.keys()].sort()) out[k] = this.#otherStatus.get(k)!;
    return out;
  }

  /** Counts per error code of requests that ended without an HTTP answer, keys sorted. */
  errorCodes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of [...this.#errorCodes.keys()].sort()) out[k] = this.#errorCodes.get(k)!;
    return out;
  }

  /** Throws unless `other` slices time and latency the same way (else merging would be inexact). */
  #assertCompatible(other: { intervalMs: number; latencyIntervalMs: number; maxLatencyMs: number }): void {
    if (other.intervalMs !== this.intervalMs || other.latencyIntervalMs !== this.latencyIntervalMs || other.maxLatencyMs !== this.maxLatencyMs) {
      throw new ZerodropError(
        'E_RECORDER_MISMATCH',
        `cannot merge recorders with different settings (intervalMs ${other.intervalMs} vs ${this.intervalMs}, latencyIntervalMs ${other.latencyIntervalMs} vs ${this.latencyIntervalMs}, maxLatencyMs ${other.maxLatencyMs} vs ${this.maxLatencyMs})`,
      );
    }
  }

  /** Adds everything `other` recorded into this one, exactly; `other` is left unchanged. */
  /** Counts one outcome for the pod that answered (or last answered on the connection). */
  recordPod(pod: string, startMs: number, outcome: OutcomeCode): void {
    this.#podRow(pod, Math.max(0, Math.floor(startMs / this.intervalMs)))[outcome]! += 1;
  }

  #podRow(pod: string, index: number): Float64Array {
    let byInterval = this.#pods.get(pod);
    if (byInterval === undefined) {
      byInterval = new Map();
      this.#pods.set(pod, byInterval);
    }
    let row = byInterval.get(index);
    if (row === undefined) {
      row = new Float64Array(OUTCOME_COUNT);
      byInterval.set(index, row);
      if (index >= this.#podEnd) this.#podEnd = index + 1;
    }
    return row;
  }

  /** Per pod, the outcome counts of each interval that had any (interval start in ms). */
  pods(): Array<{ pod: string; intervals: Array<{ tMs: number; outcomes: number[] }> }> {
    return [...this.#pods.keys()].sort().map((pod) => ({
      pod,
      intervals: [...(this.#pods.get(pod) as Map<number, Float64Array>).entries()]
        .sort(([a], [b]) => a - b)
        .map(([i, row]) => ({ tMs: i * this.intervalMs, outcomes: Array.from(row) })),
    }));
  }

  merge(other: Recorder): this {
    this.#assertCompatible(other);
    if (other.#used > 0) {
      this.#row((other.#used - 1) * this.intervalMs);
      const n = other.#used * COLS;
      const a = this.#counts;
      const b = other.#counts;
      for (let k = 0; k < n; k++) a[k]! += b[k]!;
    }
    for (let i = 0; i < other.#hist.length; i++) {
      const h = other.#hist[i];
      if (h !== undefined && h.totalCount > 0) this.#addHistogram(i, h);
    }
    for (let i = 0; i < this.#status.length; i++) this.#status[i]! += other.#status[i]!;
    for (const [k, v] of other.#otherStatus) bump(this.#otherStatus, k, v);
    for (const [k, v] of other.#errorCodes) bump(this.#errorCodes, k, v);
    for (const [pod, byInterval] of other.#pods) {
      for (const [i, row] of byInterval) {
        const mine = this.#podRow(pod, i);
        for (let k = 0; k < OUTCOME_COUNT; k++) mine[k]! += row[k]!;
      }
    }
    for (const [i, n] of other.#newConnResets) this.#newConnResets.set(i, (this.#newConnResets.get(i) ?? 0) + n);
    if (other.tellsNewConnections) this.tellsNewConnections = true;
    return this;
  }

  #addHistogram(i: number, h: Histogram): void {
    let mine = this.#hist[i];
    if (i === this.#packing?.index) this.#restartPacking();
    if (mine === undefined) {
      mine = buildHistogram(this.#maxLatencyUs, i < this.#sealedBefore || i < this.#maxLatencyIndex - this.#sealLag);
      this.#hist[i] = mine;
    }
    mine.add(h);
  }

  /** Plain JSON with compressed histograms; `decodeRecorder` restores an equal recorder. */
  toJSON(): EncodedRecorder {
    const histograms: Array<{ index: number; data: string }> = [];
    for (let i = 0; i < this.#hist.length; i++) {
      const h = this.#hist[i];
      if (h !== undefined && h.totalCount > 0) histograms.push({ index: i, data: hdr.encodeIntoCompressedBase64(h) });
    }
    let rows = this.#used;
    while (rows > 0 && isEmptyRow(this.#counts, rows - 1)) rows--;
    return {
      format: 'zerodrop-recorder',
      version: 1,
      intervalMs: this.intervalMs,
      latencyIntervalMs: this.latencyIntervalMs,
      maxLatencyMs: this.maxLatencyMs,
      columns: [...COLUMN_NAMES],
      counts: Array.from(this.#counts.subarray(0, rows * COLS)),
      histograms,
      statusCodes: this.statusCodes(),
      errorCodes: this.errorCodes(),
      ...(this.#pods.size === 0 ? {} : { pods: this.#encodePods() }),
      ...(this.tellsNewConnections ? { newConnectionResets: Object.fromEntries([...this.#newConnResets].map(([i, n]) => [String(i), n])) } : {}),
    };
  }

  #encodePods(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [pod, byInterval] of this.#pods) {
      const rows: Record<string, number[]> = {};
      for (const [i, row] of byInterval) rows[String(i)] = Array.from(row);
      out[pod] = rows;
    }
    return out;
  }

  /** Restores a recorder from `toJSON()` output; throws E_BAD_RECORDING on anything else. */
  static fromJSON(input: unknown): Recorder {
    const enc = validateEncoded(input);
    const r = new Recorder({ intervalMs: enc.intervalMs, latencyIntervalMs: enc.latencyIntervalMs, maxLatencyMs: enc.maxLatencyMs });
    const rows = enc.counts.length / COLS;
    if (rows > 0) {
      r.#row((rows - 1) * r.intervalMs);
      r.#counts.set(enc.counts);
    }
    for (const { index, data } of enc.histograms) {
      let h: Histogram;
      try {
        h = hdr.decodeFromCompressedBase64(data, 'packed', false);
      } catch (err) {
        throw bad(`histogram ${index} could not be decoded`, err);
      }
      r.#addHistogram(index, h);
      h.destroy();
    }
    for (const [k, v] of Object.entries(enc.statusCodes)) {
      const s = Number(k);
      if (Number.isInteger(s) && s >= STATUS_MIN && s <= STATUS_MAX) r.#status[s - STATUS_MIN]! += v;
      else bump(r.#otherStatus, k, v);
    }
    for (const [k, v] of Object.entries(enc.errorCodes)) bump(r.#errorCodes, k, v);
    for (const [pod, rows] of Object.entries(enc.pods ?? {})) {
      for (const [i, counts] of Object.entries(rows)) {
        const index = Number(i);
        if (!Number.isInteger(index) || index < 0 || !Array.isArray(counts) || counts.length !== OUTCOME_COUNT || !counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
          throw bad(`pods.${pod}.${i} must be ${OUTCOME_COUNT} counts of a non-negative interval`);
        }
        r.#podRow(pod, index).set(counts);
      }
    }
    if (enc.newConnectionResets !== undefined) {
      r.tellsNewConnections = true;
      for (const [i, n] of Object.entries(enc.newConnectionResets)) {
        const index = Number(i);
        if (!Number.isInteger(index) || index < 0) throw bad(`newConnectionResets.${i} is not an interval index`);
        r.#newConnResets.set(index, n);
      }
    }
    return r;
  }

  /** The analysis' view of this recording, with the run's phases and wall-clock anchor. */
  toRunData(phases: PhaseSpan[], t0EpochMs: number, durationMs: number): RunData {
    return {
      intervalMs: this.intervalMs,
      intervals: this.intervals(Math.ceil(durationMs / this.intervalMs)),
      statusCodes: this.statusCodes(),
      errorCodes: this.errorCodes(),
      latency: this,
      ...(this.#pods.size === 0 ? {} : { pods: this.pods() }),
      ...(this.tellsNewConnections ? { newConnectionResets: this.newConnectionResets() ?? [] } : {}),
      phases,
      t0EpochMs,
      durationMs,
    };
  }
}

function isEmptyRow(c: Float64Array, row: number): boolean {
  for (let k = 0; k < COLS; k++) if (c[row * COLS + k] !== 0) return false;
  return true;
}

function bump(m: Map<string, number>, k: string, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function bad(message: string, cause?: unknown): ZerodropError {
  return new ZerodropError('E_BAD_RECORDING', `not a zerodrop recording: ${message}`, cause === undefined ? {} : { cause });
}

function isCountRecord(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);
}

/** Validates and decodes an EncodedRecorder (e.g. JSON from a worker or agent) into a Recorder. */
export function decodeRecorder(input: unknown): Recorder {
  return Recorder.fromJSON(input);
}

function validateEncoded(input: unknown): EncodedRecorder {
  if (typeof input !== 'object' || input === null) throw bad('expected an object');
  const enc = input as Partial<EncodedRecorder>;
  if (enc.format !== 'zerodrop-recorder' || enc.version !== 1) throw bad('unknown format or version');
  const { intervalMs, latencyIntervalMs, maxLatencyMs, counts, histograms, statusCodes, errorCodes, columns } = enc;
  if (typeof intervalMs !== 'number' || typeof latencyIntervalMs !== 'number' || typeof maxLatencyMs !== 'number') throw bad('missing interval settings');
  if (!Array.isArray(columns) || columns.join(',') !== COLUMN_NAMES.join(',')) throw bad('unexpected counter columns');
  if (!Array.isArray(counts) || counts.length % COLS !== 0 || !counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
    throw bad('counts must be non-negative numbers, a whole number of rows');
  }
  if (!Array.isArray(histograms) || !histograms.every((h) => typeof h === 'object' && h !== null && Number.isInteger(h.index) && h.index >= 0 && typeof h.data === 'string')) {
    throw bad('histograms must be {index, data} entries');
  }
  if (!isCountRecord(statusCodes) || !isCountRecord(errorCodes)) throw bad('statusCodes and errorCodes must map names to counts');
  const pods = (enc as { pods?: unknown }).pods;
  if (pods !== undefined && (typeof pods !== 'object' || pods === null || Array.isArray(pods) || !Object.values(pods).every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)))) {
    throw bad('pods must map pod names to {interval: counts}');
  }
  const fresh = (enc as { newConnectionResets?: unknown }).newConnectionResets;
  if (fresh !== undefined && !isCountRecord(fresh)) throw bad('newConnectionResets must map interval indexes to counts');
  return enc as EncodedRecorder;
}

/** Merges recorders into a new one; equal to having recorded everything in one recorder. */
export function mergeRecorders(recorders: readonly Recorder[], opts?: RecorderOptions): Recorder {
  const first = recorders[0];
  const out = new Recorder(
    opts ?? (first === undefined ? {} : { intervalMs: first.intervalMs, latencyIntervalMs: first.latencyIntervalMs, maxLatencyMs: first.maxLatencyMs }),
  );
  for (const r of recorders) out.merge(r);
  return out;
}
