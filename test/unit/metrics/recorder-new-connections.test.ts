import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../src/metrics/recorder.js';

const roundTrip = (r: Recorder): Recorder => Recorder.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));

function recorder(tells: boolean, at: number[]): Recorder {
  const r = new Recorder({ intervalMs: 100 });
  r.tellsNewConnections = tells;
  for (const t of at) r.recordNewConnectionReset(t);
  return r;
}

describe('Recorder: resets on new connections', () => {
  it.each<[string, boolean, number[], Array<{ tMs: number; count: number }> | undefined]>([
    ['an engine that cannot tell: unknown, not zero', false, [], undefined],
    ['an engine that tells, none seen: zero', true, [], []],
    ['counts per interval, in time order', true, [350, 10, 20, 399], [{ tMs: 0, count: 2 }, { tMs: 300, count: 2 }]],
  ])('%s', (_name, tells, at, want) => {
    const r = recorder(tells, at);
    expect(r.newConnectionResets()).toEqual(want);
    expect(r.toRunData([], 0, 400).newConnectionResets).toEqual(want);
    expect(roundTrip(r).newConnectionResets()).toEqual(want);
  });

  it('merges exactly (as worker threads are merged) and stays known when any part knew', () => {
    const merged = new Recorder({ intervalMs: 100 }).merge(roundTrip(recorder(true, [10, 150]))).merge(roundTrip(recorder(true, [20])));
    expect(merged.newConnectionResets()).toEqual([{ tMs: 0, count: 2 }, { tMs: 100, count: 1 }]);
    expect(new Recorder({ intervalMs: 100 }).merge(recorder(false, [])).newConnectionResets()).toBeUndefined();
  });

  it('leaves the encoding unchanged when the engine cannot tell, and rejects malformed rows', () => {
    expect(new Recorder().toJSON()).not.toHaveProperty('newConnectionResets');
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), newConnectionResets: { x: 1 } })).toThrow(/newConnectionResets\.x/);
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), newConnectionResets: { '0': -1 } })).toThrow(/newConnectionResets/);
  });
});
