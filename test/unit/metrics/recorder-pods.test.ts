import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../src/metrics/recorder.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';

describe('Recorder: counts per pod', () => {
  const fill = (r: Recorder, pod: string, at: number[], outcome: (typeof OUTCOME)[keyof typeof OUTCOME]) => {
    for (const t of at) r.recordPod(pod, t, outcome);
  };

  it('counts outcomes per pod and interval', () => {
    const r = new Recorder({ intervalMs: 100 });
    fill(r, 'web-b', [5, 50, 150], OUTCOME.success);
    fill(r, 'web-a', [120], OUTCOME.reset);
    expect(r.pods()).toEqual([
      { pod: 'web-a', intervals: [{ tMs: 100, outcomes: [0, 0, 0, 0, 0, 1, 0] }] },
      { pod: 'web-b', intervals: [{ tMs: 0, outcomes: [2, 0, 0, 0, 0, 0, 0] }, { tMs: 100, outcomes: [1, 0, 0, 0, 0, 0, 0] }] },
    ]);
    expect(r.toRunData([], 0, 200).pods).toEqual(r.pods());
  });

  it('merges exactly and survives encode/decode', () => {
    const a = new Recorder({ intervalMs: 100 });
    const b = new Recorder({ intervalMs: 100 });
    const all = new Recorder({ intervalMs: 100 });
    fill(a, 'p1', [10, 20], OUTCOME.success);
    fill(b, 'p1', [30, 310], OUTCOME.http_5xx);
    fill(b, 'p2', [200], OUTCOME.success);
    fill(all, 'p1', [10, 20], OUTCOME.success);
    fill(all, 'p1', [30, 310], OUTCOME.http_5xx);
    fill(all, 'p2', [200], OUTCOME.success);
    const merged = Recorder.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(Recorder.fromJSON(JSON.parse(JSON.stringify(b.toJSON()))));
    expect(merged.pods()).toEqual(all.pods());
  });

  it('leaves the encoding unchanged without a pod header, and rejects malformed pod rows', () => {
    expect(new Recorder().toJSON()).not.toHaveProperty('pods');
    const enc = { ...new Recorder().toJSON(), pods: { p: { '0': [1, 2] } } };
    expect(() => Recorder.fromJSON(enc)).toThrow(/pods\.p\.0/);
  });
});
