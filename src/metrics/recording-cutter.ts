import { OUTCOME_COUNT } from './outcome.js';
import { DeltaTracker } from './delta-tracker.js';
import type { Recorder } from './recorder.js';
import { retriedDelta } from './retries.js';
import type { GoawayRecord } from './retries.js';
import type { RecorderSettings, RowBlock } from './row-delta.js';

/**
 * What one recording (an in-thread engine, a worker thread, an agent) added since its previous
 * delta. Counters are exact increments: summing every delta of every source gives the run's
 * counters exactly. Histograms are not increments: each entry is the whole histogram of one
 * latency interval of this source, replacing what the source sent for that interval before.
 */
export interface RecordingDelta {
  /** Who recorded it, unique within a run: `main`, `bridge`, `worker-0`, `agent-3`. */
  source: string;
  settings: RecorderSettings;
  rows: RowBlock[];
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  /** Per pod, per interval index, the growth of its outcome counts (OUTCOME order). */
  pods?: Record<string, Record<string, number[]>>;
  /** Whole histograms (the Recorder's encoding) of latency intervals that changed. */
  histograms?: Array<{ index: number; data: string }>;
  /** Growth of the retries: reason -> interval index -> count (see Retries). */
  retried?: Record<string, Record<string, number>>;
  /** GOAWAYs received since the previous delta. */
  goaways?: GoawayRecord[];
}

/** Extra time past the request timeout and lag tolerance before an interval counts as final. */
export const SETTLE_SLACK_MS = 1000;

/**
 * Cuts a live Recorder into RecordingDeltas: everything recorded since the last cut (counter rows
 * through DeltaTracker.cutLive, status and error codes, per-pod counts) and the histograms of
 * latency intervals that have closed and changed. Intervals older than `settleMs` are final and
 * no longer scanned, so a cut costs the recent intervals only; finish() scans everything once more.
 */
export class RecordingCutter {
  readonly #rec: Recorder;
  readonly #source: string;
  readonly #settleMs: number;
  readonly #rows = new DeltaTracker();
  /** Pod -> interval index -> counts sent so far. */
  readonly #podSent = new Map<string, Map<number, number[]>>();
  #podSettled = 0;
  /** Latency interval index -> histogram count when last sent. */
  readonly #histSent = new Map<number, number>();
  #histSettled = 0;
  /** Retries sent so far (Retries.encode() form) and GOAWAYs sent so far. */
  #retriedSent: Record<string, Record<string, number>> = {};
  #goawaysSent = 0;

  /**
   * @param settleMs how long after an interval's start a request can still land in it (the
   *   request timeout plus the lag tolerance plus SETTLE_SLACK_MS).
   */
  constructor(recorder: Recorder, source: string, settleMs: number) {
    this.#rec = recorder;
    this.#source = source;
    this.#settleMs = settleMs;
  }

  /** Everything recorded since the last cut, as of `nowMs` on the recorder's clock. */
  cut(nowMs: number): RecordingDelta {
    const rec = this.#rec;
    const settledMs = nowMs - this.#settleMs;
    const settledRow = Math.max(0, Math.floor(settledMs / rec.intervalMs));
    const d = this.#rows.cutLive(rec, settledRow, rec.statusCodes(), rec.errorCodes());
    const pods = this.#podDelta(this.#podSettled);
    this.#podSettled = Math.max(this.#podSettled, settledRow);
    const L = rec.latencyIntervalMs;
    const closed = Math.min(rec.latencyIntervalCount, Math.max(0, Math.floor(nowMs / L)));
    const histograms = this.#histDelta(this.#histSettled, closed);
    this.#histSettled = Math.max(this.#histSettled, Math.min(closed, Math.max(0, Math.floor(settledMs / L))));
    return this.#delta(d, pods, histograms);
  }

  /** Everything not sent yet once the recording is over, late changes to settled intervals included. */
  finish(): RecordingDelta {
    const rec = this.#rec;
    const d = this.#rows.finish(rec.intervals(), rec.statusCodes(), rec.errorCodes());
    return this.#delta(d, this.#podDelta(0), this.#histDelta(0, rec.latencyIntervalCount));
  }

  #delta(d: ReturnType<DeltaTracker['cut']>, pods: RecordingDelta['pods'], histograms: RecordingDelta['histograms']): RecordingDelta {
    const rec = this.#rec;
    const out: RecordingDelta = {
      source: this.#source,
      settings: { intervalMs: rec.intervalMs, latencyIntervalMs: rec.latencyIntervalMs, maxLatencyMs: rec.maxLatencyMs },
      rows: d.rows,
      statusCodes: d.statusCodes,
      errorCodes: d.errorCodes,
    };
    if (pods !== undefined) out.pods = pods;
    if (histograms !== undefined) out.histograms = histograms;
    const enc = rec.toRetriedJSON();
    const retried = retriedDelta(enc, this.#retriedSent);
    if (retried !== undefined) {
      out.retried = retried;
      this.#retriedSent = enc;
    }
    if (rec.goawayCount > this.#goawaysSent) {
      out.goaways = rec.goawaysFrom(this.#goawaysSent);
      this.#goawaysSent = rec.goawayCount;
    }
    return out;
  }

  #podDelta(fromIndex: number): RecordingDelta['pods'] {
    let out: NonNullable<RecordingDelta['pods']> | undefined;
    for (const { pod, index, outcomes } of this.#rec.podRowsFrom(fromIndex)) {
      let sent = this.#podSent.get(pod);
      if (sent === undefined) {
        sent = new Map();
        this.#podSent.set(pod, sent);
      }
      const before = sent.get(index) ?? new Array<number>(OUTCOME_COUNT).fill(0);
      const diff = outcomes.map((v, k) => v - before[k]!);
      if (!diff.some((v) => v !== 0)) continue;
      sent.set(index, outcomes);
      out ??= {};
      (out[pod] ??= {})[String(index)] = diff;
    }
    return out;
  }

  #histDelta(from: number, to: number): RecordingDelta['histograms'] {
    let out: NonNullable<RecordingDelta['histograms']> | undefined;
    for (let i = from; i < to; i++) {
      const count = this.#rec.latencyCount(i);
      if (count === 0 || count === this.#histSent.get(i)) continue;
      const data = this.#rec.encodeLatency(i);
      if (data === undefined) continue;
      this.#histSent.set(i, count);
      (out ??= []).push({ index: i, data });
    }
    return out;
  }
}
