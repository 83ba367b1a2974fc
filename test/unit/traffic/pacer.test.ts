import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantPacer, rampPacer } from '../../../src/traffic/pacer.js';

describe('constantPacer', () => {
  const p = constantPacer(1000); // one request per ms
  it.each([
    [0, 0],
    [1, 1],
    [2500, 2500],
  ])('request %i is due at %f ms', (n, t) => {
    expect(p.dueAt(n)).toBeCloseTo(t, 9);
  });
  it.each([
    [-1, 0],
    [0, 1],
    [0.999, 1],
    [1, 2],
    [999.5, 1000],
    [1000, 1001],
  ])('by %f ms, %i requests are due', (t, due) => {
    expect(p.dueBy(t)).toBe(due);
  });
  it.each([
    // elapsed, sent, waitMs, due
    [0, 0, 0, 1],
    [0, 1, 1, 0],
    [0.25, 1, 0.75, 0],
    [10, 5, 0, 6],
    [10, 11, 1, 0],
  ])('pace(%f, %i) waits %f ms with %i due', (t, sent, wait, due) => {
    const r = p.pace(t, sent);
    expect(r.waitMs).toBeCloseTo(wait, 9);
    expect(r.due).toBe(due);
  });
  it('sends exactly rate x duration requests in a window', () => {
    for (const [rate, ms] of [[2000, 2000], [3, 1000], [333, 3000], [7919, 1234]] as const) {
      const q = constantPacer(rate);
      let n = 0;
      while (q.dueAt(n) < ms) n++;
      expect(n).toBe(Math.ceil((rate * ms) / 1000));
    }
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects rate %f', (r) => {
    expect(() => constantPacer(r)).toThrow(RangeError);
  });
});

describe('rampPacer', () => {
  it('ramps linearly from 0 to 1000/s over 1 s: 500 requests in the ramp, then 1000/s', () => {
    const p = rampPacer(0, 1000, 1000);
    expect(p.peakRate).toBe(1000);
    expect(p.dueBy(1000 - 1e-6)).toBe(500);
    expect(p.dueAt(500)).toBeCloseTo(1000, 6);
    expect(p.dueAt(1500)).toBeCloseTo(2000, 6);
    // At rate r(t) = t (per s, t in ms) the gap at t=500ms is ~2 ms.
    expect(p.dueAt(126) - p.dueAt(125)).toBeCloseTo(2, 1);
  });
  it.each([
    [100, 100, 1000],
    [0, 50, 2000],
    [400, 100, 1000],
    [1, 10_000, 5000],
  ])('from %i/s to %i/s over %i ms: dueAt and dueBy agree, and times increase', (from, to, ms) => {
    const p = rampPacer(from, to, ms);
    let prev = -1;
    for (let n = 0; n < 3000; n += 7) {
      const t = p.dueAt(n);
      expect(t).toBeGreaterThan(prev);
      prev = t;
      expect(p.dueBy(t)).toBe(n + 1);
    }
  });
  it('a ramp of 0 ms is a constant rate', () => {
    expect(rampPacer(10, 100, 0).dueAt(100)).toBeCloseTo(1000, 9);
  });
  it('dueBy(dueAt(n)) = n + 1 for any shape (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5000, noNaN: true }),
        fc.double({ min: 0.5, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        (from, to, ms, n) => {
          const p = rampPacer(from, to, ms);
          const t = p.dueAt(n);
          expect(p.dueBy(t)).toBe(n + 1);
          expect(p.dueAt(n + 1)).toBeGreaterThan(t);
        },
      ),
    );
  });
  it.each([
    [-1, 10, 100],
    [1, 0, 100],
    [1, 10, -5],
  ])('rejects from=%f to=%f ms=%f', (a, b, c) => {
    expect(() => rampPacer(a, b, c)).toThrow(RangeError);
  });
});
