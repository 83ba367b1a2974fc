import { formatCount, formatRate, formatSeconds } from '../text/format.js';
import type { Report } from './model.js';

/**
 * The request figures of a report (the judged window, then the whole run) as table cells, shared
 * by the console, Markdown and HTML renderers so that the three always read the same numbers.
 */
export interface FigureRow {
  /** Stable id (the HTML renderer's data-row). */
  id: 'judged' | 'whole-run';
  label: string;
  /** One cell per figureColumns() entry. */
  cells: string[];
}

/** Column ids (the HTML renderer's data-col) and headings; every column holds a number. */
export function figureColumns(report: Report): Array<{ id: string; heading: string }> {
  return [
    { id: 'sent', heading: 'sent' },
    { id: 'succeeded', heading: 'succeeded' },
    { id: 'failed', heading: 'failed' },
    { id: 'unsent', heading: 'unsent' },
    { id: 'failure-rate', heading: 'failure rate' },
    { id: 'upper-bound', heading: `upper bound (${formatRate(report.budget.confidence)})` },
    { id: 'budget', heading: 'budget' },
  ];
}

export function figureRows(report: Report): FigureRow[] {
  const b = report.budget;
  const w = report.window;
  const t = report.totals;
  // The window's unsent requests are not in report.window: sum them from the timeline.
  const windowUnsent = report.timeline.points.filter((p) => p.tMs >= w.startMs && p.tMs < w.endMs).reduce((s, p) => s + p.unsent, 0);
  return [
    {
      id: 'judged',
      label: `judged (${secondsRange(w.startMs, w.endMs)})`,
      cells: [formatCount(w.sent), formatCount(w.succeeded), formatCount(w.failed), formatCount(windowUnsent), formatRate(b.observedFailureRate), formatRate(b.upperBound), formatRate(b.maxFailureRate)],
    },
    {
      id: 'whole-run',
      label: 'whole run',
      cells: [formatCount(t.sent), formatCount(t.succeeded), formatCount(t.failed), formatCount(t.unsent), formatRate(t.sent === 0 ? 0 : t.failed / t.sent), '', ''],
    },
  ];
}

/** A span of the run as `12.5-40 s` (the unit once). */
export function secondsRange(startMs: number, endMs: number): string {
  return `${formatSeconds(startMs).replace(/ s$/, '')}-${formatSeconds(endMs)}`;
}
