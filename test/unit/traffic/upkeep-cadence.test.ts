import { describe, expect, it } from 'vitest';
import { PACK_STEP_BUCKETS } from '../../../src/metrics/recorder.js';
import { SATURATION_ELD_P99_MS } from '../../../src/traffic/generator-health.js';
import { ELD_RESOLUTION_MAX_MS, ELD_RESOLUTION_MIN_MS, HOUSEKEEPING_MAX_MS, HOUSEKEEPING_MIN_MS, eventLoopDelayResolutionMs, housekeepingEveryMs, trimPerPass } from '../../../src/traffic/upkeep-cadence.js';

describe('housekeepingEveryMs', () => {
  it.each([
    // the engine's peak rate (null: closed model) -> the housekeeping period, ms
    [null, 20],
    [0, 1000],
    [1, 1000],
    [100, 1000],
    [200, 500],
    [1000, 100],
    [2000, 50],
    [5000, 20],
    [20_000, 20],
    [1_000_000, 20],
  ])('peak %s/s: every %i ms', (rate, ms) => {
    expect(housekeepingEveryMs(rate)).toBe(ms);
  });

  it.each([1, 7, 100, 333, 1000, 4999, 5000, 20_000])('packs faster than %i requests/s can fill histogram buckets', (rate) => {
    // A second of latencies fills at most one bucket per request; passes must pack them all.
    const passesPerSecond = 1000 / housekeepingEveryMs(rate);
    expect(passesPerSecond * PACK_STEP_BUCKETS).toBeGreaterThanOrEqual(Math.min(rate, PACK_STEP_BUCKETS * (1000 / HOUSEKEEPING_MIN_MS)));
  });
});

describe('trimPerPass', () => {
  it.each([
    [HOUSEKEEPING_MIN_MS, 2],
    [50, 5],
    [100, 10],
    [HOUSEKEEPING_MAX_MS, 10],
  ])('a pass every %i ms closes at most %i idle lanes', (everyMs, n) => {
    expect(trimPerPass(everyMs)).toBe(n);
  });
});

describe('eventLoopDelayResolutionMs', () => {
  it.each([
    [null, 10],
    [0, 50],
    [1, 50],
    [80, 50],
    [100, 40],
    [200, 20],
    [400, 10],
    [20_000, 10],
  ])('peak %s/s: a sample every %i ms', (rate, ms) => {
    expect(eventLoopDelayResolutionMs(rate)).toBe(ms);
  });

  it('never coarser than the stall that marks the generator saturated', () => {
    expect(ELD_RESOLUTION_MAX_MS).toBeLessThanOrEqual(SATURATION_ELD_P99_MS);
    expect(ELD_RESOLUTION_MIN_MS).toBe(10);
    expect(HOUSEKEEPING_MAX_MS).toBe(1000);
  });
});
