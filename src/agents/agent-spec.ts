import { InvalidInputError } from '../errors.js';
import type { LoadOptions } from '../traffic/engine.js';
import { DEFAULT_SUCCESS_RANGES, type StatusRanges } from '../traffic/status-table.js';

/** The environment variable that carries the agent spec (from the run's Secret). */
export const AGENT_SPEC_ENV = 'ZERODROP_AGENT_SPEC';
/** Set by the Job controller on every pod of an Indexed Job. */
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/**
 * LoadOptions in plain JSON: text instead of bytes, the success ranges always given. An agent is
 * one engine (no `workers`) and counts no pods (no `podHeader`).
 */
export type WireLoad = Omit<LoadOptions, 'body' | 'ca' | 'successStatus' | 'workers' | 'podHeader' | 'onDelta' | 'deltaEveryMs'> & {
  body?: string;
  ca?: string;
  /** Inclusive status ranges counted as success. */
  successStatus: StatusRanges;
};

/** Everything an agent needs, the same for every agent of a run (each takes its shard by index). */
export interface AgentSpec {
  format: 'zerodrop-agent-spec';
  version: 1;
  runId: string;
  /** Number of agents the load is split over. */
  count: number;
  load: WireLoad;
  /** The shared start, on the coordinator's wall clock (epoch ms). */
  startAtWallMs: number;
  /** The same instant on the coordinator's run clock (ms since its t0): agents record on that timeline. */
  startAtClockMs: number;
  t0EpochMs: number;
  /** How often an agent writes an interval record. */
  reportEveryMs: number;
}

const text = (b: string | Uint8Array): string => (typeof b === 'string' ? b : Buffer.from(b).toString('utf8'));

/** The wire form of a run's load options (plain data: the success ranges travel as they are). */
export function wireLoadOf(opts: LoadOptions): WireLoad {
  const successStatus = opts.successStatus ?? DEFAULT_SUCCESS_RANGES;
  const { body, ca, successStatus: _ranges, workers: _workers, podHeader: _podHeader, onDelta: _onDelta, deltaEveryMs: _every, ...plain } = opts;
  const w: WireLoad = { ...plain, headers: { ...opts.headers }, successStatus: successStatus.map(([a, b]) => [a, b]) };
  if (opts.ramp !== undefined) w.ramp = { ...opts.ramp };
  if (body !== undefined) w.body = text(body);
  if (ca !== undefined) w.ca = text(ca);
  // Fields left undefined in `opts` are dropped, as JSON would drop them.
  for (const k of Object.keys(w) as Array<keyof WireLoad>) if (w[k] === undefined) delete w[k];
  return w;
}

/** Load options back from their wire form (one engine in the agent: workers 1). */
export function loadOptionsOfWire(w: WireLoad): LoadOptions {
  return { ...w, workers: 1 };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and checks the agent spec text (JSON); every problem in one InvalidInputError. */
export function parseAgentSpec(raw: string | undefined): AgentSpec {
  if (raw === undefined || raw.trim() === '') {
    throw new InvalidInputError([{ path: AGENT_SPEC_ENV, message: 'is not set: `zerodrop agent` runs inside a pod that `zerodrop run --agents N` created' }]);
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err) {
    throw new InvalidInputError([{ path: AGENT_SPEC_ENV, message: `is not JSON: ${(err as Error).message}` }]);
  }
  const problems: Array<{ path: string; message: string }> = [];
  const p = (path: string, message: string): void => void problems.push({ path: `${AGENT_SPEC_ENV}.${path}`, message });
  if (!isObj(v) || v['format'] !== 'zerodrop-agent-spec' || v['version'] !== 1) {
    throw new InvalidInputError([{ path: AGENT_SPEC_ENV, message: 'is not a zerodrop agent spec of version 1 (coordinator and agent image versions differ?)' }]);
  }
  for (const k of ['count', 'startAtWallMs', 'startAtClockMs', 't0EpochMs', 'reportEveryMs'] as const) {
    if (typeof v[k] !== 'number' || !Number.isFinite(v[k])) p(k, 'must be a number');
  }
  if (typeof v['runId'] !== 'string') p('runId', 'must be a text');
  const load = v['load'];
  if (!isObj(load)) p('load', 'must be an object');
  else {
    if (typeof load['url'] !== 'string') p('load.url', 'must be a text');
    if (load['model'] !== 'open' && load['model'] !== 'closed') p('load.model', 'must be open or closed');
    if (!Array.isArray(load['successStatus'])) p('load.successStatus', 'must be a list of [low, high] ranges');
    if (typeof load['durationMs'] !== 'number' || typeof load['timeoutMs'] !== 'number') p('load', 'durationMs and timeoutMs must be numbers');
  }
  if (problems.length > 0) throw new InvalidInputError(problems);
  return v as unknown as AgentSpec;
}
