import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaSum } from '../../../src/metrics/delta-sum.js';
import type { OutcomeCode } from '../../../src/metrics/outcome.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { RecordingCutter, type RecordingDelta } from '../../../src/metrics/recording-cutter.js';

const settings = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 2000 };

/** One thing a source records at `atMs` (its clock), then maybe a live cut. */
interface Ev {
  atMs: number;
  /** How far back the request started (a late completion lands in an older interval). */
  backMs: number;
  outcome: number;
  latencyMs: number;
  status: number;
  errorCode: string | undefined;
  unsent: boolean;
  pod: string | undefined;
  cut: boolean;
}

const ev: fc.Arbitrary<Ev> = fc.record({
  atMs: fc.integer({ min: 0, max: 8000 }),
  backMs: fc.integer({ min: 0, max: 3000 }),
  outcome: fc.integer({ min: 0, max: 6 }),
  latencyMs: fc.oneof(fc.constant(-1), fc.double({ min: 0.001, max: 1999, noNaN: true })),
  status: fc.constantFrom(0, 200, 503, 1000),
  errorCode: fc.option(fc.constantFrom('ECONNREFUSED', 'UND_ERR_SOCKET'), { nil: undefined }),
  unsent: fc.boolean(),
  pod: fc.option(fc.constantFrom('web-a', 'web-b'), { nil: undefined }),
  cut: fc.boolean(),
});

function record(r: Recorder, e: Ev): void {
  const start = Math.max(0, e.atMs - e.backMs);
  if (e.unsent) return r.recordUnsent(start);
  r.record(start, e.outcome as OutcomeCode, e.latencyMs, e.status, e.errorCode);
  if (e.pod !== undefined) r.recordPod(e.pod, start, e.outcome as OutcomeCode);
}

/** Everything a source's deltas add up to, through JSON as they cross a thread or a file. */
function throughCuts(events: Ev[], sum: DeltaSum, whole: Recorder, source: string): Recorder {
  const own = new Recorder(settings);
  // A settle time shorter than the late completions: finish() must catch what the live cuts skipped.
  const cutter = new RecordingCutter(own, source, 1500);
  const add = (d: RecordingDelta): void => sum.add(JSON.parse(JSON.stringify(d)) as RecordingDelta);
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  for (const e of sorted) {
    record(own, e);
    record(whole, e);
    if (e.cut) add(cutter.cut(e.atMs));
  }
  add(cutter.finish());
  return own;
}

describe('RecordingCutter + DeltaSum', () => {
  it('the sum of every live cut and the final one equals the recording, from any number of sources', () => {
    fc.assert(
      fc.property(fc.array(fc.array(ev, { maxLength: 50 }), { minLength: 1, maxLength: 3 }), (sources) => {
        const whole = new Recorder(settings);
        const sum = new DeltaSum();
        sources.forEach((events, k) => throughCuts(events, sum, whole, `worker-${k}`));
        const got = sum.toRecorder(settings);
        const a = got.toJSON();
        const b = whole.toJSON();
        expect(a.counts).toEqual(b.counts);
        expect(a.statusCodes).toEqual(b.statusCodes);
        expect(a.errorCodes).toEqual(b.errorCodes);
        expect(got.pods()).toEqual(whole.pods());
        expect(got.p99Series()).toEqual(whole.p99Series());
        expect(got.summarize(0, Number.POSITIVE_INFINITY)).toEqual(whole.summarize(0, Number.POSITIVE_INFINITY));
      }),
      { numRuns: 60 },
    );
  });

  it('a live cut sends requests that ended in intervals still open, and the growth of rows sent before', () => {
    const r = new Recorder(settings);
    const c = new RecordingCutter(r, 'main', 5000);
    r.record(50, 0, 1, 200, undefined);
    expect(c.cut(120).rows).toEqual([{ fromRow: 0, counts: [1, 0, 0, 0, 0, 0, 0, 0] }]);
    r.record(60, 3, 2000, 0, 'ETIMEDOUT');
    r.recordUnsent(130);
    const d = c.cut(2100);
    expect(d.rows).toEqual([{ fromRow: 0, counts: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }]);
    expect(d.errorCodes).toEqual({ ETIMEDOUT: 1 });
    expect(d.statusCodes).toEqual({});
    // latency interval 0 closed at 1000 ms: sent once, then again only if it changes
    expect(d.histograms?.map((h) => h.index)).toEqual([0]);
    expect(c.cut(2200).histograms).toBeUndefined();
  });

  it('an interval still open has no histogram in a live cut', () => {
    const r = new Recorder(settings);
    const c = new RecordingCutter(r, 'main', 5000);
    r.record(1500, 0, 3, 200, undefined);
    expect(c.cut(1600).histograms).toBeUndefined();
    expect(c.finish().histograms?.map((h) => h.index)).toEqual([1]);
  });
});
