import { describe, expect, it } from 'vitest';
import { phasesOf } from '../../../src/runner/phase-plan.js';

describe('phasesOf', () => {
  it.each([
    ['no trigger, no warmup', { startMs: 0, warmupEndMs: 0, endMs: 10_000 }, false, [['measure', 0, 10_000]]],
    ['no trigger, warmup', { startMs: 0, warmupEndMs: 2000, endMs: 12_000 }, false, [['warmup', 0, 2000], ['measure', 2000, 12_000]]],
    [
      'trigger',
      { startMs: 0, warmupEndMs: 1000, triggerStartMs: 6000, triggerEndMs: 9000, endMs: 14_000 },
      true,
      [['warmup', 0, 1000], ['baseline', 1000, 6000], ['rollout', 6000, 9000], ['cooldown', 9000, 14_000]],
    ],
    ['aborted during the trigger', { startMs: 0, warmupEndMs: 0, triggerStartMs: 5000, endMs: 7000 }, true, [['baseline', 0, 5000], ['rollout', 5000, 7000]]],
    ['aborted during baseline', { startMs: 0, warmupEndMs: 0, endMs: 3000 }, true, [['baseline', 0, 3000]]],
    ['aborted during warmup', { startMs: 0, warmupEndMs: 5000, endMs: 3000 }, false, [['warmup', 0, 3000]]],
    ['traffic started late', { startMs: 300, warmupEndMs: 300, endMs: 3300 }, false, [['measure', 300, 3300]]],
  ] as const)('%s', (_name, marks, hasTrigger, expected) => {
    expect(phasesOf(marks, hasTrigger).map((p) => [p.name, p.startMs, p.endMs])).toEqual(expected);
  });
});
