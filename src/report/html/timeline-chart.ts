/**
 * The timeline as inline SVG: requests per column stacked as succeeded + each failure class, a
 * failures-only strip under it (failures are often a sliver of the traffic), p99 latency as a line
 * on a second axis, phases shaded, outage windows banded and numbered, the release command as a
 * bar, and rollout events as markers whose <title> the hover script turns into a tooltip.
 */
import { FAILURE_CLASSES, emptyFailureCounts, type FailureClass } from '../../metrics/outcome.js';
import { formatCount, formatLatency, formatSeconds } from '../../text/format.js';
import type { Report } from '../model.js';
import { escapeHtml } from './escape-html.js';
import { layoutLabels } from './label-layout.js';
import { n2, niceMax, shortCount, timeLabel, timeStep } from './svg-math.js';

/** At most this many columns: longer runs are summed into wider columns so the chart stays readable. */
export const MAX_TIMELINE_COLUMNS = 600;

/** One drawn column: one or more timeline intervals summed, the highest p99 among them. */
export interface TimelineColumn {
  startMs: number;
  endMs: number;
  sent: number;
  succeeded: number;
  failed: number;
  unsent: number;
  failures: Record<FailureClass, number>;
  /** Highest p99 of the latency intervals in the column; null when none had requests. */
  p99Ms: number | null;
}

/** The downsampled timeline: columns of `columnMs` each (gaps in the input stay gaps). */
export interface DownsampledTimeline {
  columnMs: number;
  /** Intervals summed into one column. */
  intervalsPerColumn: number;
  columns: TimelineColumn[];
}

/**
 * Sums the timeline's intervals into at most `maxColumns` columns (counts summed, p99 the maximum),
 * grouping by time so a column always spans the same length.
 */
export function downsampleTimeline(timeline: Report['timeline'], maxColumns = MAX_TIMELINE_COLUMNS): DownsampledTimeline {
  const intervalMs = timeline.intervalMs > 0 ? timeline.intervalMs : 1000;
  const points = timeline.points;
  const first = points[0];
  if (first === undefined) return { columnMs: intervalMs, intervalsPerColumn: 1, columns: [] };
  // Loops, not Math.min(...spread): a long run has more points than a call may take arguments.
  let t0 = first.tMs;
  let tEnd = first.tMs;
  for (const p of points) {
    t0 = Math.min(t0, p.tMs);
    tEnd = Math.max(tEnd, p.tMs);
  }
  const span = Math.round((tEnd - t0) / intervalMs) + 1;
  const per = Math.max(1, Math.ceil(span / Math.max(1, maxColumns)));
  const columnMs = per * intervalMs;
  const byIndex = new Map<number, TimelineColumn>();
  const columnAt = (tMs: number): TimelineColumn => {
    const i = Math.floor((tMs - t0) / columnMs);
    let col = byIndex.get(i);
    if (col === undefined) {
      col = { startMs: t0 + i * columnMs, endMs: t0 + (i + 1) * columnMs, sent: 0, succeeded: 0, failed: 0, unsent: 0, failures: emptyFailureCounts(), p99Ms: null };
      byIndex.set(i, col);
    }
    return col;
  };
  for (const p of points) {
    const col = columnAt(p.tMs);
    col.sent += p.sent;
    col.succeeded += p.succeeded;
    col.failed += p.failed;
    col.unsent += p.unsent;
    for (const c of FAILURE_CLASSES) col.failures[c] += p.failures[c] ?? 0;
  }
  for (const q of timeline.p99) {
    const i = Math.floor((q.tMs - t0) / columnMs);
    const col = byIndex.get(i);
    if (col === undefined || !Number.isFinite(q.p99Ms)) continue;
    col.p99Ms = col.p99Ms === null ? q.p99Ms : Math.max(col.p99Ms, q.p99Ms);
  }
  const columns = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  // The last column ends where the data ends, not at a whole column.
  const lastCol = columns[columns.length - 1];
  if (lastCol !== undefined) lastCol.endMs = Math.min(lastCol.endMs, tEnd + intervalMs);
  return { columnMs, intervalsPerColumn: per, columns };
}

// Geometry of the SVG (viewBox units; the SVG scales to the page width).
const W = 1000;
const LEFT = 64;
const RIGHT = 64;
const PLOT_W = W - LEFT - RIGHT;
const PHASE_Y = 12;
const EVENT_Y = 25;
/** The release command's bar; its labels take up to two rows above it, under the event lane. */
const TRIGGER_Y = 60;
/** A row of 10.5px text with its descent and a little air (a browser's line box is about 11.5). */
const TRIGGER_ROW_H = 13;
const TRIGGER_ROWS = 2;
/** Average width of a character of a trigger label (10.5px text is about 4.5), generous so estimates err wide. */
const TRIGGER_CHAR_W = 6;
const MAIN_TOP = 70;
const MAIN_H = 200;
const FAIL_TOP = MAIN_TOP + MAIN_H + 16;
const FAIL_H = 64;
const BOTTOM = FAIL_TOP + FAIL_H;
const H = BOTTOM + 28;

/** Renders the timeline chart of a report as an inline <svg> element (with the data as text in <title>s). */
export function renderTimelineSvg(report: Report): string {
  const ds = downsampleTimeline(report.timeline);
  const cols = ds.columns;
  const xMin = Math.min(0, ...cols.map((c) => c.startMs));
  const ends = [
    ...cols.map((c) => c.endMs),
    ...report.phases.map((p) => p.endMs),
    ...report.events.map((e) => e.tMs),
    ...report.outages.map((o) => o.endMs),
    ...(report.trigger === null ? [] : [report.trigger.endMs]),
  ].filter((v) => Number.isFinite(v));
  const xMax = ends.reduce((m, v) => Math.max(m, v), xMin + 1000);
  const x = (tMs: number): number => LEFT + ((Math.min(xMax, Math.max(xMin, tMs)) - xMin) / (xMax - xMin)) * PLOT_W;

  const mainScale = niceMax(Math.max(0, ...cols.map((c) => c.sent + c.unsent)));
  const failScale = niceMax(Math.max(0, ...cols.map((c) => c.failed)), 2);
  const p99Values = cols.map((c) => c.p99Ms).filter((v): v is number => v !== null);
  const p99Scale = niceMax(Math.max(0, ...p99Values));
  const yMain = (v: number): number => MAIN_TOP + MAIN_H - (v / mainScale.max) * MAIN_H;
  const yFail = (v: number): number => FAIL_TOP + FAIL_H - (v / failScale.max) * FAIL_H;
  const yP99 = (v: number): number => MAIN_TOP + MAIN_H - (v / p99Scale.max) * MAIN_H;

  const out: string[] = [];
  const desc = `${formatCount(report.totals.sent)} requests over ${formatSeconds(xMax - xMin)}, ${formatCount(report.totals.failed)} failed, in ${report.outages.length} outage window${report.outages.length === 1 ? '' : 's'}; ${report.events.length} rollout event${report.events.length === 1 ? '' : 's'}. One column per ${formatSeconds(ds.columnMs)}.`;
  out.push(`<svg id="timeline" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">`);
  out.push('<title id="timeline-title">Requests, failures and p99 latency over the run</title>');
  out.push(`<desc id="timeline-desc">${escapeHtml(desc)}</desc>`);

  // Phases: shaded bands with their names.
  out.push('<g class="phases">');
  report.phases.forEach((p, i) => {
    const x0 = x(p.startMs);
    const w = Math.max(0, x(p.endMs) - x0);
    out.push(`<rect class="phase phase-${i % 2}" x="${n2(x0)}" y="0" width="${n2(w)}" height="${BOTTOM}"/>`);
    // A label only where it fits (about 6 units a character); the table below lists every phase.
    if (w >= p.name.length * 6 + 4) out.push(`<text class="phase-label" x="${n2(x0 + w / 2)}" y="${PHASE_Y}" text-anchor="middle">${escapeHtml(p.name)}</text>`);
  });
  out.push('</g>');

  // Gridlines and axes.
  out.push('<g class="axes">');
  for (let v = 0; v <= mainScale.max + 1e-9; v += mainScale.step) {
    out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n2(yMain(v))}" y2="${n2(yMain(v))}"/>`);
    out.push(`<text class="tick" x="${LEFT - 6}" y="${n2(yMain(v) + 3.5)}" text-anchor="end">${shortCount(v)}</text>`);
  }
  if (p99Values.length > 0) {
    for (let v = 0; v <= p99Scale.max + 1e-9; v += p99Scale.step) {
      out.push(`<text class="tick tick-p99" x="${W - RIGHT + 6}" y="${n2(yP99(v) + 3.5)}">${shortCount(v)}</text>`);
    }
    out.push(`<text class="axis-title" transform="translate(${W - 12} ${MAIN_TOP + MAIN_H / 2}) rotate(90)" text-anchor="middle">p99 latency (ms)</text>`);
  }
  for (const v of [0, failScale.max]) {
    out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n2(yFail(v))}" y2="${n2(yFail(v))}"/>`);
    out.push(`<text class="tick" x="${LEFT - 6}" y="${n2(yFail(v) + 3.5)}" text-anchor="end">${shortCount(v)}</text>`);
  }
  out.push(`<text class="axis-title" transform="translate(14 ${MAIN_TOP + MAIN_H / 2}) rotate(-90)" text-anchor="middle">requests per ${escapeHtml(formatSeconds(ds.columnMs))}</text>`);
  out.push(`<text class="axis-title" transform="translate(14 ${FAIL_TOP + FAIL_H / 2}) rotate(-90)" text-anchor="middle">failed</text>`);
  const step = timeStep(xMax - xMin, 12);
  for (let t = Math.ceil(xMin / step) * step; t <= xMax + 1e-9; t += step) {
    out.push(`<line class="tick-mark" x1="${n2(x(t))}" x2="${n2(x(t))}" y1="${BOTTOM}" y2="${BOTTOM + 4}"/>`);
    out.push(`<text class="tick" x="${n2(x(t))}" y="${BOTTOM + 16}" text-anchor="middle">${timeLabel(t)}</text>`);
  }
  out.push(`<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${MAIN_TOP + MAIN_H}" y2="${MAIN_TOP + MAIN_H}"/>`);
  out.push(`<line class="axis" x1="${LEFT}" x2="${W - RIGHT}" y1="${BOTTOM}" y2="${BOTTOM}"/>`);
  out.push('</g>');

  // Outage windows: bands across both panes under the columns (they show where bars are short);
  // a numbered badge and a bar along the top are drawn over everything later.
  out.push('<g class="outage-bands">');
  for (const o of report.outages) {
    const x0 = x(o.startMs);
    out.push(`<rect class="outage-band" x="${n2(x0)}" y="${MAIN_TOP}" width="${n2(Math.max(1.5, x(o.endMs) - x0))}" height="${BOTTOM - MAIN_TOP}"/>`);
  }
  out.push('</g>');

  // Columns: one group each, so hovering anywhere in a column shows its figures.
  out.push('<g class="columns">');
  for (const c of cols) {
    const x0 = x(c.startMs);
    const full = Math.max(0.5, x(c.endMs) - x0);
    const w = full > 4 ? full - 1 : full;
    const classes = FAILURE_CLASSES.filter((k) => c.failures[k] > 0).map((k) => `${k} ${formatCount(c.failures[k])}`);
    const tip = `${formatSeconds(c.startMs)} to ${formatSeconds(c.endMs)}: ${formatCount(c.sent)} sent, ${formatCount(c.succeeded)} succeeded, ${formatCount(c.failed)} failed${classes.length > 0 ? ` (${classes.join(', ')})` : ''}${c.unsent > 0 ? `, ${formatCount(c.unsent)} unsent` : ''}${c.p99Ms === null ? '' : `, p99 ${formatLatency(c.p99Ms)}`}`;
    out.push(`<g class="col tip"><title>${escapeHtml(tip)}</title>`);
    out.push(`<rect class="hit" x="${n2(x0)}" y="${MAIN_TOP}" width="${n2(full)}" height="${BOTTOM - MAIN_TOP}"/>`);
    let base = 0;
    const stack = (cls: string, v: number): void => {
      if (v <= 0) return;
      out.push(`<rect class="${cls}" x="${n2(x0)}" y="${n2(yMain(base + v))}" width="${n2(w)}" height="${n2(yMain(base) - yMain(base + v))}"/>`);
      base += v;
    };
    stack('ok', c.succeeded);
    for (const k of FAILURE_CLASSES) stack(`f-${k}`, c.failures[k]);
    stack('unsent', c.unsent);
    let fbase = 0;
    for (const k of FAILURE_CLASSES) {
      const v = c.failures[k];
      if (v <= 0) continue;
      // At least two units tall: a single failed request must be visible in a long run.
      const h = Math.max(2, yFail(fbase) - yFail(fbase + v));
      out.push(`<rect class="f-${k}" x="${n2(x0)}" y="${n2(yFail(fbase) - h)}" width="${n2(w)}" height="${n2(h)}"/>`);
      fbase += v;
    }
    out.push('</g>');
  }
  out.push('</g>');

  // p99 line over column centres, broken where a column had no latency.
  if (p99Values.length > 0) {
    const segs: string[] = [];
    let pen = false;
    for (const c of cols) {
      if (c.p99Ms === null) {
        pen = false;
        continue;
      }
      segs.push(`${pen ? 'L' : 'M'}${n2(x((c.startMs + c.endMs) / 2))} ${n2(yP99(c.p99Ms))}`);
      pen = true;
    }
    out.push(`<path class="p99-line" d="${segs.join(' ')}"/>`);
  }

  // Outage windows, numbered as in the table: a red bar along the top of the plot and a badge.
  out.push('<g class="outages">');
  report.outages.forEach((o, i) => {
    const x0 = x(o.startMs);
    const w = Math.max(1.5, x(o.endMs) - x0);
    const what = `outage ${i + 1}: ${formatSeconds(o.startMs)} to ${formatSeconds(o.endMs)}, ${formatCount(o.failed)} of ${formatCount(o.sent)} failed`;
    out.push(`<g class="outage-mark tip" tabindex="0" data-outage="${i + 1}"><title>${escapeHtml(what)}</title>`);
    out.push(`<rect class="outage-top" x="${n2(x0)}" y="${MAIN_TOP - 3}" width="${n2(w)}" height="3"/>`);
    out.push(`<circle class="outage-badge" cx="${n2(x0 + w / 2)}" cy="${MAIN_TOP + 9}" r="7"/>`);
    out.push(`<text class="outage-label" x="${n2(x0 + w / 2)}" y="${MAIN_TOP + 12.5}" text-anchor="middle">${i + 1}</text></g>`);
  });
  out.push('</g>');

  // The release command: a bar from start to end, and dotted lines down through the plot.
  const tr = report.trigger;
  if (tr !== null) {
    const xs = x(tr.startMs);
    const xe = x(tr.endMs);
    const how = tr.signal !== null ? `stopped by ${tr.signal}` : tr.exitCode === null ? 'did not finish' : `exit ${tr.exitCode}`;
    const tip = `release command from ${formatSeconds(tr.startMs)} to ${formatSeconds(tr.endMs)} (${how}): ${tr.command}`;
    out.push(`<g class="trigger tip" tabindex="0"><title>${escapeHtml(tip)}</title>`);
    out.push(`<line class="trigger-line" x1="${n2(xs)}" x2="${n2(xs)}" y1="${TRIGGER_Y}" y2="${BOTTOM}"/>`);
    out.push(`<line class="trigger-line" x1="${n2(xe)}" x2="${n2(xe)}" y1="${TRIGGER_Y}" y2="${BOTTOM}"/>`);
    out.push(`<line class="trigger-bar" x1="${n2(xs)}" x2="${n2(Math.max(xe, xs + 1))}" y1="${TRIGGER_Y}" y2="${TRIGGER_Y}"/>`);
    // However short the command, its labels never overlap: the second takes the row above, or the
    // other side of its line (layoutLabels); one that fits nowhere is left to the tooltip.
    const labels = layoutLabels(
      [
        { id: 'start', text: 'release start', x: xs, align: 'start' },
        { id: 'end', text: 'end', x: xe, align: 'end' },
      ],
      { minX: LEFT, maxX: W - RIGHT, rows: TRIGGER_ROWS, charWidth: TRIGGER_CHAR_W, gap: 3, spacing: 2 * TRIGGER_CHAR_W },
    );
    for (const l of labels.placed) {
      const anchor = l.anchor === 'start' ? '' : ` text-anchor="${l.anchor}"`;
      out.push(`<text class="trigger-label" data-label="${l.id}" x="${n2(l.textX)}" y="${TRIGGER_Y - 4 - l.row * TRIGGER_ROW_H}"${anchor}>${escapeHtml(l.text)}</text>`);
    }
    out.push('</g>');
  }

  // Rollout events: a diamond in the lane and a thin line down, each its own hover target.
  out.push('<g class="events">');
  for (const e of report.events) {
    const ex = x(e.tMs);
    const tip = `${formatSeconds(e.tMs)} ${e.type} ${e.object}${e.message === undefined || e.message === '' ? '' : `: ${e.message}`}`;
    out.push(`<g class="event-marker tip" tabindex="0" data-t-ms="${n2(e.tMs)}"><title>${escapeHtml(tip)}</title>`);
    out.push(`<line class="event-line" x1="${n2(ex)}" x2="${n2(ex)}" y1="${EVENT_Y}" y2="${BOTTOM}"/>`);
    out.push(`<line class="event-hit" x1="${n2(ex)}" x2="${n2(ex)}" y1="${EVENT_Y - 6}" y2="${BOTTOM}"/>`);
    out.push(`<path class="event-diamond ev-${eventKind(e.type)}" d="M${n2(ex)} ${EVENT_Y - 5}l5 5l-5 5l-5 -5z"/></g>`);
  }
  out.push('</g>');

  out.push('</svg>');
  return out.join('\n');
}

/** A colour family for an event type: pods going away, pods arriving, anything else. */
export function eventKind(type: string): 'stop' | 'start' | 'other' {
  if (/terminat|delet|kill|evict|unready|notready|fail|crash|backoff|removed/i.test(type)) return 'stop';
  if (/creat|ready|start|add|scheduled|scaled/i.test(type)) return 'start';
  return 'other';
}
