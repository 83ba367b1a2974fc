import { describe, expect, it } from 'vitest';
import { OPEN_RATE_PER_WORKER, OPEN_WORKER_CORE_BUDGET, planWorkers } from '../../../src/traffic/worker-plan.js';
import type { WorkerPlanInput } from '../../../src/traffic/worker-plan.js';

describe('planWorkers', () => {
  it.each<[string, WorkerPlanInput, number, number, string]>([
    // the load, the machine's cores -> workers, and the reason given
    ['default: in-thread', { model: 'open', rate: 50_000 }, 8, 1, 'as asked'],
    ['a number is taken as asked', { workers: 3, model: 'open', rate: 100 }, 2, 3, 'as asked'],
    ['100/s: one worker', { workers: 'auto', model: 'open', rate: 100 }, 8, 1, 'auto: peak 100/s at up to 25,000/s a worker'],
    ['5,000/s: one worker', { workers: 'auto', model: 'open', rate: 5000 }, 8, 1, 'auto: peak 5,000/s at up to 25,000/s a worker'],
    ['at the budget: still one', { workers: 'auto', model: 'open', rate: 25_000 }, 8, 1, 'auto: peak 25,000/s at up to 25,000/s a worker'],
    ['just above the budget: two', { workers: 'auto', model: 'open', rate: 25_001 }, 8, 2, 'auto: peak 25,001/s at up to 25,000/s a worker'],
    ['100,000/s: four', { workers: 'auto', model: 'open', rate: 100_000 }, 8, 4, 'auto: peak 100,000/s at up to 25,000/s a worker'],
    ['more than the cores can carry: one per core', { workers: 'auto', model: 'open', rate: 100_000 }, 2, 2, 'auto: peak 100,000/s at up to 25,000/s a worker, capped at one per core of 2 cores'],
    ['a ramp is sized by its peak (down)', { workers: 'auto', model: 'open', rate: 1000, ramp: { fromRate: 60_000, durationMs: 10_000 } }, 8, 3, 'auto: peak 60,000/s at up to 25,000/s a worker'],
    ['a ramp is sized by its peak (up)', { workers: 'auto', model: 'open', rate: 60_000, ramp: { fromRate: 0, durationMs: 10_000 } }, 8, 3, 'auto: peak 60,000/s at up to 25,000/s a worker'],
    ['closed: one per core', { workers: 'auto', model: 'closed', connections: 64 }, 4, 4, 'auto: one per core of 4 cores'],
    ['closed: at most one per connection', { workers: 'auto', model: 'closed', connections: 2 }, 4, 2, 'auto: one per core of 4 cores, at most one per connection'],
    ['closed, asked for more workers than connections', { workers: 8, model: 'closed', connections: 3 }, 4, 3, 'as asked, at most one per connection'],
    ['no core reported: one', { workers: 'auto', model: 'open', rate: 90_000 }, 0, 1, 'auto: peak 90,000/s at up to 25,000/s a worker, capped at one per core of 1 core'],
  ])('%s', (_name, opts, cores, count, why) => {
    const plan = planWorkers(opts, cores);
    expect(plan).toEqual({ count, asked: opts.workers ?? 1, why });
  });

  it('a worker is planned at half a core of the measured per-request cost (~20 us)', () => {
    expect(OPEN_RATE_PER_WORKER).toBe(Math.round(OPEN_WORKER_CORE_BUDGET / 20e-6));
  });
});
