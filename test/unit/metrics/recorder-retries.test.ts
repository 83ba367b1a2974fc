import { describe, expect, it } from 'vitest';
import { DeltaSum } from '../../../src/metrics/delta-sum.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { RecordingCutter, type RecordingDelta } from '../../../src/metrics/recording-cutter.js';
import { MAX_GOAWAYS, addRetried, retriedDelta } from '../../../src/metrics/retries.js';

const roundTrip = (r: Recorder): Recorder => Recorder.fromJSON(JSON.parse(JSON.stringify(r.toJSON())));

function recorder(retries: Array<[string, number]>, goaways: number[] = []): Recorder {
  const r = new Recorder({ intervalMs: 100 });
  for (const [reason, at] of retries) r.recordRetry(reason, at);
  for (const t of goaways) r.recordGoaway({ tMs: t, lastStreamId: 7, errorCode: 'NO_ERROR', pod: 'web-a', refused: 2 });
  return r;
}

describe('Recorder: retries of requests the server never processed', () => {
  it.each<[string, Array<[string, number]>, { total: number; byReason: Record<string, number> }, Array<{ tMs: number; byReason: Record<string, number> }>]>([
    ['none', [], { total: 0, byReason: {} }, []],
    ['one reason', [['goaway', 10], ['goaway', 20]], { total: 2, byReason: { goaway: 2 } }, [{ tMs: 0, byReason: { goaway: 2 } }]],
    [
      'reasons per interval, in time order',
      [['refused_stream', 350], ['goaway', 10], ['goaway', 399]],
      { total: 3, byReason: { goaway: 2, refused_stream: 1 } },
      [{ tMs: 0, byReason: { goaway: 1 } }, { tMs: 300, byReason: { goaway: 1, refused_stream: 1 } }],
    ],
  ])('%s', (_name, retries, totals, intervals) => {
    const r = recorder(retries);
    expect(r.retried()).toEqual(totals);
    expect(r.retriedIntervals()).toEqual(intervals);
    expect(roundTrip(r).retried()).toEqual(totals);
    const run = r.toRunData([], 0, 400);
    if (totals.total === 0) expect(run).not.toHaveProperty('retried');
    else expect(run.retried).toEqual({ ...totals, intervals });
  });

  it('retries are no outcome: the totals of the requests do not change', () => {
    const r = recorder([['goaway', 10]]);
    expect(r.totals().sent).toBe(0);
  });

  it('merges exactly (workers, agents) and keeps the GOAWAYs in time order', () => {
    const merged = new Recorder({ intervalMs: 100 }).merge(roundTrip(recorder([['goaway', 10]], [500]))).merge(roundTrip(recorder([['goaway', 20], ['refused_stream', 150]], [200])));
    expect(merged.retried()).toEqual({ total: 3, byReason: { goaway: 2, refused_stream: 1 } });
    expect(merged.goaways().map((g) => g.tMs)).toEqual([200, 500]);
    expect(merged.toRunData([], 0, 600).goaways?.[0]).toEqual({ tMs: 200, lastStreamId: 7, errorCode: 'NO_ERROR', pod: 'web-a', refused: 2 });
  });

  it('keeps at most MAX_GOAWAYS', () => {
    const r = new Recorder();
    for (let i = 0; i < MAX_GOAWAYS + 5; i++) r.recordGoaway({ tMs: i, lastStreamId: 1, errorCode: 'NO_ERROR' });
    expect(r.goaways()).toHaveLength(MAX_GOAWAYS);
  });

  it('leaves the encoding unchanged without retries, and rejects malformed ones', () => {
    expect(new Recorder().toJSON()).not.toHaveProperty('retried');
    expect(new Recorder().toJSON()).not.toHaveProperty('goaways');
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), retried: { goaway: { x: 1 } } })).toThrow(/retried\.goaway\.x/);
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), retried: [] })).toThrow(/retried/);
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), goaways: [{ tMs: 1 }] })).toThrow(/GOAWAY/);
    expect(() => Recorder.fromJSON({ ...new Recorder().toJSON(), goaways: {} })).toThrow(/goaways/);
  });

  it('live deltas add up to the recording exactly (journal, workers)', () => {
    const r = new Recorder({ intervalMs: 100 });
    const cutter = new RecordingCutter(r, 'main', 3000);
    const deltas: RecordingDelta[] = [];
    r.recordRetry('goaway', 10);
    r.recordGoaway({ tMs: 12, lastStreamId: 3, errorCode: 'NO_ERROR' });
    deltas.push(cutter.cut(100));
    deltas.push(cutter.cut(150));
    r.recordRetry('goaway', 20);
    r.recordRetry('refused_stream', 5000);
    r.recordGoaway({ tMs: 5001, lastStreamId: 9, errorCode: 'ENHANCE_YOUR_CALM' });
    deltas.push(cutter.cut(6000));
    deltas.push(cutter.finish());
    expect(deltas[1]).not.toHaveProperty('retried');
    expect(deltas[1]).not.toHaveProperty('goaways');
    const sum = new DeltaSum();
    for (const d of deltas) sum.add(d);
    const back = sum.toRecorder({ intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 120_000 });
    expect(back.retried()).toEqual(r.retried());
    expect(back.retriedIntervals()).toEqual(r.retriedIntervals());
    expect(back.goaways()).toEqual(r.goaways());
  });

  it.each<[string, Record<string, Record<string, number>>, Record<string, Record<string, number>>, Record<string, Record<string, number>> | undefined]>([
    ['nothing new', { goaway: { '0': 2 } }, { goaway: { '0': 2 } }, undefined],
    ['growth of a row and a new reason', { goaway: { '0': 3 }, refused_stream: { '4': 1 } }, { goaway: { '0': 2 } }, { goaway: { '0': 1 }, refused_stream: { '4': 1 } }],
  ])('retriedDelta: %s', (_name, now, before, want) => {
    expect(retriedDelta(now, before)).toEqual(want);
    if (want !== undefined) {
      const back = structuredClone(before);
      addRetried(back, want);
      expect(back).toEqual(now);
    }
  });
});
