import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachNearbyEvents, byExplanation, findOutages } from '../../../src/analysis/outages.js';
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

describe('byExplanation: the events most likely to explain an outage first', () => {
  const ev = (tMs: number, type: string): { tMs: number; type: string } => ({ tMs, type });
  it.each<[string, Array<{ tMs: number; type: string }>, string[]]>([
    ['empty', [], []],
    [
      'progress before pod events: pod events first',
      [ev(100, 'trigger-sent'), ev(110, 'rollout-progressing'), ev(120, 'rollout-progressing'), ev(900, 'pod-terminating'), ev(905, 'endpoint-terminating')],
      ['900 pod-terminating', '905 endpoint-terminating', '100 trigger-sent', '110 rollout-progressing', '120 rollout-progressing'],
    ],
    [
      'terminating, endpoint removed or not ready, killed: one rank, in time order',
      [ev(500, 'pod-killed'), ev(300, 'endpoint-removed'), ev(200, 'endpoint-not-ready'), ev(100, 'pod-terminating')],
      ['100 pod-terminating', '200 endpoint-not-ready', '300 endpoint-removed', '500 pod-killed'],
    ],
    [
      'a pod becoming ready comes before progress, after terminations',
      [ev(100, 'replicaset-scaled'), ev(200, 'pod-ready'), ev(300, 'pod-created'), ev(400, 'pod-terminating'), ev(450, 'pod-deleted')],
      ['400 pod-terminating', '200 pod-ready', '450 pod-deleted', '100 replicaset-scaled', '300 pod-created'],
    ],
    [
      'load balancer targets: leaving ones with terminations, arriving ones with pods becoming ready',
      [ev(100, 'target-registered'), ev(200, 'target-healthy'), ev(300, 'target-draining'), ev(400, 'target-deregistered'), ev(500, 'target-unhealthy'), ev(50, 'trigger-sent')],
      ['300 target-draining', '400 target-deregistered', '500 target-unhealthy', '100 target-registered', '200 target-healthy', '50 trigger-sent'],
    ],
    ['unknown types keep their time order at the end', [ev(20, 'custom-b'), ev(10, 'custom-a'), ev(30, 'pod-not-ready')], ['30 pod-not-ready', '10 custom-a', '20 custom-b']],
  ])('%s', (_name, events, expected) => {
    expect(byExplanation(events).map((e) => `${e.tMs} ${e.type}`)).toEqual(expected);
  });

  it('orders a window\'s nearbyEvents so the first three shown explain it', () => {
    const window: OutageWindow = { startMs: 1000, endMs: 3000, durationMs: 2000, failed: 3, sent: 30, failures: { refused: 3 } };
    const events = [
      ...Array.from({ length: 40 }, (_, i) => ({ tMs: 600 + i, type: i === 0 ? 'trigger-sent' : 'rollout-progressing', object: 'deployment/web' })),
      { tMs: 1200, type: 'pod-terminating', object: 'pod/web-1' },
      { tMs: 1201, type: 'endpoint-terminating', object: 'endpoint/web-1' },
      { tMs: 2900, type: 'pod-killed', object: 'pod/web-1' },
    ];
    const [got] = attachNearbyEvents([window], events);
    expect(got?.nearbyEvents?.slice(0, 3).map((e) => e.type)).toEqual(['pod-terminating', 'endpoint-terminating', 'pod-killed']);
    expect(got?.nearbyEvents).toHaveLength(43);
  });
});
