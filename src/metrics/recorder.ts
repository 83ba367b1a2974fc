import { ZerodropError } from '../errors.js';
import { CodeCounts } from './code-counts.js';
import { IntervalCounters } from './interval-counters.js';
import { LatencySeries, PACK_STEP_BUCKETS } from './latency-series.js';
import { NewConnectionResets } from './new-connection-resets.js';
import type { FailureClass, OutcomeCode } from './outcome.js';
import { PodCounts } from './pod-counts.js';
import { MAX_GOAWAYS, Retries } from './retries.js';
import type { GoawayRecord } from './retries.js';
import { decodeInto, encodeRecorder, validateEncoded } from './recorder-codec.js';
import type { EncodedRecorder, RecorderParts } from './recorder-codec.js';
import type { IntervalCounts, LatencyQuery, LatencySummary, PhaseSpan, RunData } from './run-data.js';

export type { EncodedRecorder } from './recorder-codec.js';
export { PACK_STEP_BUCKETS } from './latency-series.js';
export type { GoawayRecord } from './retries.js';

/** How a recorder slices time and bounds latency; recorders merge only when these are equal. */
export interface RecorderOptions {
  /** Width of a counter interval in ms (default 100): the resolution of outage windows. */
  intervalMs?: number;
  /** Width of a latency histogram interval in ms (default 1000): the resolution of p99 series. */
  latencyIntervalMs?: number;
  /** Highest latency tracked, ms (default 120 000); larger values are clamped to it. */
  maxLatencyMs?: number;
}

/** Marker for "this request has no latency worth recording" (connection errors). */
export const NO_LATENCY = -1;

function positiveInt(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0 || Math.floor(v) !== v) {
    throw new ZerodropError('E_RECORDER_CONFIG', `recorder ${name} must be a positive integer, got ${v}`);
  }
  return v;
}

/**
 * Everything the run measured, in the shape the analysis needs and nothing more: per-interval
 * outcome counters (IntervalCounters, no allocation per request), one HDR latency histogram per
 * latency interval (LatencySeries, sealed into packed form as they age), status and error-code
 * counts (CodeCounts), per-pod counts (PodCounts), resets on new connections, retries of
 * requests the server never processed (Retries) and the GOAWAYs received. Recorders merge
 * exactly, so worker threads and remote agents can each keep one and the parent adds them up;
 * recorder-codec.ts is their plain-JSON form.
 */
export class Recorder implements LatencyQuery {
  readonly intervalMs: number;
  readonly latencyIntervalMs: number;
  readonly maxLatencyMs: number;
  readonly #counters: IntervalCounters;
  readonly #latency: LatencySeries;
  readonly #codes = new CodeCounts();
  readonly #pods: PodCounts;
  readonly #newConnResets: NewConnectionResets;
  readonly #retries: Retries;
  /** GOAWAYs received, in arrival order (at most MAX_GOAWAYS). */
  readonly #goaways: GoawayRecord[] = [];
  /**
   * The engine could tell new connections from reused ones, so no resets on new connections
   * means none (not "unknown"). Merging keeps it when any part could: a run's workers share
   * one client.
   */
  tellsNewConnections = false;

  constructor(opts: RecorderOptions = {}) {
    this.intervalMs = positiveInt('intervalMs', opts.intervalMs ?? 100);
    this.latencyIntervalMs = positiveInt('latencyIntervalMs', opts.latencyIntervalMs ?? 1000);
    this.maxLatencyMs = positiveInt('maxLatencyMs', Math.ceil(opts.maxLatencyMs ?? 120_000));
    this.#counters = new IntervalCounters(this.intervalMs);
    this.#latency = new LatencySeries(this.latencyIntervalMs, this.maxLatencyMs);
    this.#pods = new PodCounts(this.intervalMs);
    this.#newConnResets = new NewConnectionResets(this.intervalMs);
    this.#retries = new Retries(this.intervalMs);
  }

  /**
   * Records one finished request. `startMs` (ms since t0) picks its interval: the scheduled start
   * in the open model, the actual start in the closed model. `latencyMs` < 0 (NO_LATENCY) keeps
   * it out of the histograms; `status` 0 means no HTTP answer; `errorCode` is counted if given.
   */
  record(startMs: number, outcome: OutcomeCode, latencyMs: number, status: number, errorCode: string | undefined): void {
    this.#counters.add(startMs, outcome);
    if (latencyMs >= 0) this.#latency.record(startMs, latencyMs);
    this.#codes.add(status, errorCode);
  }

  /**
   * Counts a request (already recorded as a reset) that was reset on a connection that had
   * carried no response yet: no keep-alive reuse, the far end gave up on a new connection.
   */
  recordNewConnectionReset(startMs: number): void {
    this.#newConnResets.add(startMs);
  }

  /** Resets on new connections per interval with any (interval start in ms); undefined when the engine could not tell. */
  newConnectionResets(): Array<{ tMs: number; count: number }> | undefined {
    if (!this.tellsNewConnections) return undefined;
    return this.#newConnResets.list();
  }

  /**
   * Counts one retry of a request the server never processed (see Retries): `reason` names why,
   * e.g. `goaway` or `refused_stream`. The request's one outcome is recorded apart, once it ends.
   */
  recordRetry(reason: string, startMs: number): void {
    this.#retries.add(reason, startMs);
  }

  /** Retries in all and per reason. */
  retried(): { total: number; byReason: Record<string, number> } {
    return this.#retries.totals();
  }

  /** Retries per interval that had any (interval start in ms), per reason. */
  retriedIntervals(): Array<{ tMs: number; byReason: Record<string, number> }> {
    return this.#retries.list();
  }

  /** The retries in plain JSON (reason -> interval index -> count), as toJSON() holds them. */
  toRetriedJSON(): Record<string, Record<string, number>> {
    return this.#retries.encode();
  }

  /** Keeps a GOAWAY the client received (the first MAX_GOAWAYS of a recording). */
  recordGoaway(g: GoawayRecord): void {
    if (this.#goaways.length < MAX_GOAWAYS) this.#goaways.push(g);
  }

  /** GOAWAYs received, in time order. */
  goaways(): GoawayRecord[] {
    return [...this.#goaways].sort((a, b) => a.tMs - b.tMs);
  }

  /** Number of GOAWAYs kept so far (a live cut sends the ones from its last count on). */
  get goawayCount(): number {
    return this.#goaways.length;
  }

  /** The GOAWAYs kept from index `from` on, in arrival order. */
  goawaysFrom(from: number): GoawayRecord[] {
    return this.#goaways.slice(from);
  }

  /** Counts requests whose scheduled start passed without being sent (generator behind or capped). */
  recordUnsent(scheduledMs: number, count = 1): void {
    this.#counters.addUnsent(scheduledMs, count);
  }

  /** Counts one outcome for the pod that answered (or last answered on the connection). */
  recordPod(pod: string, startMs: number, outcome: OutcomeCode): void {
    this.#pods.add(pod, startMs, outcome);
  }

  /**
   * Packs sealed intervals' latency histograms, copying at most `budget` non-empty buckets (see
   * LatencySeries.sealStep); the engine calls this from a timer. True when nothing is left to pack.
   */
  sealStep(budget = PACK_STEP_BUCKETS): boolean {
    return this.#latency.sealStep(budget);
  }

  /** Number of counter intervals that hold any count. */
  get intervalCount(): number {
    return this.#counters.used;
  }

  /** Interval `i`'s counters in the encoded column order (success, failure classes, unsent). */
  rowCounts(i: number): number[] {
    return this.#counters.rowCounts(i);
  }

  /** Number of latency intervals (highest index that may hold a histogram + 1). */
  get latencyIntervalCount(): number {
    return this.#latency.length;
  }

  /** Latencies recorded in latency interval `i` (0 when none). */
  latencyCount(i: number): number {
    return this.#latency.count(i);
  }

  /** Latency interval `i`'s histogram in the encoded form of toJSON(), or undefined when empty. */
  encodeLatency(i: number): string | undefined {
    return this.#latency.encode(i);
  }

  /** Per-pod outcome counts of the intervals from `fromIndex` on (a live cut reads the recent ones only). */
  podRowsFrom(fromIndex: number): Array<{ pod: string; index: number; outcomes: number[] }> {
    return this.#pods.rowsFrom(fromIndex);
  }

  /** Totals over the whole recording: sent = succeeded + failed, always. */
  totals(): { sent: number; succeeded: number; failed: number; unsent: number; failures: Record<FailureClass, number> } {
    return this.#counters.totals();
  }

  /** Counters per interval from t0, at least `minIntervals` of them (trailing ones may be zero). */
  intervals(minIntervals = 0): IntervalCounts[] {
    return this.#counters.intervals(minIntervals);
  }

  /**
   * Latency over requests that started in [fromMs, toMs): a latency interval belongs to the range
   * when its midpoint does, so adjacent phases partition the histograms (no request counted twice).
   */
  summarize(fromMs: number, toMs: number): LatencySummary {
    return this.#latency.summarize(fromMs, toMs);
  }

  /** p99 per latency interval that holds any latency, in time order. */
  p99Series(): Array<{ tMs: number; p99Ms: number; count: number }> {
    return this.#latency.p99Series();
  }

  /** p99 of the latency interval containing `tMs`, or null when it holds nothing (live progress). */
  p99At(tMs: number): number | null {
    return this.#latency.p99At(tMs);
  }

  /** Counts per HTTP status, e.g. {"200": 9990, "503": 10}. */
  statusCodes(): Record<string, number> {
    return this.#codes.statusCodes();
  }

  /** Counts per error code of requests that ended without an HTTP answer, keys sorted. */
  errorCodes(): Record<string, number> {
    return this.#codes.errorCodes();
  }

  /** Per pod, the outcome counts of each interval that had any (interval start in ms). */
  pods(): Array<{ pod: string; intervals: Array<{ tMs: number; outcomes: number[] }> }> {
    return this.#pods.list();
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
  merge(other: Recorder): this {
    this.#assertCompatible(other);
    this.#counters.merge(other.#counters);
    this.#latency.merge(other.#latency);
    this.#codes.merge(other.#codes);
    this.#pods.merge(other.#pods);
    this.#newConnResets.merge(other.#newConnResets);
    this.#retries.merge(other.#retries);
    for (const g of other.#goaways) this.recordGoaway(g);
    if (other.tellsNewConnections) this.tellsNewConnections = true;
    return this;
  }

  #parts(): RecorderParts {
    return {
      intervalMs: this.intervalMs,
      latencyIntervalMs: this.latencyIntervalMs,
      maxLatencyMs: this.maxLatencyMs,
      counters: this.#counters,
      latency: this.#latency,
      codes: this.#codes,
      pods: this.#pods,
      newConnResets: this.#newConnResets,
      retries: this.#retries,
      goaways: this.#goaways,
      tellsNewConnections: this.tellsNewConnections,
    };
  }

  /** Plain JSON with compressed histograms; `decodeRecorder` restores an equal recorder. */
  toJSON(): EncodedRecorder {
    return encodeRecorder(this.#parts());
  }

  /** Restores a recorder from `toJSON()` output; throws E_BAD_RECORDING on anything else. */
  static fromJSON(input: unknown): Recorder {
    const enc = validateEncoded(input);
    const r = new Recorder({ intervalMs: enc.intervalMs, latencyIntervalMs: enc.latencyIntervalMs, maxLatencyMs: enc.maxLatencyMs });
    if (decodeInto(enc, r.#parts())) r.tellsNewConnections = true;
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
      ...(this.#retries.size === 0 ? {} : { retried: { ...this.retried(), intervals: this.retriedIntervals() } }),
      ...(this.#goaways.length === 0 ? {} : { goaways: this.goaways() }),
      phases,
      t0EpochMs,
      durationMs,
    };
  }
}

/** Validates and decodes an EncodedRecorder (e.g. JSON from a worker or agent) into a Recorder. */
export function decodeRecorder(input: unknown): Recorder {
  return Recorder.fromJSON(input);
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
