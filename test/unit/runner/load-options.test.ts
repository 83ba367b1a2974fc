import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadMetaOf, loadOptionsOf } from '../../../src/runner/load-options.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';
import { planWorkers } from '../../../src/traffic/worker-plan.js';

const ctx = { readText: (): string => '', resolvePath: (p: string): string => p };
const metaOf = (flags: ScenarioFlags): ReturnType<typeof loadMetaOf> => {
  const s = resolveScenario(undefined, flags, ctx);
  return loadMetaOf(s, loadOptionsOf(s, s.target.url ?? '', s.load.durationMs ?? 1000));
};

describe('loadMetaOf: the worker plan in report.meta.load', () => {
  it.each<[ScenarioFlags, number | 'auto']>([
    [{ url: 'http://a/', rate: 100 }, 'auto'],
    [{ url: 'http://a/', rate: 100_000 }, 'auto'],
    [{ url: 'http://a/', connections: 64 }, 'auto'],
    [{ url: 'http://a/', rate: 100, workers: '3' }, 3],
  ])('%j', (flags, asked) => {
    const w = metaOf(flags).workers!;
    expect(w.asked).toBe(asked);
    // The same rule the engine runs by, on this machine's cores.
    const rate = flags.rate === undefined ? undefined : Number(flags.rate);
    const plan = planWorkers({ workers: asked, model: rate === undefined ? 'closed' : 'open', rate, connections: flags.connections === undefined ? undefined : Number(flags.connections) }, availableParallelism());
    expect(w).toEqual(plan);
  });
});
