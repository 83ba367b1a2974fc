import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ZerodropError } from '../../../src/errors.js';
import { LagRecorder } from '../../../src/metrics/lag-recorder.js';
import { NO_LATENCY, Recorder, decodeRecorder, mergeRecorders } from '../../../src/metrics/recorder.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import type { OutcomeCode } from '../../../src/metrics/outcome.js';

interface Rec {
  startMs: number;
  outcome: OutcomeCode;
  latencyMs: number;
  status: number;
  errorCode: string | undefined;
  unsent: boolean;
}

const recArb: fc.Arbitrary<Rec> = fc.record({
  startMs: fc.double({ min: 0, max: 20_000, noNaN: true }),
  outcome: fc.integer({ min: 0, max: 6 }) as fc.Arbitrary<OutcomeCode>,
  latencyMs: fc.oneof(fc.constant(NO_LATENCY), fc.double({ min: 0, max: 200_000, noNaN: true })),
  status: fc.constantFrom(0, 200, 204, 301, 404, 503, 999),
  errorCode: fc.constantFrom(undefined, 'ECONNRESET', 'ECONNREFUSED', 'UND_ERR_SOCKET'),
  unsent: fc.boolean(),
});

const OPTS = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 2000 };

function recordAll(r: Recorder, recs: readonly Rec[]): Recorder {
  for (const x of recs) {
    if (x.unsent) r.recordUnsent(x.startMs);
    else r.record(x.startMs, x.outcome, x.latencyMs, x.status, x.errorCode);
  }
  return r;
}

function fresh(recs: readonly Rec[]): Recorder {
  return recordAll(new Recorder(OPTS), recs);
}

describe('Recorder', () => {
  it('counts a request in the interval of its start and keeps sent = succeeded + failed', () => {
    const r = new Recorder({ intervalMs: 100 });
    r.record(5, OUTCOME.success, 3, 200, undefined);
    r.record(99.9, OUTCOME.http_5xx, 3, 503, undefined);
    r.record(100, OUTCOME.timeout, 1000, 0, 'TIMEOUT');
    r.record(250, OUTCOME.reset, NO_LATENCY, 0, 'ECONNRESET');
    r.recordUnsent(260, 2);
    const iv = r.intervals();
    expect(iv.map((i) => [i.tMs, i.sent, i.succeeded, i.failed, i.unsent])).toEqual([
      [0, 2, 1, 1, 0],
      [100, 1, 0, 1, 0],
      [200, 1, 0, 1, 2],
    ]);
    expect(iv[0]!.failures.http_5xx).toBe(1);
    expect(r.totals()).toMatchObject({ sent: 4, succeeded: 1, failed: 3, unsent: 2, failures: { http_5xx: 1, timeout: 1, reset: 1 } });
    expect(r.statusCodes()).toEqual({ '200': 1, '503': 1 });
    expect(r.errorCodes()).toEqual({ ECONNRESET: 1, TIMEOUT: 1 });
  });

  it('grows past its initial capacity and pads intervals up to the run duration', () => {
    const r = new Recorder({ intervalMs: 10 });
    r.record(50_000, OUTCOME.success, 1, 200, undefined);
    expect(r.intervalCount).toBe(5001);
    expect(r.totals().sent).toBe(1);
    const rd = r.toRunData([], 1_700_000_000_000, 60_000);
    expect(rd.intervals).toHaveLength(6000);
    expect(rd.intervals[5000]!.sent).toBe(1);
  });

  it('summarizes latency by start time with 3 significant digits', () => {
    const r = new Recorder();
    for (let i = 1; i <= 1000; i++) r.record(10, OUTCOME.success, i, 200, undefined); // second 0: 1..1000 ms
    for (let i = 0; i < 100; i++) r.record(1500, OUTCOME.success, 5, 200, undefined); // second 1: 5 ms
    const s0 = r.summarize(0, 1000);
    expect(s0.count).toBe(1000);
    expect(s0.p50Ms).toBeCloseTo(500, -0.5);
    expect(s0.p99Ms).toBeGreaterThanOrEqual(989);
    expect(s0.p99Ms).toBeLessThanOrEqual(991);
    expect(s0.minMs).toBeCloseTo(1, 2);
    expect(s0.maxMs).toBeGreaterThanOrEqual(1000);
    expect(s0.maxMs).toBeLessThanOrEqual(1001);
    expect(r.summarize(1000, 2000).count).toBe(100);
    expect(r.summarize(0, 2000).count).toBe(1100);
    expect(r.summarize(5000, 9000)).toMatchObject({ count: 0, p99Ms: 0 });
    expect(r.p99Series().map((p) => [p.tMs, p.count])).toEqual([
      [0, 1000],
      [1000, 100],
    ]);
    expect(r.p99At(1200)).toBeCloseTo(5, 1);
    expect(r.p99At(7000)).toBeNull();
  });

  it('clamps latencies to its range and keeps NO_LATENCY out of the histograms', () => {
    const r = new Recorder({ maxLatencyMs: 1000 });
    r.record(0, OUTCOME.timeout, 5000, 0, undefined);
    r.record(0, OUTCOME.success, 0, 200, undefined);
    r.record(0, OUTCOME.refused, NO_LATENCY, 0, 'ECONNREFUSED');
    const s = r.summarize(0, 1000);
    expect(s.count).toBe(2);
    expect(s.maxMs).toBeLessThanOrEqual(1001);
    expect(s.minMs).toBeCloseTo(0.001, 3);
  });

  it('seals old latency intervals without changing what it answers', () => {
    const a = new Recorder({ maxLatencyMs: 1000 });
    for (let t = 0; t < 30_000; t += 7) a.record(t, OUTCOME.success, (t % 97) + 0.5, 200, undefined);
    a.record(100, OUTCOME.success, 42, 200, undefined); // late record into a sealed interval
    const series = a.p99Series();
    expect(series).toHaveLength(30);
    expect(a.summarize(0, 30_000).count).toBe(Math.ceil(30_000 / 7) + 1);
  });

  it('packs sealed intervals a slice at a time into exactly what packing at once gives', () => {
    // One recorder is never stepped (it packs at once when too many wait), one is stepped one
    // bucket at a time between records, one in large slices; late records and a merge land in
    // intervals while they are being packed.
    const never = new Recorder({ maxLatencyMs: 1000 });
    const fine = new Recorder({ maxLatencyMs: 1000 });
    const coarse = new Recorder({ maxLatencyMs: 1000 });
    const extra = new Recorder({ maxLatencyMs: 1000 });
    for (let t = 0; t < 4000; t += 3) extra.record(t, OUTCOME.success, (t % 53) + 1, 200, undefined);
    let k = 0;
    for (let t = 0; t < 20_000; t += 3) {
      const latency = ((t * 7919) % 900) + 0.25;
      for (const r of [never, fine, coarse]) r.record(t, OUTCOME.success, latency, 200, undefined);
      fine.sealStep(1);
      if (++k % 50 === 0) coarse.sealStep(500);
      if (t % 2999 === 0) {
        // Late: into an interval sealed long ago, possibly the one being packed right now.
        const late = Math.max(0, t - 6000);
        for (const r of [never, fine, coarse]) r.record(late, OUTCOME.success, 3.5, 200, undefined);
      }
      if (t === 15_000) for (const r of [never, fine, coarse]) r.merge(extra);
    }
    while (!fine.sealStep(1));
    expect(coarse.sealStep(Number.POSITIVE_INFINITY)).toBe(true);
    expect(JSON.stringify(fine.toJSON())).toBe(JSON.stringify(never.toJSON()));
    expect(JSON.stringify(coarse.toJSON())).toBe(JSON.stringify(never.toJSON()));
    expect(fine.p99Series()).toEqual(never.p99Series());
    expect(fine.summarize(0, 20_000)).toEqual(never.summarize(0, 20_000));
  });

  it('refuses to merge recorders with different settings', () => {
    expect(() => new Recorder({ intervalMs: 100 }).merge(new Recorder({ intervalMs: 50 }))).toThrow(ZerodropError);
    expect(() => new Recorder({ intervalMs: 0 })).toThrow(/intervalMs/);
  });

  it('rejects what is not an encoded recorder', () => {
    expect(() => decodeRecorder(null)).toThrow(/not a zerodrop recording/);
    expect(() => decodeRecorder({ format: 'zerodrop-recorder', version: 2 })).toThrow(/version/);
    const good = new Recorder().toJSON();
    expect(() => decodeRecorder({ ...good, counts: [1, 2, 3] })).toThrow(/rows/);
    expect(() => decodeRecorder({ ...good, histograms: [{ index: 0, data: '!!!' }] })).toThrow(ZerodropError);
  });

  it('round-trips through JSON text', () => {
    const r = new Recorder();
    r.record(10, OUTCOME.success, 12.5, 200, undefined);
    r.record(1010, OUTCOME.other, NO_LATENCY, 0, 'ENOTFOUND');
    r.recordUnsent(2000, 3);
    const back = decodeRecorder(JSON.parse(JSON.stringify(r)));
    expect(back.toJSON()).toEqual(r.toJSON());
    expect(back.summarize(0, 5000)).toEqual(r.summarize(0, 5000));
  });

  describe('properties', () => {
    it('merging N recorders equals recording everything in one', () => {
      fc.assert(
        fc.property(fc.array(recArb, { maxLength: 200 }), fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 200 }), (recs, assign) => {
          const parts: Rec[][] = [[], [], [], []];
          recs.forEach((x, i) => parts[assign[i] ?? 0]!.push(x));
          const merged = mergeRecorders(parts.map(fresh));
          const single = fresh(recs);
          expect(merged.toJSON()).toEqual(single.toJSON());
          expect(merged.summarize(0, 30_000)).toEqual(single.summarize(0, 30_000));
          expect(merged.intervals()).toEqual(single.intervals());
        }),
        { numRuns: 60 },
      );
    });

    it('merge is associative', () => {
      fc.assert(
        fc.property(fc.array(recArb, { maxLength: 80 }), fc.array(recArb, { maxLength: 80 }), fc.array(recArb, { maxLength: 80 }), (a, b, c) => {
          const left = fresh(a).merge(fresh(b)).merge(fresh(c));
          const right = fresh(a).merge(fresh(b).merge(fresh(c)));
          expect(left.toJSON()).toEqual(right.toJSON());
        }),
        { numRuns: 60 },
      );
    });

    it('encode/decode round-trips', () => {
      fc.assert(
        fc.property(fc.array(recArb, { maxLength: 150 }), (recs) => {
          const r = fresh(recs);
          const enc = r.toJSON();
          const back = decodeRecorder(JSON.parse(JSON.stringify(enc)));
          expect(back.toJSON()).toEqual(enc);
          expect(back.totals()).toEqual(r.totals());
          expect(back.p99Series()).toEqual(r.p99Series());
        }),
        { numRuns: 60 },
      );
    });
  });
});

describe('LagRecorder', () => {
  it('reports null until something is recorded, then p99 and max in ms', () => {
    const l = new LagRecorder();
    expect(l.summary()).toEqual({ count: 0, p99Ms: null, maxMs: null });
    for (let i = 0; i < 99; i++) l.record(0.2);
    l.record(25);
    l.record(-3);
    const s = l.summary();
    expect(s.count).toBe(101);
    expect(s.maxMs).toBeCloseTo(25, 1);
    expect(s.p99Ms).toBeCloseTo(0.2, 2);
    const m = new LagRecorder().merge(l);
    expect(m.summary()).toEqual(s);
  });
});

describe('LagRecorder encoding', () => {
  it('round-trips through JSON and merges exactly', () => {
    const a = new LagRecorder();
    const b = new LagRecorder();
    const all = new LagRecorder();
    for (let i = 0; i < 500; i++) {
      const v = (i * 37) % 211;
      (i % 2 === 0 ? a : b).record(v / 10);
      all.record(v / 10);
    }
    const merged = LagRecorder.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).merge(LagRecorder.fromJSON(b.toJSON()));
    expect(merged.summary()).toEqual(all.summary());
    expect(LagRecorder.fromJSON(new LagRecorder().toJSON()).summary()).toEqual({ count: 0, p99Ms: null, maxMs: null });
    expect(() => LagRecorder.fromJSON({ format: 'nope' })).toThrow(ZerodropError);
  });
});
