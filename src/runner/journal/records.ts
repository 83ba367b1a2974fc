import { ZerodropError, EXIT } from '../../errors.js';
import type { RolloutResult } from '../../analysis/verdict.js';
import type { SourceHistograms } from '../../metrics/delta-sum.js';
import type { GoawayRecord } from '../../metrics/retries.js';
import type { RecorderSettings, RowBlock } from '../../metrics/row-delta.js';
import type { Report, RolloutEventRecord, TriggerRecord, Verdict } from '../../report/model.js';
import type { ConnectionEvent, ConnectionRecording } from '../../streams/connection-log.js';

/*
 * The run journal: journal.ndjson in the run's output folder, one JSON record per line, appended
 * as the run goes, so that a run killed without warning (SIGKILL, the OOM killer, a CI timeout)
 * still leaves its record. `zerodrop report DIR` rebuilds the report from it. Counters travel as
 * exact increments (the sum of every `counts` record is the run's counters as of the last one);
 * histograms as whole per-interval histograms, the latest per source and interval winning.
 */

/** Name of the journal file in a run's output folder. */
export const JOURNAL_FILE = 'journal.ndjson';

/** Version of the record format, the `j` field of every record. */
export const JOURNAL_VERSION = 1;

/** Fields every record carries. */
interface Base {
  j: typeof JOURNAL_VERSION;
  /** 0, 1, 2...: a gap means a lost or reordered record. */
  seq: number;
  /** Wall clock (epoch ms) when the record was written. */
  wallMs: number;
  /** The run's clock (ms since t0, the report's timeline) when the record was written. */
  tMs: number;
}

/** The meta a plan carries: the report's meta as far as it is known when the run starts (secrets redacted). */
export type PlanMeta = Omit<Report['meta'], 'endedAt' | 'load' | 'cluster'> & { load: Omit<Report['meta']['load'], 'durationMs'> };

/** First record: what the run is, how it will be judged, and the clock's wall-time anchor. */
export interface PlanRecord extends Base {
  type: 'plan';
  format: 'zerodrop-journal';
  t0EpochMs: number;
  meta: PlanMeta;
  budget: { maxFailureRate: number; confidence: number };
  hasTrigger: boolean;
  warmupMs: number;
}

/** How the recordings slice time (written with the first counters). */
export interface RecorderRecord extends Base {
  type: 'recorder';
  settings: RecorderSettings;
}

/** A moment of the run: the load's start, the trigger's start and end, the load's end. */
export interface MarkRecord extends Base {
  type: 'mark';
  name: 'load-start' | 'trigger-start' | 'trigger-end' | 'load-end';
  atMs: number;
}

/** Counter increments since the previous counts record, over every source (written every second). */
export interface CountsRecord extends Base {
  type: 'counts';
  rows: RowBlock[];
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  pods?: Record<string, Record<string, number[]>>;
  /** Growth of the retries: reason -> interval index -> count. */
  retried?: Record<string, Record<string, number>>;
  /** GOAWAYs received since the previous counts record. */
  goaways?: GoawayRecord[];
}

/** Whole latency histograms of one source's intervals that closed or changed since it last sent them. */
export interface HistogramsRecord extends Base, SourceHistograms {
  type: 'histograms';
}

/** One rollout event, as the watcher recorded it. */
export interface EventRecord extends Base {
  type: 'event';
  event: RolloutEventRecord;
}

/** The release's outcome: the trigger command's record and how the watched rollout ended. */
export interface TriggerDoneRecord extends Base {
  type: 'trigger';
  trigger: TriggerRecord | null;
  rollout: RolloutResult | null;
  timedOut: boolean;
}

/**
 * A WebSocket or SSE load's connections: the events since the previous connections record (their
 * concatenation is the run's event list) and the running totals as of now (the latest wins).
 */
export interface ConnectionsRecord extends Base {
  type: 'connections';
  head: Pick<ConnectionRecording, 'kind' | 'connections' | 'messageRate' | 'promptMs'>;
  events: ConnectionEvent[];
  resent: number;
  skipped: number;
  closedAtEnd: number;
}

/** Last record of a run that finished (pass, fail, inconclusive or interrupted): what the runner concluded. */
export interface EndRecord extends Base {
  type: 'end';
  verdict: Verdict;
  exitCode: number;
  aborted: boolean;
  reasons: string[];
  totals: Report['totals'];
  generator: Report['generator'];
  meta: Report['meta'];
  preflight?: Report['preflight'];
  agents?: Report['agents'];
  rollback?: Report['rollback'];
}

/** Any journal record. */
export type JournalRecord = PlanRecord | RecorderRecord | MarkRecord | CountsRecord | HistogramsRecord | EventRecord | TriggerDoneRecord | ConnectionsRecord | EndRecord;

/** A record before the common fields are stamped on. */
export type JournalBody = JournalRecord extends infer R ? (R extends JournalRecord ? Omit<R, keyof Base> : never) : never;

/** One NDJSON line for a record, with its newline: a record counts once its newline is written. */
export function encodeJournalRecord(r: JournalRecord): string {
  return `${JSON.stringify(r)}\n`;
}

const HINT = 'pass the folder a zerodrop run wrote (it holds journal.ndjson); the journal must not be edited';

/** A journal that cannot be read: exit 3, like any other bad input file. */
export function badJournal(message: string): ZerodropError {
  return new ZerodropError('E_BAD_JOURNAL', `not a valid zerodrop journal: ${message}`, { exitCode: EXIT.invalidInput, hint: HINT });
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => isNum(v) && v >= 0;
const isCountMap = (v: unknown): boolean => isObj(v) && Object.values(v).every(isCount);

function checkRecord(v: Record<string, unknown>, where: string): void {
  const need = (ok: boolean, what: string): void => {
    if (!ok) throw badJournal(`${where}: ${what}`);
  };
  switch (v['type']) {
    case 'plan':
      need(v['format'] === 'zerodrop-journal' && isNum(v['t0EpochMs']) && isObj(v['meta']) && isObj(v['budget']) && typeof v['hasTrigger'] === 'boolean' && isNum(v['warmupMs']), 'a plan needs format, t0EpochMs, meta, budget, hasTrigger and warmupMs');
      break;
    case 'recorder': {
      const s = v['settings'];
      need(isObj(s) && Number.isInteger(s['intervalMs']) && Number.isInteger(s['latencyIntervalMs']) && Number.isInteger(s['maxLatencyMs']), 'recorder settings must be integers');
      break;
    }
    case 'mark':
      need(['load-start', 'trigger-start', 'trigger-end', 'load-end'].includes(v['name'] as string) && isNum(v['atMs']), 'a mark needs a known name and atMs');
      break;
    case 'counts': {
      const rows = v['rows'];
      need(Array.isArray(rows) && rows.every((b) => isObj(b) && Number.isInteger(b['fromRow']) && (b['fromRow'] as number) >= 0 && Array.isArray(b['counts']) && (b['counts'] as unknown[]).every(isNum)), 'rows must be {fromRow, counts} blocks');
      need(isCountMap(v['statusCodes']) && isCountMap(v['errorCodes']), 'statusCodes and errorCodes must map names to counts');
      need(v['pods'] === undefined || (isObj(v['pods']) && Object.values(v['pods']).every(isObj)), 'pods must map pods to {interval: counts}');
      need(v['retried'] === undefined || (isObj(v['retried']) && Object.values(v['retried']).every(isCountMap)), 'retried must map reasons to {interval: count}');
      need(v['goaways'] === undefined || Array.isArray(v['goaways']), 'goaways must be a list');
      break;
    }
    case 'histograms': {
      const h = v['histograms'];
      need(typeof v['source'] === 'string' && Array.isArray(h) && h.every((x) => isObj(x) && Number.isInteger(x['index']) && typeof x['data'] === 'string'), 'histograms need a source and {index, data} entries');
      break;
    }
    case 'event':
      need(isObj(v['event']) && isNum((v['event'] as Record<string, unknown>)['tMs']), 'an event needs tMs');
      break;
    case 'trigger':
      need('trigger' in v && 'rollout' in v && typeof v['timedOut'] === 'boolean', 'a trigger record needs trigger, rollout and timedOut');
      break;
    case 'connections': {
      const h = v['head'];
      need(isObj(h) && (h['kind'] === 'websocket' || h['kind'] === 'sse') && isCount(h['connections']) && isCount(h['messageRate']) && isCount(h['promptMs']), 'a connections record needs a head (kind, connections, messageRate, promptMs)');
      const evs = v['events'];
      need(Array.isArray(evs) && evs.every((e) => isObj(e) && isNum(e['tMs']) && ['open', 'close', 'connect-failed'].includes(e['kind'] as string) && Number.isInteger(e['client'])), 'connection events need tMs, a known kind and a client');
      need(isCount(v['resent']) && isCount(v['skipped']) && isCount(v['closedAtEnd']), 'a connections record needs resent, skipped and closedAtEnd counts');
      break;
    }
    case 'end':
      need(['pass', 'fail', 'inconclusive'].includes(v['verdict'] as string) && isObj(v['totals']) && isObj(v['generator']) && isObj(v['meta']) && Array.isArray(v['reasons']), 'an end record needs verdict, reasons, totals, generator and meta');
      break;
    default:
      throw badJournal(`${where}: unknown record type ${JSON.stringify(v['type'])}`);
  }
}

/**
 * Parses one journal line into a record. Throws E_BAD_JOURNAL (naming `where`) for a line that is
 * not a record of this version: a record in the middle of a journal is never half-understood.
 */
export function decodeJournalRecord(line: string, where: string): JournalRecord {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw badJournal(`${where}: not JSON`);
  }
  if (!isObj(v)) throw badJournal(`${where}: not a JSON object`);
  if (v['j'] !== JOURNAL_VERSION) throw badJournal(`${where}: unknown journal version ${JSON.stringify(v['j'])} (this zerodrop reads version ${JOURNAL_VERSION})`);
  if (!Number.isInteger(v['seq']) || !isNum(v['wallMs']) || !isNum(v['tMs'])) throw badJournal(`${where}: seq, wallMs and tMs are required`);
  checkRecord(v, where);
  return v as unknown as JournalRecord;
}
