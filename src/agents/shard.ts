import { InvalidInputError } from '../errors.js';
import { splitLoad, type LoadOptions } from '../traffic/engine.js';
import type { EngineSpec } from '../traffic/load-engine.js';
import { statusTableOf } from '../traffic/status-table.js';

/** Most agents one run may start (a Job's pods; beyond this the log follows alone would be a load). */
export const MAX_AGENTS = 100;

/**
 * Agent `index`'s shard of the run's load, split exactly as worker threads split it: in the open
 * model agent i sends every count-th request of the run's one schedule starting at request i (the
 * union of the shards is the schedule, ramps included) with an even share of the in-flight cap;
 * in the closed model the connections are split as evenly as possible, the first
 * `connections % count` agents taking one more.
 */
export function agentShard(opts: LoadOptions, count: number, index: number): EngineSpec {
  checkShardable(opts, count);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new InvalidInputError([{ path: 'JOB_COMPLETION_INDEX', message: `must be an agent index from 0 to ${count - 1}, got ${index}` }]);
  }
  return splitLoad(opts, count, statusTableOf(opts.successStatus))[index]!;
}

/** What one agent's shard amounts to, for notes and reports: its nominal rate or its connections. */
export function shareOf(opts: Pick<LoadOptions, 'model' | 'rate' | 'connections'>, count: number, index: number): { rate?: number; connections?: number } {
  if (opts.model === 'open') return opts.rate === undefined ? {} : { rate: opts.rate / count };
  const c = opts.connections ?? 0;
  return { connections: Math.floor(c / count) + (index < c % count ? 1 : 0) };
}

/** Throws InvalidInputError when the load cannot be split over `count` agents. */
export function checkShardable(opts: Pick<LoadOptions, 'model' | 'connections'>, count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_AGENTS) {
    throw new InvalidInputError([{ path: 'load.agents.count', message: `must be an integer from 1 to ${MAX_AGENTS}, got ${count}` }]);
  }
  if (opts.model === 'closed' && (opts.connections ?? 0) < count) {
    throw new InvalidInputError([{ path: 'load.agents.count', message: `${count} agents cannot share ${opts.connections ?? 0} connections: every agent needs at least one` }]);
  }
}
