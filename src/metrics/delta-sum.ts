import { ZerodropError } from '../errors.js';
import { OUTCOME_COUNT } from './outcome.js';
import { Recorder } from './recorder.js';
import type { RecordingDelta } from './recording-cutter.js';
import { addRetried } from './retries.js';
import type { GoawayRecord } from './retries.js';
import { ROW_COLUMNS, deltaToEncoded, type RecorderSettings, type RowBlock } from './row-delta.js';

/** Histograms of one source: whole histograms per latency interval (the latest sent wins). */
export interface SourceHistograms {
  source: string;
  histograms: Array<{ index: number; data: string }>;
}

/** A sum of deltas in plain form: counters added up, the latest histogram per source and interval. */
export interface SummedDelta {
  rows: RowBlock[];
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  pods?: Record<string, Record<string, number[]>>;
  histograms: SourceHistograms[];
  /** Retries: reason -> interval index -> count (see Retries). */
  retried?: Record<string, Record<string, number>>;
  /** GOAWAYs received. */
  goaways?: GoawayRecord[];
}

const COLS = ROW_COLUMNS.length;

function bump(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * Adds up RecordingDeltas from any number of sources, exactly: the journal writer sums what
 * arrived between two flushes into one record, and the journal reader sums every record back into
 * a Recorder. Histograms are not added: the latest one per source and latency interval replaces
 * the earlier ones, and toRecorder() adds the sources' histograms together.
 */
export class DeltaSum {
  #settings: RecorderSettings | undefined;
  readonly #rows = new Map<number, number[]>();
  #status: Record<string, number> = {};
  #errors: Record<string, number> = {};
  readonly #pods = new Map<string, Map<number, number[]>>();
  readonly #hist = new Map<string, Map<number, string>>();
  #retried: Record<string, Record<string, number>> = {};
  #goaways: GoawayRecord[] = [];

  /** The recorder settings of the first delta (every source of a run slices time the same way). */
  get settings(): RecorderSettings | undefined {
    return this.#settings;
  }

  /** True when nothing was added since the last take(). */
  get empty(): boolean {
    return (
      this.#rows.size === 0 &&
      this.#pods.size === 0 &&
      this.#hist.size === 0 &&
      Object.keys(this.#status).length === 0 &&
      Object.keys(this.#errors).length === 0 &&
      Object.keys(this.#retried).length === 0 &&
      this.#goaways.length === 0
    );
  }

  /** Sets the settings (a reader that meets them before any delta); throws if they differ from earlier ones. */
  useSettings(s: RecorderSettings): void {
    const cur = this.#settings;
    if (cur !== undefined && (cur.intervalMs !== s.intervalMs || cur.latencyIntervalMs !== s.latencyIntervalMs || cur.maxLatencyMs !== s.maxLatencyMs)) {
      throw new ZerodropError('E_RECORDER_MISMATCH', `deltas with different recorder settings cannot be added (${JSON.stringify(s)} vs ${JSON.stringify(cur)})`);
    }
    this.#settings = { intervalMs: s.intervalMs, latencyIntervalMs: s.latencyIntervalMs, maxLatencyMs: s.maxLatencyMs };
  }

  /** Adds one source's delta (or a summed one, with histograms per source). */
  add(
    d: Pick<RecordingDelta, 'rows' | 'statusCodes' | 'errorCodes'> & {
      settings?: RecorderSettings;
      source?: string;
      pods?: RecordingDelta['pods'];
      histograms?: RecordingDelta['histograms'] | SourceHistograms[];
      retried?: RecordingDelta['retried'];
      goaways?: RecordingDelta['goaways'];
    },
  ): void {
    if (d.settings !== undefined) this.useSettings(d.settings);
    for (const b of d.rows) {
      for (let r = 0; r * COLS < b.counts.length; r++) {
        const index = b.fromRow + r;
        let row = this.#rows.get(index);
        if (row === undefined) {
          row = new Array<number>(COLS).fill(0);
          this.#rows.set(index, row);
        }
        for (let k = 0; k < COLS; k++) row[k]! += b.counts[r * COLS + k]!;
      }
    }
    bump(this.#status, d.statusCodes);
    bump(this.#errors, d.errorCodes);
    for (const [pod, byIndex] of Object.entries(d.pods ?? {})) {
      let mine = this.#pods.get(pod);
      if (mine === undefined) {
        mine = new Map();
        this.#pods.set(pod, mine);
      }
      for (const [i, counts] of Object.entries(byIndex)) {
        const index = Number(i);
        const row = mine.get(index) ?? new Array<number>(OUTCOME_COUNT).fill(0);
        for (let k = 0; k < OUTCOME_COUNT; k++) row[k]! += counts[k] ?? 0;
        mine.set(index, row);
      }
    }
    if (d.retried !== undefined) addRetried(this.#retried, d.retried);
    if (d.goaways !== undefined) this.#goaways.push(...d.goaways);
    for (const h of d.histograms ?? []) {
      if ('source' in h) this.#putHistograms(h.source, h.histograms);
      else this.#putHistograms(d.source ?? '', [h]);
    }
  }

  #putHistograms(source: string, list: ReadonlyArray<{ index: number; data: string }>): void {
    let mine = this.#hist.get(source);
    if (mine === undefined) {
      mine = new Map();
      this.#hist.set(source, mine);
    }
    for (const { index, data } of list) mine.set(index, data);
  }

  /** The sum so far in plain form (rows as blocks of consecutive rows, in order). */
  summed(): SummedDelta {
    const rows: RowBlock[] = [];
    let cur: RowBlock | undefined;
    let next = -1;
    for (const index of [...this.#rows.keys()].sort((a, b) => a - b)) {
      if (cur === undefined || index !== next) {
        cur = { fromRow: index, counts: [] };
        rows.push(cur);
      }
      cur.counts.push(...this.#rows.get(index)!);
      next = index + 1;
    }
    const out: SummedDelta = {
      rows,
      statusCodes: { ...this.#status },
      errorCodes: { ...this.#errors },
      histograms: [...this.#hist].map(([source, m]) => ({ source, histograms: [...m].sort(([a], [b]) => a - b).map(([index, data]) => ({ index, data })) })),
    };
    if (this.#pods.size > 0) out.pods = this.#podsRecord();
    if (Object.keys(this.#retried).length > 0) out.retried = structuredClone(this.#retried);
    if (this.#goaways.length > 0) out.goaways = [...this.#goaways];
    return out;
  }

  /** summed(), then starts over (the settings are kept). */
  take(): SummedDelta {
    const s = this.summed();
    this.#rows.clear();
    this.#status = {};
    this.#errors = {};
    this.#pods.clear();
    this.#hist.clear();
    this.#retried = {};
    this.#goaways = [];
    return s;
  }

  #podsRecord(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [pod, m] of this.#pods) {
      const rows: Record<string, number[]> = {};
      for (const [i, counts] of [...m].sort(([a], [b]) => a - b)) rows[String(i)] = counts;
      out[pod] = rows;
    }
    return out;
  }

  /** A Recorder holding the sum: the same exact decode and merge worker threads and agents use. */
  toRecorder(fallback: RecorderSettings): Recorder {
    const settings = this.#settings ?? fallback;
    const s = this.summed();
    const histograms = s.histograms.flatMap((h) => h.histograms);
    const enc = deltaToEncoded(settings, { rows: s.rows, statusCodes: s.statusCodes, errorCodes: s.errorCodes, histograms });
    return Recorder.fromJSON({
      ...enc,
      ...(s.pods === undefined ? {} : { pods: s.pods }),
      ...(s.retried === undefined ? {} : { retried: s.retried }),
      ...(s.goaways === undefined ? {} : { goaways: s.goaways }),
    });
  }
}
