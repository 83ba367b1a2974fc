import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { DeadlineQueue } from '../../../src/traffic/deadline-queue.js';
import { resolveWorkers, splitLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { SATURATION_ELD_P99_MS, assessSaturation } from '../../../src/traffic/generator-health.js';
import type { WorkerHealth } from '../../../src/traffic/generator-health.js';
import { LIVE, LIVE_STRIDE, allocLiveCounters, liveSlot, sumLive } from '../../../src/traffic/live-counters.js';
import { constantPacer, rampPacer, stridedPacer } from '../../../src/traffic/pacer.js';
import type { Pacer } from '../../../src/traffic/pacer.js';
import { DEFAULT_SUCCESS_RANGES, buildStatusTable, outcomeOfStatus, statusTableOf, successPredicateOf } from '../../../src/traffic/status-table.js';

/** Due times of the first `n` requests of the union of `count` strided pacers, sorted. */
function unionDueTimes(p: Pacer, count: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const s = stridedPacer(p, k, count);
    for (let j = 0; j * count + k < n; j++) out.push(s.dueAt(j));
  }
  return out.sort((a, b) => a - b);
}

describe('stridedPacer', () => {
  it.each([
    ['constant 1000/s', constantPacer(1000)],
    ['constant 333/s', constantPacer(333)],
    ['ramp 0 -> 5000/s over 2 s', rampPacer(0, 5000, 2000)],
    ['ramp down 4000 -> 100/s', rampPacer(4000, 100, 1000)],
  ])('%s: the workers together send exactly the whole schedule', (_name, p) => {
    for (const count of [1, 2, 3, 8]) {
      const whole = Array.from({ length: 3000 }, (_, n) => p.dueAt(n));
      expect(unionDueTimes(p, count, 3000)).toEqual(whole);
    }
  });

  it('dueBy of the parts adds up to dueBy of the whole at every instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 16 }), fc.double({ min: -5, max: 10_000, noNaN: true }), (rate, count, t) => {
        const p = constantPacer(rate);
        let sum = 0;
        for (let k = 0; k < count; k++) sum += stridedPacer(p, k, count).dueBy(t);
        expect(sum).toBe(p.dueBy(t));
      }),
    );
  });

  it('staggers the workers evenly: worker k starts k gaps after worker 0', () => {
    const p = constantPacer(4000); // 0.25 ms apart
    expect([0, 1, 2, 3].map((k) => stridedPacer(p, k, 4).dueAt(0))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(stridedPacer(p, 1, 4).dueAt(1)).toBeCloseTo(1.25, 12);
    expect(stridedPacer(p, 0, 4).peakRate).toBe(1000);
  });

  it('after a handover at request n0, the workers send exactly requests n0, n0+1, ... of the schedule', () => {
    const p = rampPacer(100, 3000, 1000);
    for (const n0 of [0, 1, 7, 500]) {
      const rest: number[] = [];
      for (let k = 0; k < 3; k++) {
        const s = stridedPacer(p, k, 3, n0);
        for (let j = 0; n0 + k + 3 * j < 2000; j++) rest.push(s.dueAt(j));
      }
      expect(rest.sort((a, b) => a - b)).toEqual(Array.from({ length: 2000 - n0 }, (_, i) => p.dueAt(n0 + i)));
      // dueBy counts only the worker's own requests from n0 on.
      const t = p.dueAt(n0 + 10);
      expect([0, 1, 2].reduce((n, k) => n + stridedPacer(p, k, 3, n0).dueBy(t), 0)).toBe(11);
    }
  });

  it('rejects a stride outside its count', () => {
    expect(() => stridedPacer(constantPacer(1), 2, 2)).toThrow(RangeError);
  });
});

const base: LoadOptions = { url: 'http://127.0.0.1:1/', method: 'GET', headers: {}, model: 'closed', connections: 10, durationMs: 1000, timeoutMs: 1000, keepAlive: true };

describe('splitLoad and resolveWorkers', () => {
  it.each([
    [10, 3, [4, 3, 3]],
    [64, 2, [32, 32]],
    [5, 5, [1, 1, 1, 1, 1]],
    [7, 4, [2, 2, 2, 1]],
  ])('%i connections over %i workers: %j', (connections, workers, expected) => {
    const specs = splitLoad({ ...base, connections }, workers);
    expect(specs.map((s) => s.connections)).toEqual(expected);
    expect(specs.map((s) => s.stride)).toEqual(expected.map((_, index) => ({ index, count: workers })));
  });

  it('open model: every worker gets the whole rate shape and a share of the in-flight cap', () => {
    const specs = splitLoad({ ...base, model: 'open', rate: 3000, maxInFlight: 1001, minConnections: 9 }, 2);
    expect(specs.map((s) => [s.rate, s.maxInFlight, s.minConnections])).toEqual([
      [3000, 501, 5],
      [3000, 501, 5],
    ]);
    expect(splitLoad({ ...base, model: 'open', rate: 3000 }, 2).map((s) => s.minConnections)).toEqual([0, 0]);
  });

  it.each([
    [{ workers: undefined, model: 'open' }, 4, 1],
    [{ workers: 'auto', model: 'open' }, 4, 4],
    [{ workers: 'auto', model: 'open', rate: 2000 }, 4, 1],
    [{ workers: 'auto', model: 'open', rate: 25_000 }, 4, 1],
    [{ workers: 'auto', model: 'open', rate: 60_000 }, 4, 3],
    [{ workers: 'auto', model: 'open', rate: 1000, ramp: { fromRate: 90_000, durationMs: 1 } }, 4, 4],
    [{ workers: 2, model: 'open', rate: 10 }, 4, 2],
    [{ workers: 'auto', model: 'closed', connections: 2 }, 4, 2],
    [{ workers: 3, model: 'closed', connections: 64 }, 2, 3],
    [{ workers: 'auto', model: 'open' }, 0, 1],
  ] as const)('%j on %i cores -> %i workers', (opts, cores, expected) => {
    expect(resolveWorkers(opts as Parameters<typeof resolveWorkers>[0], cores)).toBe(expected);
  });
});

describe('status table', () => {
  it('classifies by table exactly as the predicate does, and keeps the default rule without one', () => {
    const pred = (s: number): boolean => s === 200 || s === 404;
    const t = buildStatusTable(pred);
    expect([200, 404, 503, 301].map((s) => outcomeOfStatus(t, s, pred))).toEqual([OUTCOME.success, OUTCOME.success, OUTCOME.http_5xx, OUTCOME.other]);
    const d = buildStatusTable();
    expect([204, 302, 429, 500, 1200].map((s) => outcomeOfStatus(d, s))).toEqual([OUTCOME.success, OUTCOME.success, OUTCOME.http_4xx, OUTCOME.http_5xx, OUTCOME.other]);
  });

  it.each<[string, Array<[number, number]>, number[], number[]]>([
    ['one range, bounds inclusive', [[200, 299]], [200, 299], [199, 300]],
    ['single codes', [[200, 200], [404, 404]], [200, 404], [201, 403, 405]],
    ['overlapping ranges', [[200, 250], [240, 304]], [200, 245, 304], [305, 100]],
  ])('derives the predicate and the table from status ranges: %s', (_name, ranges, ok, notOk) => {
    const success = successPredicateOf(ranges)!;
    expect(ok.map(success)).toEqual(ok.map(() => true));
    expect(notOk.map(success)).toEqual(notOk.map(() => false));
    expect(statusTableOf(ranges)).toEqual(buildStatusTable(success));
  });

  it('takes no ranges as the default rule, which the default ranges spell out', () => {
    expect(successPredicateOf(undefined)).toBeUndefined();
    expect(statusTableOf()).toEqual(buildStatusTable());
    expect(statusTableOf(DEFAULT_SUCCESS_RANGES)).toEqual(buildStatusTable());
  });
});

describe('live counters', () => {
  it('sums the slots of all workers; the recent p99 is the highest any worker has', () => {
    const all = allocLiveCounters(3, true);
    expect(all.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sumLive(all).recentP99Ms).toBeNull();
    for (let k = 0; k < 3; k++) {
      const s = liveSlot(all, k);
      s[LIVE.dispatched] = 10 * (k + 1);
      s[LIVE.succeeded] = 9 * (k + 1);
      s[LIVE.inFlight] = k + 1;
    }
    liveSlot(all, 1)[LIVE.recentP99Ms] = 7;
    liveSlot(all, 2)[LIVE.recentP99Ms] = 3;
    expect(sumLive(all)).toEqual({ dispatched: 60, succeeded: 54, failed: 0, unsent: 0, inFlight: 6, recentP99Ms: 7 });
    expect(all.length).toBe(3 * LIVE_STRIDE);
  });

  it('keeps sent = succeeded + failed + inFlight when it reads a slot between a worker\'s stores', () => {
    // Another thread's stores land between our loads: here the worker has settled a request
    // (inFlight already decremented) but not yet counted it as succeeded. inFlight is derived
    // from the monotonic counters, so the progress line never shows a torn sum.
    const all = allocLiveCounters(2, true);
    for (let k = 0; k < 2; k++) {
      const s = liveSlot(all, k);
      s[LIVE.dispatched] = 100;
      s[LIVE.succeeded] = 90;
      s[LIVE.failed] = 2;
      s[LIVE.inFlight] = 7; // torn: 8 are really in flight
    }
    const sum = sumLive(all);
    expect(sum.dispatched).toBe(sum.succeeded + sum.failed + sum.inFlight);
    expect(sum.inFlight).toBe(16);
  });
});

function health(o: Partial<WorkerHealth>): WorkerHealth {
  return { index: 0, sent: 100, unsent: 0, eventLoopDelayP99Ms: 1, eventLoopDelayMaxMs: 2, eventLoopUtilization: 0.5, scheduleLagP99Ms: 0.5, scheduleLagMaxMs: 1, ...o };
}

describe('assessSaturation', () => {
  it.each([
    ['healthy open', [health({})], 'open', false],
    ['healthy closed at full speed (busy loop is normal)', [health({ eventLoopUtilization: 1, scheduleLagP99Ms: null })], 'closed', false],
    ['event-loop delay', [health({}), health({ index: 1, eventLoopDelayP99Ms: SATURATION_ELD_P99_MS + 1 })], 'closed', true],
    ['schedule lag', [health({ scheduleLagP99Ms: 30 })], 'open', true],
    ['busy open-model loop that keeps its schedule (pacing on setImmediate)', [health({ eventLoopUtilization: 1 })], 'open', false],
  ] as const)('%s -> saturated %s', (_name, workers, model, saturated) => {
    const r = assessSaturation(workers, model);
    expect(r.saturated).toBe(saturated);
    expect(r.reasons.length > 0).toBe(saturated);
  });

  it('a failed worker is saturation, with its reason', () => {
    const r = assessSaturation([health({})], 'open', ['worker 1: boom']);
    expect(r).toEqual({ saturated: true, reasons: [expect.stringContaining('worker 1: boom')] });
  });
});

describe('DeadlineQueue with recycled entries', () => {
  it('an entry reused for a later request neither expires early nor blocks older deadlines', () => {
    const q = new DeadlineQueue<{ deadlineMs: number; settled: boolean; seq: number; id: string }>();
    const a = { deadlineMs: 10, settled: false, seq: 1, id: 'a' };
    const b = { deadlineMs: 20, settled: false, seq: 1, id: 'b' };
    q.push(a);
    q.push(b);
    // a's request completes and the same object is reused for a request due at 100.
    a.seq = 2;
    a.deadlineMs = 100;
    q.push(a);
    const expired: string[] = [];
    expect(q.sweep(25, (x) => expired.push(`${x.id}${x.seq}`))).toBe(100);
    expect(expired).toEqual(['b1']);
    expect(q.sweep(100, (x) => expired.push(`${x.id}${x.seq}`))).toBe(Number.POSITIVE_INFINITY);
    expect(expired).toEqual(['b1', 'a2']);
  });
});
