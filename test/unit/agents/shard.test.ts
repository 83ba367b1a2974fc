import { describe, expect, it } from 'vitest';
import { agentShard, checkShardable, shareOf } from '../../../src/agents/shard.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { pacerOf } from '../../../src/traffic/load-engine.js';

const base: LoadOptions = { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, model: 'open', rate: 100, durationMs: 10_000, timeoutMs: 1000, keepAlive: true };

/** Due times (ms) of every request a shard sends before `untilMs`. */
function schedule(opts: LoadOptions, count: number, index: number, untilMs: number): number[] {
  const spec = agentShard(opts, count, index);
  const pacer = pacerOf(spec);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const t = pacer.dueAt(i);
    if (t >= untilMs) return out;
    out.push(t);
  }
}

describe('agentShard: open model', () => {
  it.each([
    [100, 1],
    [100, 3],
    [7, 3],
    [1000, 7],
    [2, 5],
  ])('rate %d over %d agents: the shards partition the run\'s schedule', (rate, count) => {
    const opts = { ...base, rate };
    const whole = schedule(opts, 1, 0, 5000);
    const union = Array.from({ length: count }, (_, i) => schedule(opts, count, i, 5000))
      .flat()
      .sort((a, b) => a - b);
    expect(union).toEqual(whole);
  });

  it('a ramp is split the same way (the union is the ramped schedule)', () => {
    const opts: LoadOptions = { ...base, rate: 200, ramp: { fromRate: 10, durationMs: 3000 } };
    const whole = schedule(opts, 1, 0, 6000);
    const union = [0, 1, 2].flatMap((i) => schedule(opts, 3, i, 6000)).sort((a, b) => a - b);
    expect(union).toEqual(whole);
  });

  it('every agent gets an even share of the in-flight cap', () => {
    const specs = [0, 1, 2].map((i) => agentShard({ ...base, maxInFlight: 10 }, 3, i));
    expect(specs.map((s) => s.maxInFlight)).toEqual([4, 4, 4]);
    expect(shareOf(base, 3, 1)).toEqual({ rate: 100 / 3 });
  });
});

describe('agentShard: closed model', () => {
  it.each([
    [3, 3, [1, 1, 1]],
    [10, 3, [4, 3, 3]],
    [11, 3, [4, 4, 3]],
    [12, 3, [4, 4, 4]],
    [5, 1, [5]],
  ])('%d connections over %d agents: %j (the first agents take the remainder)', (connections, count, want) => {
    const opts: LoadOptions = { ...base, model: 'closed', connections };
    const got = Array.from({ length: count }, (_, i) => agentShard(opts, count, i).connections);
    expect(got).toEqual(want);
    expect(got.reduce((a, b) => a + b, 0)).toBe(connections);
    expect(Array.from({ length: count }, (_, i) => shareOf(opts, count, i).connections)).toEqual(want);
  });
});

describe('checkShardable', () => {
  it.each([
    [{ model: 'closed' as const, connections: 2 }, 3, /cannot share 2 connections/],
    [{ model: 'open' as const }, 0, /from 1 to 100/],
    [{ model: 'open' as const }, 101, /from 1 to 100/],
    [{ model: 'open' as const }, 2.5, /from 1 to 100/],
  ])('%j over %d agents is refused', (opts, count, message) => {
    expect(() => checkShardable(opts, count)).toThrow(message);
  });

  it('refuses an index outside the agents', () => {
    expect(() => agentShard(base, 3, 3)).toThrow(/from 0 to 2/);
  });
});
