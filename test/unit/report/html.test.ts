import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../../src/metrics/outcome.js';
import { MAX_TIMELINE_COLUMNS, downsampleTimeline, escapeHtml, render, renderHtml } from '../../../src/report/index.js';
import type { Report, TimelinePoint } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const { pass, fail, inconclusive } = fixtureReports();

/** Every start tag of the markup (escaped text never yields a "<", so these are all real tags). */
function tags(html: string): string[] {
  return html.match(/<[a-zA-Z][^>]*>/g) ?? [];
}

function count(html: string, re: RegExp): number {
  return (html.match(re) ?? []).length;
}

describe('escapeHtml', () => {
  it.each([
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ["it's </svg> & more", 'it&#39;s &lt;/svg&gt; &amp; more'],
    ['\u001b[31mred\u001b[0m\u0000', 'red'],
    ['lone \ud800 surrogate', 'lone \ufffd surrogate'],
  ])('%j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('renderHtml', () => {
  it('is what render(report, "html") gives', () => {
    expect(render(fail, 'html')).toBe(renderHtml(fail));
  });

  it.each([
    ['pass', pass, 'PASS'],
    ['fail', fail, 'FAIL'],
    ['inconclusive', inconclusive, 'INCONCLUSIVE'],
  ] as const)('%s: the verdict in words and colour class first', (_n, report, word) => {
    const html = renderHtml(report);
    const verdictAt = html.indexOf(`class="verdict verdict-${report.verdict}"`);
    expect(verdictAt).toBeGreaterThan(0);
    expect(html.indexOf(word, verdictAt)).toBeLessThan(html.indexOf('id="timeline"'));
  });

  it('is self-contained: no external resource, one inline script and stylesheet, allowed by hash only', () => {
    for (const report of [pass, fail, inconclusive]) {
      const html = renderHtml(report);
      const all = tags(html);
      expect(all.filter((t) => /\s(src|href|srcset|action|formaction|xlink:href|poster|data)=/i.test(t))).toEqual([]);
      expect(all.filter((t) => /\son[a-z]+=/i.test(t))).toEqual([]);
      expect(all.filter((t) => /\sstyle=/i.test(t))).toEqual([]);
      expect(all.filter((t) => /^<(link|img|iframe|object|embed|base|form|a|image|use|foreignObject)\b/i.test(t))).toEqual([]);
      expect(count(html, /<script\b/g)).toBe(1);
      expect(count(html, /<style\b/g)).toBe(1);
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
      const hash = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
      const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
      expect(csp).toBe(`default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; img-src 'none'; base-uri 'none'; form-action 'none'`.replace(/'/g, '&#39;'));
    }
  });

  it('escapes every hostile string: no markup of theirs survives', () => {
    const html = renderHtml(inconclusive);
    expect(count(html, /<svg\b/g)).toBe(count(html, /<\/svg>/g));
    expect(count(html, /<svg\b/g)).toBe(2);
    expect(html).not.toMatch(/<(img|iframe|marquee|b|a)[\s>]/i);
    expect(tags(html).filter((t) => t.includes('pwned'))).toEqual([]);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;');
    expect(html).toContain('&lt;/svg&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;');
    expect(html).toContain('Pod/x&quot;&#39;&gt;&lt;svg onload=window.__pwned=3&gt;');
    // Class names built from outside text stay tokens.
    for (const t of tags(html)) {
      const cls = /\sclass="([^"]*)"/.exec(t)?.[1];
      if (cls !== undefined) expect(cls, t).toMatch(/^[a-z0-9_ -]*$/i);
    }
  });

  it('draws one marker per rollout event, one outage row and band per window, one row per pod and finding', () => {
    for (const report of [pass, fail, inconclusive]) {
      const html = renderHtml(report);
      expect(count(html, /<g class="event-marker tip"/g)).toBe(report.events.length);
      expect(count(html, /<tr data-outage="/g)).toBe(report.outages.length);
      expect(count(html, /<g class="outage-mark tip"/g)).toBe(report.outages.length);
      expect(count(html, /<rect class="outage-band"/g)).toBe(report.outages.length);
      expect(count(html, /<tr data-check="/g)).toBe(report.checks.length);
      expect(count(html, /<article class="card"/g)).toBe(report.diagnosis.length);
    }
    expect(count(renderHtml(fail), /<tr><td class="mono">web-/g)).toBe(fail.pods?.length);
    expect(renderHtml(fail)).toContain('id="preflight-table"');
    expect(renderHtml(pass)).not.toContain('id="preflight');
    expect(renderHtml(pass)).not.toContain('id="pods"');
  });

  it('shows the audit facts: git, machine, cluster, scenario and the digest', () => {
    const html = renderHtml(fail);
    expect(html).toContain('9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f708192a3b4 (with uncommitted changes)');
    expect(html).toContain('ci-runner-7: linux/x64, 2 CPUs, Node.js v20.20.0');
    expect(html).toContain('<dt>replicaSetAfter</dt><dd>web-6d4b9c7f8</dd>');
    expect(html).toContain('&quot;authorization&quot;: &quot;[redacted]&quot;');
    expect(html).toContain(fail.digest);
  });

  it('renders a run that recorded nothing (no intervals, phases, events or trigger)', () => {
    const zero = { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
    const empty: Report = {
      ...inconclusive,
      phases: [],
      outages: [],
      events: [],
      trigger: null,
      diagnosis: [],
      timeline: { intervalMs: 1000, points: [], p99: [] },
      latency: { overall: zero, rolloutVsBaseline: null },
      totals: { sent: 0, succeeded: 0, failed: 0, unsent: 0 },
    };
    const html = renderHtml(empty);
    expect(html).toContain('id="timeline"');
    expect(html).not.toContain('id="latency-chart"');
    expect(html).not.toMatch(/NaN|Infinity|undefined/);
    expect(html).toContain('No release command ran and no rollout was watched.');
  });

  it('stays small for a long run: at most 600 columns', () => {
    const n = 36_000;
    const points: TimelinePoint[] = Array.from({ length: n }, (_, i) => ({ tMs: i * 100, sent: 50, succeeded: i % 1000 === 0 ? 40 : 50, failed: i % 1000 === 0 ? 10 : 0, unsent: 0, failures: i % 1000 === 0 ? { reset: 10 } : {} }));
    const long: Report = { ...fail, timeline: { intervalMs: 100, points, p99: points.map((p) => ({ tMs: p.tMs, p99Ms: 5 + (p.tMs % 7) })) } };
    const html = renderHtml(long);
    expect(count(html, /<g class="col tip"/g)).toBe(MAX_TIMELINE_COLUMNS);
    expect(html.length).toBeLessThan(400_000);
  });
});

describe('downsampleTimeline', () => {
  const point = fc.record({
    sent: fc.nat({ max: 1000 }),
    unsent: fc.nat({ max: 10 }),
    failures: fc.record(Object.fromEntries(FAILURE_CLASSES.map((c) => [c, fc.nat({ max: 50 })])) as Record<(typeof FAILURE_CLASSES)[number], fc.Arbitrary<number>>),
  });

  it('sums counts, keeps the highest p99, never exceeds the column limit (property)', () => {
    fc.assert(
      fc.property(fc.array(point, { minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 700 }), fc.constantFrom(100, 250, 1000), (raw, max, intervalMs) => {
        const points: TimelinePoint[] = raw.map((r, i) => {
          const failed = FAILURE_CLASSES.reduce((s, c) => s + r.failures[c], 0);
          return { tMs: i * intervalMs, sent: r.sent + failed, succeeded: r.sent, failed, unsent: r.unsent, failures: r.failures };
        });
        const p99 = points.map((p, i) => ({ tMs: p.tMs, p99Ms: (i * 37) % 101 }));
        const ds = downsampleTimeline({ intervalMs, points, p99 }, max);
        expect(ds.columns.length).toBeLessThanOrEqual(max);
        expect(ds.columns.length).toBe(Math.ceil(points.length / ds.intervalsPerColumn));
        const sum = (xs: Array<{ sent: number; failed: number; unsent: number }>): number[] => [xs.reduce((s, x) => s + x.sent, 0), xs.reduce((s, x) => s + x.failed, 0), xs.reduce((s, x) => s + x.unsent, 0)];
        expect(sum(ds.columns)).toEqual(sum(points));
        for (const c of FAILURE_CLASSES) expect(ds.columns.reduce((s, col) => s + col.failures[c], 0)).toBe(points.reduce((s, p) => s + (p.failures[c] ?? 0), 0));
        expect(Math.max(...ds.columns.map((c) => c.p99Ms ?? -1))).toBe(Math.max(...p99.map((q) => q.p99Ms)));
        for (const col of ds.columns) {
          const inCol = p99.filter((q) => q.tMs >= col.startMs && q.tMs < col.endMs).map((q) => q.p99Ms);
          expect(col.p99Ms).toBe(Math.max(...inCol));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a short timeline as it is', () => {
    const ds = downsampleTimeline(fail.timeline);
    expect(ds.intervalsPerColumn).toBe(1);
    expect(ds.columns.map((c) => c.failed)).toEqual(fail.timeline.points.map((p) => p.failed));
  });
});
