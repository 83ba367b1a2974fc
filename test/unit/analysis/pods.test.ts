import { describe, expect, it } from 'vitest';
import { podCounts } from '../../../src/analysis/pods.js';

// outcomes in OUTCOME order: success, http_5xx, http_4xx, timeout, refused, reset, other
const row = (tMs: number, ...outcomes: number[]) => ({ tMs, outcomes: [...outcomes, 0, 0, 0, 0, 0, 0, 0].slice(0, 7) });

describe('podCounts', () => {
  it.each([
    ['a pod that never terminated', [], 0],
    ['terminating at 250 ms: answers from the 200 ms interval on count', [{ tMs: 250, type: 'pod-terminating', object: 'pod/web-1' }], 30 + 3 + 40],
    ['terminating after the last interval', [{ tMs: 900, type: 'pod-terminating', object: 'pod/web-1' }], 0],
  ])('%s', (_name, events, served) => {
    const [p] = podCounts([{ pod: 'web-1', intervals: [row(0, 50), row(100, 20, 1), row(200, 30, 3), row(300, 40, 0, 0, 0, 0, 2)] }], events, 100);
    expect(p).toEqual({ pod: 'web-1', sent: 146, succeeded: 140, failed: 6, failures: { http_5xx: 4, reset: 2 }, servedWhileTerminating: served });
  });
});
