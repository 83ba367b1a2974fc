import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidInputError, ProblemList } from '../errors.js';
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { Report } from './model.js';
import { REPORT_SCHEMA_VERSION } from './model.js';

/** Where to read from: a path (relative to `baseDir`, default the working directory) or the JSON text itself. */
export interface ReadReportOptions {
  baseDir?: string;
}

const MAX_PROBLEMS = 20;
const HINT_PATH = 'pass the report.json a zerodrop run wrote, e.g. reports/<run>/report.json';

/**
 * Reads and validates a report.json. `source` is JSON text when it starts with `{`, else a file
 * path. Throws InvalidInputError (exit 3) with a hint when the file is missing, is not JSON, is
 * not a zerodrop report, or was written by a newer zerodrop.
 */
export function readReport(source: string, opts: ReadReportOptions = {}): Report {
  const isText = source.trimStart().startsWith('{');
  const label = isText ? 'report' : source;
  let text = source;
  if (!isText) {
    const path = opts.baseDir === undefined ? source : resolve(opts.baseDir, source);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a report.json' : `cannot be read (${code ?? String(err)})`;
      throw new InvalidInputError([{ path: source, message: why }], HINT_PATH);
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError([{ path: label, message: `not JSON: ${(err as Error).message}` }], HINT_PATH);
  }
  if (!isObject(data) || !('schemaVersion' in data)) {
    throw new InvalidInputError([{ path: label, message: 'not a zerodrop report (no schemaVersion field)' }], HINT_PATH);
  }
  const version = data['schemaVersion'];
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new InvalidInputError([{ path: `${label}: schemaVersion`, message: `must be a positive integer, got ${JSON.stringify(version)}` }], HINT_PATH);
  }
  if (version > REPORT_SCHEMA_VERSION) {
    throw new InvalidInputError(
      [{ path: `${label}: schemaVersion`, message: `${version} is newer than this zerodrop reads (${REPORT_SCHEMA_VERSION})` }],
      'upgrade zerodrop to read reports written by newer versions',
    );
  }
  const problems = new ProblemList();
  validateShape(data, problems);
  if (problems.problems.length > 0) {
    // A wholly foreign file would list thousands; the first few tell the story.
    const shown = problems.problems.slice(0, MAX_PROBLEMS);
    const more = problems.problems.length - shown.length;
    if (more > 0) shown.push({ path: '', message: `and ${more} more problem${more === 1 ? '' : 's'}` });
    throw new InvalidInputError(shown, `${label} does not have the shape of a zerodrop report; ${HINT_PATH}`);
  }
  return data as unknown as Report;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Small structural checks: enough that every renderer can trust what it reads. */
function validateShape(r: Obj, p: ProblemList): void {
  const at = (path: string, v: unknown, want: 'number' | 'string' | 'boolean'): void => {
    if (typeof v !== want || (want === 'number' && !Number.isFinite(v))) p.add(path, `must be a ${want}, got ${describe(v)}`);
  };
  const obj = (path: string, v: unknown): Obj | null => {
    if (isObject(v)) return v;
    p.add(path, `must be an object, got ${describe(v)}`);
    return null;
  };
  const arr = (path: string, v: unknown): unknown[] => {
    if (Array.isArray(v)) return v;
    p.add(path, `must be an array, got ${describe(v)}`);
    return [];
  };
  const fields = (path: string, v: unknown, spec: Record<string, 'number' | 'string' | 'boolean'>): Obj | null => {
    const o = obj(path, v);
    if (o !== null) for (const [k, want] of Object.entries(spec)) at(`${path}.${k}`, o[k], want);
    return o;
  };
  const counts = { sent: 'number', succeeded: 'number', failed: 'number' } as const;
  const latency = { count: 'number', p50Ms: 'number', p90Ms: 'number', p99Ms: 'number', p999Ms: 'number', maxMs: 'number' } as const;
  const numberRecord = (path: string, v: unknown): void => {
    const o = obj(path, v);
    if (o !== null) for (const [k, n] of Object.entries(o)) at(`${path}.${k}`, n, 'number');
  };

  if (!['pass', 'fail', 'inconclusive'].includes(r['verdict'] as string)) p.add('verdict', `must be "pass", "fail" or "inconclusive", got ${describe(r['verdict'])}`);
  arr('reasons', r['reasons']).forEach((x, i) => at(`reasons[${i}]`, x, 'string'));
  at('aborted', r['aborted'], 'boolean');
  fields('totals', r['totals'], { ...counts, unsent: 'number' });
  fields('window', r['window'], { ...counts, startMs: 'number', endMs: 'number' });
  const failures = obj('failures', r['failures']);
  if (failures !== null) for (const c of FAILURE_CLASSES) at(`failures.${c}`, failures[c], 'number');
  numberRecord('statusCodes', r['statusCodes']);
  numberRecord('errorCodes', r['errorCodes']);
  fields('budget', r['budget'], { maxFailureRate: 'number', observedFailureRate: 'number', upperBound: 'number', confidence: 'number', requiredRequests: 'number' });
  arr('phases', r['phases']).forEach((x, i) => {
    const ph = fields(`phases[${i}]`, x, { name: 'string', startMs: 'number', endMs: 'number', ...counts, unsent: 'number' });
    if (ph !== null) fields(`phases[${i}].latency`, ph['latency'], latency);
  });
  const lat = obj('latency', r['latency']);
  if (lat !== null) {
    fields('latency.overall', lat['overall'], latency);
    if (lat['rolloutVsBaseline'] !== null) fields('latency.rolloutVsBaseline', lat['rolloutVsBaseline'], { baselineP99Ms: 'number', rolloutP99Ms: 'number', ratio: 'number' });
  }
  arr('outages', r['outages']).forEach((x, i) => {
    const o = fields(`outages[${i}]`, x, { startMs: 'number', endMs: 'number', durationMs: 'number', failed: 'number', sent: 'number' });
    if (o !== null) {
      numberRecord(`outages[${i}].failures`, o['failures']);
      if (o['nearbyEvents'] !== undefined) arr(`outages[${i}].nearbyEvents`, o['nearbyEvents']).forEach((e, j) => fields(`outages[${i}].nearbyEvents[${j}]`, e, { tMs: 'number', type: 'string', object: 'string' }));
    }
  });
  const tl = fields('timeline', r['timeline'], { intervalMs: 'number' });
  if (tl !== null) {
    arr('timeline.points', tl['points']).forEach((x, i) => {
      const pt = fields(`timeline.points[${i}]`, x, { tMs: 'number', ...counts, unsent: 'number' });
      if (pt !== null) numberRecord(`timeline.points[${i}].failures`, pt['failures']);
    });
    arr('timeline.p99', tl['p99']).forEach((x, i) => fields(`timeline.p99[${i}]`, x, { tMs: 'number', p99Ms: 'number' }));
  }
  arr('events', r['events']).forEach((x, i) => fields(`events[${i}]`, x, { tMs: 'number', type: 'string', object: 'string' }));
  if (r['trigger'] !== null) {
    const t = fields('trigger', r['trigger'], { command: 'string', startMs: 'number', endMs: 'number', output: 'string', outputTruncated: 'boolean' });
    if (t !== null) {
      if (t['exitCode'] !== null) at('trigger.exitCode', t['exitCode'], 'number');
      if (t['signal'] !== null) at('trigger.signal', t['signal'], 'string');
    }
  }
  arr('checks', r['checks']).forEach((x, i) => {
    const c = fields(`checks[${i}]`, x, { id: 'string', name: 'string', message: 'string' });
    if (c !== null && !['pass', 'fail', 'inconclusive', 'skipped', 'warn'].includes(c['status'] as string)) p.add(`checks[${i}].status`, `unknown status ${describe(c['status'])}`);
  });
  arr('diagnosis', r['diagnosis']).forEach((x, i) => fields(`diagnosis[${i}]`, x, { id: 'string', cause: 'string', evidence: 'string', fix: 'string' }));
  fields('generator', r['generator'], { unsent: 'number', workers: 'number', saturated: 'boolean' });
  const meta = fields('meta', r['meta'], { runId: 'string', name: 'string', startedAt: 'string', endedAt: 'string', scenarioDigest: 'string' });
  if (meta !== null) {
    const tool = obj('meta.tool', meta['tool']);
    if (tool !== null && tool['name'] !== 'zerodrop') p.add('meta.tool.name', `must be "zerodrop", got ${describe(tool['name'])}`);
    fields('meta.target', meta['target'], { url: 'string', method: 'string' });
    fields('meta.load', meta['load'], { model: 'string', durationMs: 'number', warmupMs: 'number', timeoutMs: 'number', keepAlive: 'boolean' });
    arr('meta.commandLine', meta['commandLine']);
  }
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : String(v);
}
