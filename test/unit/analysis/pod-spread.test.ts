import { describe, expect, it } from 'vitest';
import { podServingMs, podSkewDiagnosis, podSpreadOf } from '../../../src/analysis/pod-spread.js';
import type { PodCounts } from '../../../src/analysis/results.js';
import { analyzeRun } from '../../../src/report/build-report.js';
import { renderConsole } from '../../../src/report/console.js';
import { renderHtml } from '../../../src/report/html.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import { renderJson } from '../../../src/report/json.js';
import { fixtureMeta, passInput } from '../../fixtures/reports/synthetic-run.js';

const pod = (name: string, sent: number): PodCounts => ({ pod: name, sent, succeeded: sent, failed: 0, failures: {}, servedWhileTerminating: 0 });

describe('podSpreadOf', () => {
  it.each<[string, PodCounts[], number, boolean | undefined]>([
    ['even over three pods', [pod('a', 400), pod('b', 350), pod('c', 300)], 0, false],
    ['one session pinned to one of two pods', [pod('a', 950), pod('b', 50)], 0, true],
    ['busiest five times the least', [pod('a', 500), pod('b', 400), pod('c', 90)], 0, true],
    ['one pod while the rollout named three', [pod('a', 1000)], 3, true],
    ['one pod and nothing else known', [pod('a', 1000)], 0, false],
    ['too few requests to tell', [pod('a', 90), pod('b', 1)], 0, false],
    ['no pod answered', [], 0, undefined],
  ])('%s', (_name, pods, seen, skewed) => {
    expect(podSpreadOf(pods, seen)?.skewed).toBe(skewed);
  });

  // A rollout: old pods serve the first half, new ones the second; each served its fair rate.
  it.each<[string, PodCounts[], Record<string, number>, boolean]>([
    ['pods replaced mid-run, each at its fair rate', [pod('old-a', 500), pod('old-b', 500), pod('new-a', 480), pod('new-b', 20)], { 'old-a': 10_000, 'old-b': 10_000, 'new-a': 9_600, 'new-b': 400 }, false],
    ['a pod pinned for the whole run beside one that barely served', [pod('a', 1900), pod('b', 100)], { a: 20_000, b: 20_000 }, true],
    ['a pod that served a second at the rate of the rest', [pod('a', 1000), pod('b', 1000), pod('c', 50)], { a: 20_000, b: 20_000, c: 1_000 }, false],
  ])('judged per second served: %s', (_name, pods, spans, skewed) => {
    expect(podSpreadOf(pods, 0, new Map(Object.entries(spans)))?.skewed).toBe(skewed);
  });

  it('podServingMs: from the first to the end of the last interval with traffic', () => {
    const spans = podServingMs(
      [
        { pod: 'a', intervals: [{ tMs: 0, outcomes: [0] }, { tMs: 1000, outcomes: [3] }, { tMs: 5000, outcomes: [0, 1] }] },
        { pod: 'b', intervals: [{ tMs: 0, outcomes: [0, 0] }] },
      ],
      1000,
    );
    expect([...spans]).toEqual([['a', 5000]]);
  });

  it.each<[boolean, 'open' | 'closed', RegExp]>([
    [true, 'open', /--min-connections N \(open model: N sessions/],
    [true, 'closed', /--connections N \(N sessions; --streams/],
    [false, 'open', /--min-connections N \(open model: N connections/],
  ])('the fix names the flag (http2 %s, %s model)', (http2, model, fix) => {
    const d = podSkewDiagnosis(podSpreadOf([pod('a', 950), pod('b', 50)])!, { http2, model });
    expect(d?.id).toBe('pod-spread-skewed');
    expect(d?.fix).toMatch(fix);
    expect(d?.cause).toMatch(http2 ? /HTTP\/2 session/ : /keep-alive connection/);
  });
});

describe('report: retried, GOAWAYs and the pod spread', () => {
  const input = (): ReturnType<typeof passInput> => {
    const i = passInput();
    i.run.retried = { total: 3, byReason: { goaway: 2, refused_stream: 1 }, intervals: [{ tMs: 9000, byReason: { goaway: 2, refused_stream: 1 } }] };
    i.run.goaways = [{ tMs: 9050, lastStreamId: 41, errorCode: 'NO_ERROR', pod: 'web-7f9c8d6b5-abcde' }];
    i.run.pods = [
      { pod: 'web-a', intervals: [{ tMs: 0, outcomes: [950, 0, 0, 0, 0, 0, 0] }] },
      { pod: 'web-b', intervals: [{ tMs: 0, outcomes: [50, 0, 0, 0, 0, 0, 0] }] },
    ];
    i.meta = fixtureMeta('h2', { load: { model: 'open', rate: 500, durationMs: 22_000, warmupMs: 2_000, timeoutMs: 2_000, keepAlive: true, client: 'lean', http2: {} } });
    return i;
  };

  it('carries them in report.json without changing the counts', () => {
    const plain = analyzeRun(passInput());
    const r = analyzeRun(input());
    expect(r.totals).toEqual(plain.totals);
    expect(r.retried).toEqual({ total: 3, byReason: { goaway: 2, refused_stream: 1 } });
    expect(r.timeline.retried).toEqual([{ tMs: 9000, byReason: { goaway: 2, refused_stream: 1 } }]);
    expect(r.timeline.goaways).toEqual([{ tMs: 9050, lastStreamId: 41, errorCode: 'NO_ERROR', pod: 'web-7f9c8d6b5-abcde' }]);
    expect(r.podSpread).toMatchObject({ pods: 2, maxShare: 0.95, skewed: true });
    expect(r.diagnosis.map((d) => d.id)).toContain('pod-spread-skewed');
    const json = JSON.parse(renderJson(r)) as Record<string, unknown>;
    expect(json['retried']).toEqual(r.retried);
    expect(plain).not.toHaveProperty('retried');
    expect(plain.timeline).not.toHaveProperty('goaways');
  });

  it('shows them in the console, Markdown and HTML reports', () => {
    const r = analyzeRun(input());
    expect(renderConsole(r, { width: 200, color: false })).toMatch(/retried 3 \(goaway 2, refused_stream 1\).*GOAWAYs received: 1/);
    const md = renderMarkdown(r);
    expect(md).toMatch(/Retried 3 \(goaway 2, refused\\_stream 1\)/);
    expect(md).toContain('| 9.05 s | 41 | NO\\_ERROR | web-7f9c8d6b5-abcde |');
    const html = renderHtml(r);
    expect(html).toMatch(/<p id="retried">retried 3/);
    expect(html).toMatch(/<table id="goaways">/);
  });
});
