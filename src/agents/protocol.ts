import { ZerodropError } from '../errors.js';
import type { EncodedLag } from '../metrics/lag-recorder.js';
import type { GoawayRecord } from '../metrics/retries.js';
import { ROW_COLUMNS, type RecorderSettings, type RowBlock } from '../metrics/row-delta.js';
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

export { ROW_COLUMNS, countDelta, deltaToEncoded, rowOf, type RecorderSettings, type RowBlock } from '../metrics/row-delta.js';

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
  /** Growth of the retries since the last record: reason -> interval index -> count. */
  retried?: Record<string, Record<string, number>>;
  /** GOAWAYs received since the last record. */
  goaways?: GoawayRecord[];
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
      if (v['retried'] !== undefined && !(isObj(v['retried']) && Object.values(v['retried']).every(isCountMap))) throw bad('retried must map reasons to {interval: count}');
      if (v['goaways'] !== undefined && !Array.isArray(v['goaways'])) throw bad('goaways must be a list');
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

