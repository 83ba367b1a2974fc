import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../../src/report/model.js';
import type { CaseResult, CaseVerdict, SweepResult } from '../../../src/sweep/model.js';
import { renderSweepHtml } from '../../../src/sweep/render-html.js';
import { renderSweepConsole, renderSweepMarkdown } from '../../../src/sweep/render.js';
import { caseVerdict, recommend, repeatOf, sortCases, spreadOf, summarize, worstRepeatIndex } from '../../../src/sweep/summarize.js';

const fixture = (name: string): Report => JSON.parse(readFileSync(new URL(`../../fixtures/reports/${name}.report.json`, import.meta.url), 'utf8')) as Report;

/** A report with the figures a sweep reads, on top of a real fixture. */
function report(verdict: Report['verdict'], failed: number, sent: number, rolloutMs: number, aborted = false): Report {
  const r = structuredClone(fixture(verdict === 'pass' ? 'pass' : verdict === 'fail' ? 'fail' : 'inconclusive'));
  r.verdict = verdict;
  r.aborted = aborted;
  r.window = { ...r.window, sent, failed, succeeded: sent - failed };
  r.budget = { ...r.budget, observedFailureRate: sent === 0 ? 0 : failed / sent };
  r.failures = { http_5xx: 0, http_4xx: 0, timeout: 0, refused: failed, reset: 0, other: 0 };
  r.phases = [{ ...(r.phases[0] as Report['phases'][number]), name: 'rollout', startMs: 1000, endMs: 1000 + rolloutMs }];
  return r;
}

function caseOf(n: number, label: string, reports: Report[], wanted: number, override?: CaseVerdict): CaseResult {
  const repeats = reports.map((r, i) => repeatOf(r, i + 1));
  const worst = worstRepeatIndex(repeats);
  return {
    n,
    settings: Object.fromEntries(label.split(' ').map((kv) => kv.split('=') as [string, string])),
    paths: {},
    label,
    slug: label.replace(/[^A-Za-z0-9]+/g, '-'),
    verdict: override ?? caseVerdict(wanted, repeats),
    reasons: override === 'invalid' ? ['maxSurge 0 and maxUnavailable 0 both resolve to 0 with 2 replicas: the rollout could not make progress'] : [],
    summary: summarize(repeats, reports),
    repeats,
    report: worst < 0 ? null : (reports[worst] ?? null),
  };
}

describe('spread and verdicts', () => {
  it('min / median / max', () => {
    expect(spreadOf([])).toBeNull();
    expect(spreadOf([3])).toEqual({ min: 3, median: 3, max: 3 });
    expect(spreadOf([5, 1, 3])).toEqual({ min: 1, median: 3, max: 5 });
    expect(spreadOf([4, 1, 3, 2])).toEqual({ min: 1, median: 2.5, max: 4 });
  });

  it.each<[string, Array<[Report['verdict'], boolean]>, number, CaseVerdict]>([
    ['every repeat passed', [['pass', false], ['pass', false]], 2, 'pass'],
    ['one failed', [['pass', false], ['fail', false]], 2, 'fail'],
    ['one inconclusive', [['pass', false], ['inconclusive', false]], 2, 'inconclusive'],
    ['interrupted before the last repeat', [['pass', false]], 2, 'incomplete'],
    ['the last repeat was interrupted', [['pass', false], ['inconclusive', true]], 2, 'incomplete'],
    ['a fail stays a fail when interrupted later', [['fail', false], ['inconclusive', true]], 3, 'fail'],
    ['nothing ran', [], 1, 'not-run'],
  ])('%s', (_name, runs, wanted, verdict) => {
    const repeats = runs.map(([v, aborted], i) => repeatOf(report(v, v === 'fail' ? 10 : 0, 1000, 3000, aborted), i + 1));
    expect(caseVerdict(wanted, repeats)).toBe(verdict);
  });

  it('the worst repeat stands for the case; interrupted repeats only when nothing else ran', () => {
    const reps = [report('pass', 0, 1000, 3000), report('fail', 5, 1000, 2000), report('fail', 5, 1000, 4000), report('fail', 50, 100, 100, true)].map((r, i) => repeatOf(r, i + 1));
    expect(worstRepeatIndex(reps)).toBe(2);
  });
});

describe('sorting and the recommendation', () => {
  const cases = [
    caseOf(1, 'maxSurge=0 maxUnavailable=1', [report('fail', 40, 4000, 3000), report('fail', 30, 4000, 3100)], 2),
    caseOf(2, 'maxSurge=1 maxUnavailable=0', [report('pass', 0, 4000, 6000), report('pass', 0, 4000, 6400)], 2),
    caseOf(3, 'maxSurge=25% maxUnavailable=0', [report('pass', 0, 4000, 5000), report('pass', 0, 4000, 5200)], 2),
    caseOf(4, 'maxSurge=0 maxUnavailable=0', [], 2, 'invalid'),
    caseOf(5, 'maxSurge=1 maxUnavailable=1', [report('pass', 0, 4000, 4000), report('inconclusive', 0, 900, 3900)], 2),
  ];

  it('sorts by verdict, then median rollout duration', () => {
    expect(sortCases(cases).map((c) => c.n)).toEqual([3, 2, 5, 1, 4]);
  });

  it('recommends the fastest setting that passed every repeat', () => {
    const rec = recommend(sortCases(cases), 2);
    expect(rec.case).toBe(3);
    expect(rec.message).toMatch(/^use maxSurge=25% maxUnavailable=0: the fastest setting that passed all 2 repeats \(rollout 5\.1 s median, 0 of 8,000 requests failed\); 1 other setting passed too/);
  });

  it('says when none passed, with the lowest failure rate seen', () => {
    const failing = [cases[0] as CaseResult, cases[3] as CaseResult];
    const rec = recommend(sortCases(failing), 2);
    expect(rec.case).toBeNull();
    expect(rec.message).toMatch(/^no setting passed every repeat; the lowest failure rate was 1% with maxSurge=0 maxUnavailable=1/);
  });

  it('names a setting that failed nothing but could not be judged, with why', () => {
    const unsure = { ...caseOf(6, 'preStopSeconds=3', [report('inconclusive', 0, 900, 3000)], 1), reasons: ['50 scheduled requests could not be sent on time'] };
    const rec = recommend(sortCases([caseOf(1, 'preStopSeconds=0', [report('fail', 40, 4000, 3000)], 1), unsure]), 1);
    expect(rec.case).toBeNull();
    expect(rec.message).toBe('no setting passed its run; preStopSeconds=3 failed no request but was inconclusive: 50 scheduled requests could not be sent on time');
  });
});

function sweepOf(cases: CaseResult[], repeat: number, name = 'demo'): SweepResult {
  const sorted = sortCases(cases);
  return {
    schemaVersion: 1,
    kind: 'zerodrop-sweep',
    name,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:05:00.000Z',
    aborted: false,
    deployment: 'web',
    namespace: 'default',
    repeat,
    budget: { maxFailureRate: 0.001, confidence: 0.95 },
    vary: [],
    fixed: { replicas: 2 },
    recommendation: recommend(sorted, repeat),
    restore: { status: 'restored', message: 'ok' },
    cases: sorted,
    meta: { tool: { name: 'zerodrop', version: '0.0.0' }, commandLine: ['zerodrop', 'sweep'], target: 'http://10.0.0.1/' },
  };
}

describe('rendering', () => {
  const result = sweepOf(
    [
      caseOf(1, 'preStopSeconds=0', [report('fail', 12, 3000, 3200), report('fail', 8, 3000, 3300), report('fail', 20, 3000, 3100)], 3),
      caseOf(2, 'preStopSeconds=3', [report('pass', 0, 4000, 3400), report('pass', 0, 4000, 3600), report('pass', 0, 4000, 3500)], 3),
      caseOf(3, 'maxSurge=0 maxUnavailable=0', [], 3, 'invalid'),
    ],
    3,
  );

  it('console: the table in sweep order with spreads, the skipped case and the recommendation', () => {
    const text = renderSweepConsole(result);
    const lines = text.split('\n');
    expect(lines[0]).toBe('sweep of deployment/web (demo): 2 settings x 3 repeats, 1 invalid skipped, budget 0.1%; every case with replicas=2');
    const rows = lines.filter((l) => /^│\s+\d/.test(l));
    expect(rows[0]).toMatch(/│ 2 │ preStopSeconds=3\s+│ pass 3\/3 passed\s+│\s+0 \/ 12,000 │\s+0% │ 3\.5 s \(3\.4 s-3\.6 s\) │ none/);
    expect(rows[1]).toMatch(/│ 1 │ preStopSeconds=0\s+│ fail 0\/3 passed\s+│\s+40 \/ 9,000 │ 0\.4% \(0\.267%-0\.667%\) │ 3\.2 s \(3\.1 s-3\.3 s\) │ refused 40/);
    expect(rows[2]).toMatch(/│ 3 │ maxSurge=0 maxUnavailable=0 │ invalid \(skipped\)/);
    expect(text).toMatch(/#3 maxSurge=0 maxUnavailable=0: skipped: maxSurge 0 and maxUnavailable 0 both resolve to 0/);
    expect(text).toMatch(/recommendation: use preStopSeconds=3: the fastest setting that passed all 3 repeats/);
    expect(text).not.toMatch(/\u001b\[/);
  });

  it('Markdown: a GitHub table, outside text escaped', () => {
    const md = renderSweepMarkdown(sweepOf([caseOf(1, 'image=<b>|x', [report('pass', 0, 4000, 3000)], 1)], 1, 'a|b'));
    expect(md).toContain('## zerodrop sweep: a\\|b');
    expect(md).toContain('| \\# | settings | verdict | failed / sent | failure rate | rollout | failures |\n| ---: | --- | --- | ---: | ---: | ---: | --- |');
    expect(md).toMatch(/\| 1 \| image=\\<b\\>\\\|x \| \*\*pass\*\* \| 0 \/ 4,000 \| 0% \| 3 s \| none \|/);
    expect(md).toMatch(/\*\*Recommendation:\*\* use image=\\<b\\>\\\|x/);
  });

  it('HTML: self-contained with a CSP, a chart per measured case, and every outside text escaped', () => {
    const hostile = sweepOf([caseOf(1, 'image=</svg><script>alert(1)</script>', [report('pass', 0, 4000, 3000)], 1), caseOf(2, 'replicas=0', [], 1, 'invalid')], 1, '<img src=x onerror=alert(1)>');
    const html = renderSweepHtml(hostile);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Content-Security-Policy" content="default-src &#39;none&#39;');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;/svg&gt;&lt;script&gt;');
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect((html.match(/<svg /g) ?? []).length).toBe(1);
    // one bar pair per measured case: the invalid one has none
    expect((html.match(/<rect /g) ?? []).length).toBe(2);
    const page = renderSweepHtml(result);
    expect(page).toContain('failure rate (budget 0.1%)');
    expect(page).toContain('rollout duration');
    expect((page.match(/<rect /g) ?? []).length).toBe(4);
    expect(page).toContain('class="v-pass"');
  });
});
