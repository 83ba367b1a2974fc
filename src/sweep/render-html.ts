/**
 * sweep.html: one self-contained page (no script, no network, inline CSS): the recommendation, a
 * chart of failure rate and rollout duration per case (inline SVG, bars at the median, whiskers from
 * min to max across repeats, the budget as a line), then the comparison table. All outside text is
 * escaped.
 */
import { formatRate, formatSeconds } from '../text/format.js';
import { escapeHtml as esc } from '../report/html/escape-html.js';
import type { CaseResult, SweepResult } from './model.js';
import { headline, noteLines, SWEEP_COLUMNS, tableRows } from './render.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}
.sub{color:#57606a;margin:0 0 1rem}
.rec{padding:.8rem 1rem;border-radius:6px;margin:1rem 0;font-weight:600}
.rec.ok{background:#dafbe1;border:1px solid #2da44e}
.rec.none{background:#ffebe9;border:1px solid #cf222e}
.restore{padding:.6rem 1rem;background:#fff8c5;border:1px solid #bf8700;border-radius:6px}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{border-bottom:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.v-pass{color:#1a7f37;font-weight:600}.v-fail,.v-error{color:#cf222e;font-weight:600}
.v-inconclusive,.v-incomplete{color:#9a6700;font-weight:600}.v-invalid,.v-not-run{color:#57606a}
svg{max-width:100%;height:auto}
svg text{font:12px system-ui,sans-serif;fill:#1b1f24}
svg .axis{fill:#57606a}
ul.notes{color:#57606a}
@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}svg text{fill:#e6edf3}th,td{border-color:#30363d}
.rec.ok{background:#0f2e1a}.rec.none{background:#3c1618}.restore{background:#2e2400}.sub,ul.notes,svg .axis{color:#8b949e;fill:#8b949e}}
`;

const ROW_H = 28;
const LABEL_W = 300;
const PANEL_W = 330;
const GAP = 30;
const TOP = 34;

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function bar(x0: number, y: number, w: number, value: number, lo: number, hi: number, max: number, fill: string, title: string): string {
  const sx = (v: number): number => x0 + (Math.min(v, max) / max) * w;
  const parts = [`<rect x="${x0}" y="${y + 6}" width="${Math.max(0, sx(value) - x0).toFixed(1)}" height="${ROW_H - 12}" fill="${fill}"><title>${esc(title)}</title></rect>`];
  if (hi > lo) {
    const cy = y + ROW_H / 2;
    parts.push(`<line x1="${sx(lo).toFixed(1)}" y1="${cy}" x2="${sx(hi).toFixed(1)}" y2="${cy}" stroke="#1b1f24" stroke-width="1.5"/>`);
    for (const v of [lo, hi]) parts.push(`<line x1="${sx(v).toFixed(1)}" y1="${cy - 5}" x2="${sx(v).toFixed(1)}" y2="${cy + 5}" stroke="#1b1f24" stroke-width="1.5"/>`);
  }
  return parts.join('');
}

/** The chart: one row per measured case, failure rate on the left panel (budget as a dashed line), rollout duration on the right. */
export function renderSweepChart(result: SweepResult): string {
  const measured = result.cases.filter((c): c is CaseResult & { summary: { failureRate: NonNullable<CaseResult['summary']['failureRate']>; rolloutMs: NonNullable<CaseResult['summary']['rolloutMs']> } } => c.summary.failureRate !== null && c.summary.rolloutMs !== null);
  if (measured.length === 0) return '<p>No case was measured.</p>';
  const budget = result.budget.maxFailureRate;
  const rateMax = niceMax(Math.max(budget * 2, ...measured.map((c) => c.summary.failureRate.max)));
  const msMax = niceMax(Math.max(...measured.map((c) => c.summary.rolloutMs.max)));
  const x1 = LABEL_W;
  const x2 = LABEL_W + PANEL_W + GAP;
  const width = x2 + PANEL_W + 10;
  const height = TOP + measured.length * ROW_H + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="failure rate and rollout duration per setting">`,
    `<text x="${x1}" y="16" font-weight="600">failure rate (budget ${esc(formatRate(budget))})</text>`,
    `<text x="${x2}" y="16" font-weight="600">rollout duration</text>`,
  ];
  measured.forEach((c, i) => {
    const y = TOP + i * ROW_H;
    const colour = c.verdict === 'pass' ? '#2da44e' : c.verdict === 'fail' ? '#cf222e' : '#bf8700';
    const label = c.label.length > 42 ? `${c.label.slice(0, 41)}…` : c.label;
    out.push(`<text x="${LABEL_W - 8}" y="${y + ROW_H / 2 + 4}" text-anchor="end"><title>${esc(c.label)}</title>#${c.n} ${esc(label)}</text>`);
    const fr = c.summary.failureRate;
    const ro = c.summary.rolloutMs;
    out.push(bar(x1, y, PANEL_W, fr.median, fr.min, fr.max, rateMax, colour, `#${c.n} ${c.label}: failure rate ${formatRate(fr.median)} (min ${formatRate(fr.min)}, max ${formatRate(fr.max)})`));
    out.push(bar(x2, y, PANEL_W, ro.median, ro.min, ro.max, msMax, '#0969da', `#${c.n} ${c.label}: rollout ${formatSeconds(ro.median)} (min ${formatSeconds(ro.min)}, max ${formatSeconds(ro.max)})`));
  });
  const bottom = TOP + measured.length * ROW_H;
  const bx = x1 + (budget / rateMax) * PANEL_W;
  out.push(`<line x1="${bx.toFixed(1)}" y1="${TOP - 4}" x2="${bx.toFixed(1)}" y2="${bottom + 2}" stroke="#cf222e" stroke-dasharray="4 3"/>`);
  for (const [x0, max, fmt] of [
    [x1, rateMax, formatRate],
    [x2, msMax, formatSeconds],
  ] as const) {
    out.push(`<line x1="${x0}" y1="${bottom + 2}" x2="${x0 + PANEL_W}" y2="${bottom + 2}" stroke="#8c959f"/>`);
    for (const f of [0, 0.5, 1]) out.push(`<text class="axis" x="${(x0 + f * PANEL_W).toFixed(1)}" y="${bottom + 18}" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${esc(fmt(max * f))}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** Renders a sweep as one self-contained HTML page. */
export function renderSweepHtml(result: SweepResult): string {
  const rec = result.recommendation;
  const rows = tableRows(result);
  const numeric = new Set([0, 3, 4, 5]);
  const table = [
    '<table>',
    `<thead><tr>${SWEEP_COLUMNS.map((h, i) => `<th${numeric.has(i) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...result.cases.map((c, i) => {
      const row = rows[i] as string[];
      return `<tr>${row.map((cell, j) => `<td${numeric.has(j) ? ' class="num"' : j === 2 ? ` class="v-${c.verdict}"` : ''}>${esc(cell)}</td>`).join('')}</tr>`;
    }),
    '</tbody>',
    '</table>',
  ].join('\n');
  const notes = noteLines(result);
  const restoreBad = result.restore.status !== 'restored' && result.restore.status !== 'unchanged';
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${esc(`zerodrop sweep: ${result.name}`)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<h1>zerodrop sweep: ${esc(result.name)}</h1>`,
    `<p class="sub">${esc(headline(result))} · ${esc(result.startedAt)} to ${esc(result.endedAt)} · target ${esc(result.meta.target)}</p>`,
    `<div class="rec ${rec.case === null ? 'none' : 'ok'}">${esc(rec.case === null ? 'No recommendation' : 'Recommendation')}: ${esc(rec.message)}</div>`,
    restoreBad ? `<p class="restore">Restore: ${esc(result.restore.message)}</p>` : '',
    '<h2>Failure rate and rollout duration per setting</h2>',
    renderSweepChart(result),
    '<h2>All settings</h2>',
    table,
    notes.length > 0 ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
    `<p class="sub">Each case's full reports are in cases/&lt;n&gt;-&lt;settings&gt;/ next to this page; sweep.json holds them all.</p>`,
    '</body>',
    '</html>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
