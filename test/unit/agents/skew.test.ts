import { describe, expect, it } from 'vitest';
import { SkewEstimator } from '../../../src/agents/skew.js';

describe('SkewEstimator', () => {
  it('is null before any record', () => {
    expect(new SkewEstimator().estimate()).toBeNull();
  });

  it.each([
    // [true offset, delivery delays]: the estimate is the offset minus the fastest delivery's delay
    [0, [5, 1, 30], -1],
    [250, [40, 12, 3], 247],
    [-1200, [0, 80], -1200],
  ])('offset %d ms with delays %j: estimate %d ms, never above the truth', (offset, delays, want) => {
    const s = new SkewEstimator();
    let real = 1_000_000;
    for (const d of delays) {
      real += 100;
      s.add(real + offset, real + d);
    }
    const e = s.estimate()!;
    expect(e.skewMs).toBe(want);
    expect(e.skewMs).toBeLessThanOrEqual(offset);
    expect(e.samples).toBe(delays.length);
  });

  it('bounds the offset from above by the Job\'s creation time', () => {
    const created = 1_000_000;
    const s = new SkewEstimator(created);
    // Real write at created + 2000 ms, agent clock 300 ms ahead, delivered 10 ms later.
    s.add(created + 2000 + 300, created + 2010);
    const e = s.estimate()!;
    expect(e.atLeastMs).toBe(290);
    expect(e.atMostMs).toBe(2300);
    expect(e.atLeastMs).toBeLessThanOrEqual(300);
    expect(e.atMostMs!).toBeGreaterThanOrEqual(300);
  });

  it('ignores non-finite stamps', () => {
    const s = new SkewEstimator();
    s.add(Number.NaN, 5);
    expect(s.estimate()).toBeNull();
  });
});
