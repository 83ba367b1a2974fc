/**
 * The latency distribution as inline SVG: one line per phase (and the whole run, dashed) through
 * its p50, p90, p99, p99.9 and max, on a logarithmic latency axis, so the tail of the rollout
 * stands out against the baseline's.
 */
import type { LatencySummary } from '../../metrics/run-data.js';
import { formatLatency } from '../../text/format.js';
import type { Report } from '../model.js';
import { escapeHtml } from './escape-html.js';
import { n2 } from './svg-math.js';

/** The percentiles drawn, in order, with their labels. */
export const PERCENTILES: ReadonlyArray<{ label: string; key: keyof LatencySummary }> = [
  { label: 'p50', key: 'p50Ms' },
  { label: 'p90', key: 'p90Ms' },
  { label: 'p99', key: 'p99Ms' },
  { label: 'p99.9', key: 'p999Ms' },
  { label: 'max', key: 'maxMs' },
];

/** One line of the chart: a phase (series class s0..s7 by position) or the whole run. */
export interface LatencySeries {
  name: string;
  cls: string;
  latency: LatencySummary;
}

/** The series drawn for a report: phases that had requests, then the whole run. */
export function latencySeries(report: Report): LatencySeries[] {
  const out: LatencySeries[] = [];
  report.phases.forEach((p, i) => {
    if (p.latency.count > 0) out.push({ name: p.name, cls: `s${i % 8}`, latency: p.latency });
  });
  if (report.latency.overall.count > 0) out.push({ name: 'whole run', cls: 's-all', latency: report.latency.overall });
  return out;
}

const W = 640;
const H = 300;
const LEFT = 60;
const RIGHT = 20;
const TOP = 14;
const BOTTOM = 36;
const PLOT_W = W - LEFT - RIGHT;
const PLOT_H = H - TOP - BOTTOM;

/** Renders the percentile chart as an inline <svg>, or '' when no phase has latency. */
export function renderLatencySvg(report: Report): string {
  const series = latencySeries(report);
  const values = series.flatMap((s) => PERCENTILES.map((p) => s.latency[p.key])).filter((v) => Number.isFinite(v) && v > 0);
  if (series.length === 0 || values.length === 0) return '';
  // Log axis from a 1-2-5 value at or below the smallest to one at or above the largest.
  const lo = niceLog(Math.min(...values), 'down');
  let hi = niceLog(Math.max(...values), 'up');
  if (hi <= lo) hi = lo * 10;
  const y = (v: number): number => TOP + PLOT_H - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PLOT_H;
  const x = (i: number): number => LEFT + (PERCENTILES.length === 1 ? PLOT_W / 2 : (i / (PERCENTILES.length - 1)) * PLOT_W);

  const out: string[] = [];
  out.push(`<svg id="latency-chart" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="latency-title" xmlns="http://www.w3.org/2000/svg">`);
  out.push('<title id="latency-title">Latency percentiles by phase (logarithmic scale)</title>');
  out.push('<g class="axes">');
  for (const v of logTicks(lo, hi)) {
    out.push(`<line class="grid" x1="${LEFT}" x2="${W - RIGHT}" y1="${n2(y(v))}" y2="${n2(y(v))}"/>`);
    out.push(`<text class="tick" x="${LEFT - 6}" y="${n2(y(v) + 3.5)}" text-anchor="end">${escapeHtml(tickLabel(v))}</text>`);
  }
  PERCENTILES.forEach((p, i) => {
    out.push(`<line class="grid" x1="${n2(x(i))}" x2="${n2(x(i))}" y1="${TOP}" y2="${TOP + PLOT_H}"/>`);
    out.push(`<text class="tick" x="${n2(x(i))}" y="${TOP + PLOT_H + 16}" text-anchor="middle">${p.label}</text>`);
  });
  out.push(`<text class="axis-title" transform="translate(14 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">latency (ms)</text>`);
  out.push('</g>');
  for (const s of series) {
    const pts = PERCENTILES.map((p, i) => ({ x: x(i), y: y(s.latency[p.key]), label: p.label, v: s.latency[p.key] }));
    out.push(`<g class="series ${s.cls}">`);
    out.push(`<path class="series-line" d="${pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${n2(p.x)} ${n2(p.y)}`).join(' ')}"/>`);
    for (const p of pts) {
      out.push(`<circle class="series-dot tip" cx="${n2(p.x)}" cy="${n2(p.y)}" r="3.5"><title>${escapeHtml(`${s.name} ${p.label}: ${formatLatency(p.v)}`)}</title></circle>`);
    }
    out.push('</g>');
  }
  out.push('</svg>');
  return out.join('\n');
}

const MANTISSAS = [1, 2, 5] as const;

function niceLog(v: number, dir: 'up' | 'down'): number {
  const mag = 10 ** Math.floor(Math.log10(v));
  if (dir === 'down') {
    for (const m of [5, 2, 1]) if (m * mag <= v * (1 + 1e-9)) return m * mag;
    return mag;
  }
  for (const m of [1, 2, 5, 10]) if (m * mag >= v * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let mag = 10 ** Math.floor(Math.log10(lo)); mag <= hi; mag *= 10) {
    for (const m of MANTISSAS) {
      const v = m * mag;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

function tickLabel(v: number): string {
  if (v >= 1000) return `${Math.round(v / 100) / 10} s`;
  return String(Number(v.toPrecision(3)));
}
