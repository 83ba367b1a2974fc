import { describe, expect, it } from 'vitest';
import { wakeDelayMs } from '../../../src/traffic/open-wake.js';

describe('wakeDelayMs', () => {
  it.each([
    // wait (ms) until the next due request, how long the tick sleeps (0: next event-loop turn)
    [-5, 0],
    [0, 0],
    [0.01, 1], // a sub-ms gap (high rates) sleeps a timer's 1 ms: no spinning
    [0.05, 1],
    [0.29, 1],
    [0.5, 1],
    [1, 1],
    [1.4, 1],
    [1.49, 1],
    [1.5, 2], // from here a wait is rounded up: a timer may fire up to ~1 ms early by the monotonic clock
    [1.6, 2],
    [2.2, 3],
    [10, 10],
    [10.3, 11],
    [999.7, 1000],
  ])('next request due in %f ms: sleeps %i ms', (wait, delay) => {
    expect(wakeDelayMs(wait)).toBe(delay);
  });
});
