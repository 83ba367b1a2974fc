import { describe, expect, it } from 'vitest';
import { renderConsole } from '../../../src/report/console.js';
import { figureColumns, figureRows, secondsRange } from '../../../src/report/figures-view.js';
import { renderHtml } from '../../../src/report/html.js';
import { renderMarkdown } from '../../../src/report/markdown.js';
import type { Report } from '../../../src/report/model.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

describe('figures view', () => {
  it.each([
    [0, 30_000, '0-30 s'],
    [2_500, 4_500, '2.5-4.5 s'],
    [7_000, 22_000, '7-22 s'],
  ])('names the span %i..%i ms as %s', (from, to, text) => {
    expect(secondsRange(from, to)).toBe(text);
  });

  it('counts the unsent requests of the judged window from the timeline, and the whole run from the totals', () => {
    const base = fixtureReports().inconclusive;
    // 7 more unsent before the window (a warmup): in the whole run, not in the judged window.
    const before = { ...base.timeline.points[0]!, tMs: base.window.startMs - 500, unsent: 7 };
    const r: Report = { ...base, totals: { ...base.totals, unsent: base.totals.unsent + 7 }, timeline: { ...base.timeline, points: [before, ...base.timeline.points.filter((p) => p.tMs !== before.tMs)] } };
    const inWindow = r.timeline.points.filter((p) => p.tMs >= r.window.startMs && p.tMs < r.window.endMs).reduce((s, p) => s + p.unsent, 0);
    expect(inWindow).toBeGreaterThan(0);
    expect(r.totals.unsent).toBe(inWindow + 7);
    const [judged, whole] = figureRows(r);
    const col = (id: string): number => figureColumns(r).findIndex((c) => c.id === id);
    expect(judged!.cells[col('unsent')]).toBe(inWindow.toLocaleString('en-US'));
    expect(judged!.cells[col('sent')]).toBe(r.window.sent.toLocaleString('en-US'));
    expect(whole!.cells[col('unsent')]).toBe(r.totals.unsent.toLocaleString('en-US'));
    expect(whole!.cells[col('budget')]).toBe('');
  });

  it('reads a failure rate of 0 for a run that sent nothing', () => {
    const r = fixtureReports().pass;
    const empty: Report = { ...r, totals: { ...r.totals, sent: 0, succeeded: 0, failed: 0 } };
    const whole = figureRows(empty)[1]!;
    expect(whole.cells[figureColumns(empty).findIndex((c) => c.id === 'failure-rate')]).toBe('0%');
  });

  it('every renderer shows the same labels and cells', () => {
    const r = fixtureReports().fail;
    const text = renderConsole(r, { width: 200 });
    const md = renderMarkdown(r);
    const html = renderHtml(r);
    for (const row of figureRows(r)) {
      expect(text).toContain(row.label);
      expect(md).toContain(`| ${row.label} | ${row.cells[0]} |`);
      expect(html).toContain(`<tr data-row="${row.id}"><th scope="row">${row.label}</th>`);
    }
  });
});
