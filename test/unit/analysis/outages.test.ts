import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachNearbyEvents, findOutages } from '../../../src/analysis/outages.js';
import type { FailureClass } from '../../../src/metrics/outcome.js';
import { FAILURE_CLASSES, emptyFailureCounts } from '../../../src/metrics/outcome.js';
import type { IntervalCounts } from '../../../src/metrics/run-data.js';
import type { OutageWindow } from '../../../src/report/model.js';

/** Intervals of 100 ms from a string: '.' clean, 'r' one refused, 'x' one reset, '5' one 5xx, ' ' missing interval. */
function intervals(pattern: string): IntervalCounts[] {
  const cls: Record<string, FailureClass> = { r: 'refused', x: 'reset', '5': 'http_5xx' };
  const out: IntervalCounts[] = [];
  [...pattern].forEach((ch, i) => {
    if (ch === ' ') return;
    const failures = emptyFailureCounts();
    const c = cls[ch];
    if (c !== undefined) failures[c] = 1;
    const failed = c === undefined ? 0 : 1;
    out.push({ tMs: i * 100, sent: 10, succeeded: 10 - failed, failed, failures, unsent: 0 });
  });
  return out;
}

describe('findOutages', () => {
  it.each<[string, Array<Pick<OutageWindow, 'startMs' | 'endMs' | 'failed'> & { failures: Partial<Record<FailureClass, number>> }>]>([
    ['....', []],
    ['', []],
    ['r...', [{ startMs: 0, endMs: 100, failed: 1, failures: { refused: 1 } }]],
    ['..rx.', [{ startMs: 200, endMs: 400, failed: 2, failures: { refused: 1, reset: 1 } }]],
    ['.r.r', [{ startMs: 100, endMs: 200, failed: 1, failures: { refused: 1 } }, { startMs: 300, endMs: 400, failed: 1, failures: { refused: 1 } }]],
    ['5r 5', [{ startMs: 0, endMs: 200, failed: 2, failures: { http_5xx: 1, refused: 1 } }, { startMs: 300, endMs: 400, failed: 1, failures: { http_5xx: 1 } }]],
    ['...xx', [{ startMs: 300, endMs: 500, failed: 2, failures: { reset: 2 } }]],
  ])('%j', (pattern, expected) => {
    const got = findOutages(intervals(pattern), 100);
    expect(got.map(({ startMs, endMs, failed, failures }) => ({ startMs, endMs, failed, failures }))).toEqual(expected);
    for (const w of got) expect(w.durationMs).toBe(w.endMs - w.startMs);
  });

  it('accounts for every failure, in disjoint windows in time order', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('.', 'r', 'x', '5', ' '), { maxLength: 60 }), (chars) => {
        const ivs = intervals(chars.join(''));
        const windows = findOutages(ivs, 100);
        expect(windows.reduce((s, w) => s + w.failed, 0)).toBe(ivs.reduce((s, iv) => s + iv.failed, 0));
        for (const c of FAILURE_CLASSES) {
          expect(windows.reduce((s, w) => s + (w.failures[c] ?? 0), 0)).toBe(ivs.reduce((s, iv) => s + iv.failures[c], 0));
        }
        for (let i = 1; i < windows.length; i++) expect(windows[i]!.startMs).toBeGreaterThan(windows[i - 1]!.endMs - 1);
      }),
    );
  });
});

describe('attachNearbyEvents', () => {
  const window: OutageWindow = { startMs: 1000, endMs: 1500, durationMs: 500, failed: 3, sent: 30, failures: { refused: 3 } };
  it.each<[string, number, number[]]>([
    ['event inside the window', 1200, [1200]],
    ['event just before, within lookback', 600, [600]],
    ['event at lookback edge', 500, [500]],
    ['event too early', 499, []],
    ['event at the window end (exclusive)', 1500, []],
  ])('%s (t=%i)', (_name, tMs, expected) => {
    const [got] = attachNearbyEvents([window], [{ tMs, type: 'PodTerminating', object: 'Pod/web-1', message: 'x' }]);
    expect(got?.nearbyEvents?.map((e) => e.tMs) ?? []).toEqual(expected);
    if (expected.length === 0) expect(got).not.toHaveProperty('nearbyEvents');
  });

  it('honours a custom lookback and sorts events', () => {
    const [got] = attachNearbyEvents(
      [window],
      [
        { tMs: 1300, type: 'B', object: 'b' },
        { tMs: 100, type: 'A', object: 'a' },
      ],
      1000,
    );
    expect(got?.nearbyEvents).toEqual([
      { tMs: 100, type: 'A', object: 'a' },
      { tMs: 1300, type: 'B', object: 'b' },
    ]);
  });
});
