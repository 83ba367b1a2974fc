import { ZerodropError } from '../errors.js';
import type { EncodedLag } from '../metrics/lag-recorder.js';
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { EncodedRecorder } from '../metrics/recorder.js';
import type { IntervalCounts } from '../metrics/run-data.js';
import type { WorkerHealth } from '../traffic/generator-health.js';

/*
 * The agent -> coordinator wire format: one JSON object per stdout line (NDJSON), read by the
 * coordinator through the pod log API. Every record carries the agent's index, a sequence number
 * (so a re-followed log can be de-duplicated and a gap detected) and the agent's wall clock
 * (so the coordinator can estimate clock skew). Counters travel as exact deltas of the agent's
 * Recorder (rows that can no longer change, then the rest, then corrections); latency
 * histograms travel once, at the end, as the Recorder encodes them. Summing every delta of an
 * agent gives exactly the agent's own final recording.
 */

/** Version of the record format; the first field of every line, so a reader can tell records from other output. */
export const RECORD_VERSION = 1;

/** Counter columns of a row, in the Recorder's encoded order. */
export const ROW_COLUMNS: readonly string[] = ['success', ...FAILURE_CLASSES, 'unsent'];

/** How an agent's Recorder slices time; the coordinator rebuilds recorders with the same settings. */
export interface RecorderSettings {
  intervalMs: number;
  latencyIntervalMs: number;
  maxLatencyMs: number;
}

/** Live counters of an agent, cumulative since its start (for the progress line). */
export interface AgentLive {
  sent: number;
  succeeded: number;
  failed: number;
  unsent: number;
  inFlight: number;
}

/** Totals of an agent's own final recording: what the coordinator's merge must reproduce. */
export interface AgentTotals {
  sent: number;
  succeeded: number;
  failed: number;
  unsent: number;
}

/** A block of counter rows: `counts` holds rows `fromRow...` row-major (ROW_COLUMNS each). */
export interface RowBlock {
  fromRow: number;
  counts: number[];
}

interface Base {
  zd: typeof RECORD_VERSION;
  seq: number;
  index: number;
  /** The agent's wall clock (epoch ms) when it wrote the record. */
  wallMs: number;
}

/** First line: who the agent is and how its recorder slices time. */
export interface HelloRecord extends Base {
  type: 'hello';
  pod: string;
  version: string;
  settings: RecorderSettings;
}

/** The agent is set up and waits for the shared start. */
export interface ReadyRecord extends Base {
  type: 'ready';
  startAtWallMs: number;
}

/** The load started; `lateMs` > 0 when the agent was not ready by the shared start. */
export interface StartRecord extends Base {
  type: 'start';
  lateMs: number;
}

/** Counter deltas: rows that are final, plus status and error-code counts since the last record. */
export interface IntervalRecord extends Base {
  type: 'interval';
  /** Agent clock (run timeline ms) when the record was cut. */
  tMs: number;
  rows: RowBlock[];
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  live: AgentLive;
}

/** Latency histograms (the Recorder's compressed encoding), sent once the load is over. */
export interface HistogramRecord extends Base {
  type: 'histograms';
  histograms: Array<{ index: number; data: string }>;
}

/** Last record: the engine's summary, its lag histogram and the totals the merge must equal. */
export interface DoneRecord extends Base {
  type: 'done';
  totals: AgentTotals;
  lag: EncodedLag;
  health: WorkerHealth;
  durationMs: number;
  stoppedEarly: boolean;
  startMs: number;
  endMs: number;
}

/** The agent could not run (bad spec, engine error); it exits non-zero after this. */
export interface ErrorRecord extends Base {
  type: 'error';
  message: string;
}

/** Any record an agent writes. */
export type AgentRecord = HelloRecord | ReadyRecord | StartRecord | IntervalRecord | HistogramRecord | DoneRecord | ErrorRecord;

/** A record before the common fields are stamped on. */
export type RecordBody = AgentRecord extends infer R ? (R extends AgentRecord ? Omit<R, keyof Base> : never) : never;

/** One NDJSON line for a record (with its trailing newline). */
export function encodeRecord(r: AgentRecord): string {
  return `${JSON.stringify(r)}\n`;
}

function bad(message: string): ZerodropError {
  return new ZerodropError('E_BAD_AGENT_RECORD', `not a valid agent record: ${message}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isCountMap = (v: unknown): v is Record<string, number> => isObj(v) && Object.values(v).every(isCount);

function checkRows(rows: unknown): void {
  if (!Array.isArray(rows)) throw bad('rows must be a list');
  for (const b of rows) {
    if (!isObj(b) || !Number.isInteger(b['fromRow']) || (b['fromRow'] as number) < 0) throw bad('a row block needs fromRow >= 0');
    const counts = b['counts'];
    if (!Array.isArray(counts) || counts.length % ROW_COLUMNS.length !== 0 || !counts.every(isCount)) throw bad('row counts must be non-negative numbers, whole rows');
  }
}

/**
 * Parses one line of an agent's output: a record, or undefined for a line that is not one (an
 * agent's stray output, a blank line). Throws E_BAD_AGENT_RECORD for a line that claims to be a
 * record but is malformed: the coordinator must not merge half-understood data.
 */
export function decodeRecord(line: string): AgentRecord | undefined {
  const text = line.trim();
  if (!text.startsWith('{"zd":')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('not JSON');
  }
  if (!isObj(v) || v['zd'] !== RECORD_VERSION) throw bad(`unknown record version ${JSON.stringify(isObj(v) ? v['zd'] : v)}`);
  if (!Number.isInteger(v['seq']) || !Number.isInteger(v['index']) || typeof v['wallMs'] !== 'number') throw bad('seq, index and wallMs are required');
  switch (v['type']) {
    case 'hello': {
      const s = v['settings'];
      if (!isObj(s) || !Number.isInteger(s['intervalMs']) || !Number.isInteger(s['latencyIntervalMs']) || !Number.isInteger(s['maxLatencyMs'])) throw bad('hello needs recorder settings');
      break;
    }
    case 'ready':
      if (typeof v['startAtWallMs'] !== 'number') throw bad('ready needs startAtWallMs');
      break;
    case 'start':
      if (typeof v['lateMs'] !== 'number') throw bad('start needs lateMs');
      break;
    case 'interval':
      checkRows(v['rows']);
      if (!isCountMap(v['statusCodes']) || !isCountMap(v['errorCodes'])) throw bad('statusCodes and errorCodes must map names to counts');
      if (!isObj(v['live'])) throw bad('interval needs live counters');
      break;
    case 'histograms': {
      const h = v['histograms'];
      if (!Array.isArray(h) || !h.every((x) => isObj(x) && Number.isInteger(x['index']) && typeof x['data'] === 'string')) throw bad('histograms must be {index, data} entries');
      break;
    }
    case 'done':
      if (!isObj(v['totals']) || !isObj(v['lag']) || !isObj(v['health'])) throw bad('done needs totals, lag and health');
      break;
    case 'error':
      if (typeof v['message'] !== 'string') throw bad('error needs a message');
      break;
    default:
      throw bad(`unknown type ${JSON.stringify(v['type'])}`);
  }
  return v as unknown as AgentRecord;
}

/** Splits a growing stream of text into complete lines; keeps the unfinished tail for the next chunk. */
export class LineSplitter {
  #tail = '';

  /** Feeds a chunk; returns the lines it completed (without newlines). */
  push(chunk: string): string[] {
    const text = this.#tail + chunk;
    const parts = text.split('\n');
    this.#tail = parts.pop() ?? '';
    return parts;
  }

  /** The unfinished last line (at the end of the stream). */
  flush(): string {
    const t = this.#tail;
    this.#tail = '';
    return t;
  }
}

/** One interval's counters as a row in ROW_COLUMNS order. */
export function rowOf(i: IntervalCounts): number[] {
  return [i.succeeded, ...FAILURE_CLASSES.map((c) => i.failures[c]), i.unsent];
}

/**
 * An EncodedRecorder holding exactly the given deltas (rows, histograms, status and error
 * counts), so that Recorder.fromJSON + merge adds them: the same exact merge worker threads use.
 */
export function deltaToEncoded(settings: RecorderSettings, delta: { rows?: readonly RowBlock[]; histograms?: Array<{ index: number; data: string }>; statusCodes?: Record<string, number>; errorCodes?: Record<string, number> }): EncodedRecorder {
  const cols = ROW_COLUMNS.length;
  let rows = 0;
  for (const b of delta.rows ?? []) rows = Math.max(rows, b.fromRow + b.counts.length / cols);
  const counts = new Array<number>(rows * cols).fill(0);
  for (const b of delta.rows ?? []) for (let k = 0; k < b.counts.length; k++) counts[b.fromRow * cols + k]! += b.counts[k]!;
  return {
    format: 'zerodrop-recorder',
    version: 1,
    intervalMs: settings.intervalMs,
    latencyIntervalMs: settings.latencyIntervalMs,
    maxLatencyMs: settings.maxLatencyMs,
    columns: [...ROW_COLUMNS],
    counts,
    histograms: delta.histograms ?? [],
    statusCodes: delta.statusCodes ?? {},
    errorCodes: delta.errorCodes ?? {},
  };
}

/** `now - before` per key, keeping only positive differences (cumulative counters only grow). */
export function countDelta(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
