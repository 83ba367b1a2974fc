import Table from 'cli-table3';
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { LatencySummary } from '../metrics/run-data.js';
import { AGENT_COLUMNS, AGENT_NUMERIC, agentCells, agentsHeadline } from './agents-view.js';
import { oneLine, stripControl } from '../text/escape.js';
import { figureColumns, figureRows, secondsRange } from './figures-view.js';
import { retriedLine } from './retried-view.js';
import { formatCount, formatLatency, formatRate, formatSeconds } from '../text/format.js';
import type { CheckStatus, Report, Verdict } from './model.js';

/** How to draw the console summary. */
export interface ConsoleOptions {
  /** ANSI colours (the CLI decides from the terminal and NO_COLOR); default false. */
  color?: boolean;
  /** Width to wrap prose at; default 100. */
  width?: number;
  /** Files the run wrote, by label (e.g. {"report.json": "reports/x/report.json"}). */
  paths?: Record<string, string>;
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', dim: '\u001b[2m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m' } as const;

const VERDICT_COLOR: Record<Verdict, string> = { pass: ANSI.green, fail: ANSI.red, inconclusive: ANSI.yellow };
const STATUS_COLOR: Record<CheckStatus, string> = { pass: ANSI.green, fail: ANSI.red, inconclusive: ANSI.yellow, warn: ANSI.yellow, skipped: ANSI.dim };

// Outside text (URLs, pod names) is cut to this in table cells, so a hostile value cannot blow up the layout.
const CELL_MAX = 60;

/** The console summary of a report: verdict headline, figures, failures, phases, outages, checks, diagnosis. */
export function renderConsole(report: Report, opts: ConsoleOptions = {}): string {
  const color = opts.color ?? false;
  const width = Math.max(40, opts.width ?? 100);
  const paint = (code: string, s: string): string => (color ? `${code}${s}${ANSI.reset}` : s);
  const out: string[] = [];

  // Headline: the verdict word, then the first reason.
  const word = `${report.verdict.toUpperCase()}${report.aborted ? ' (interrupted)' : ''}`;
  const [headline = '', ...rest] = report.reasons.map((r) => oneLine(r));
  out.push(wrap(`${paint(ANSI.bold + VERDICT_COLOR[report.verdict], word)}  ${headline}`, width, '  ', word.length + 2 + headline.length));
  for (const r of rest) out.push(wrap(`  - ${r}`, width, '    '));
  out.push('');

  const m = report.meta;
  const load = m.load.model === 'open' ? `${formatCount(m.load.rate ?? 0)} req/s` : `${formatCount(m.load.connections ?? 0)} connections`;
  out.push(wrap(`run ${oneLine(m.runId, CELL_MAX)} · ${oneLine(m.target.method, 10)} ${oneLine(m.target.url, 200)} · ${load}, timeout ${formatSeconds(m.load.timeoutMs)}${m.load.keepAlive ? ', keep-alive' : ', new connection per request'}${m.load.client === undefined ? '' : `, ${m.load.client} client`}`, width, '    '));
  out.push('');

  // Figures.
  const b = report.budget;
  const w = report.window;
  const cols = figureColumns(report);
  const figures = table(['', ...cols.map((c) => c.heading)], ['left', ...cols.map(() => 'right' as const)]);
  for (const r of figureRows(report)) figures.push([r.label, ...r.cells]);
  const t = report.totals;
  out.push(figures.toString());
  if (report.verdict !== 'pass' && b.upperBound > b.maxFailureRate && b.maxFailureRate > 0 && w.sent < b.requiredRequests) {
    out.push(wrap(`a conclusive window needs at least ${formatCount(b.requiredRequests)} requests with none failing`, width, '  '));
  }
  out.push('');

  // Failures and codes.
  if (t.failed > 0) {
    const ft = table(['failure class', 'count', 'share'], ['left', 'right', 'right']);
    for (const c of FAILURE_CLASSES) if (report.failures[c] > 0) ft.push([c, formatCount(report.failures[c]), formatRate(report.failures[c] / t.failed)]);
    out.push(ft.toString());
  }
  out.push(wrap(`status codes: ${codeList(report.statusCodes) || 'none'}`, width, '  '));
  const errs = codeList(report.errorCodes);
  if (errs) out.push(wrap(`error codes: ${errs}`, width, '  '));
  const retried = retriedLine(report);
  if (retried !== undefined) out.push(wrap(retried, width, '  '));
  out.push('');

  // Phases.
  if (report.phases.length > 0) {
    const pt = table(['phase', 'span', 'sent', 'failed', 'unsent', 'p50', 'p90', 'p99', 'p99.9', 'max'], ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']);
    for (const p of report.phases) {
      pt.push([oneLine(p.name, 20), secondsRange(p.startMs, p.endMs), formatCount(p.sent), formatCount(p.failed), formatCount(p.unsent), ...latencyCells(p.latency)]);
    }
    pt.push(['whole run', '', formatCount(t.sent), formatCount(t.failed), formatCount(t.unsent), ...latencyCells(report.latency.overall)]);
    out.push(pt.toString());
    const rvb = report.latency.rolloutVsBaseline;
    if (rvb !== null) {
      out.push(`  rollout p99 ${formatLatency(rvb.rolloutP99Ms)} vs baseline ${formatLatency(rvb.baselineP99Ms)} (${rvb.ratio.toFixed(2)}x)`);
    }
    out.push('');
  }

  // Outage windows.
  if (report.outages.length > 0) {
    out.push(paint(ANSI.bold, `outage windows (${report.outages.length})`));
    const ot = table(['from', 'to', 'length', 'failed', 'of sent', 'classes', 'rollout events just before'], ['right', 'right', 'right', 'right', 'right', 'left', 'left']);
    for (const o of report.outages) {
      const classes = FAILURE_CLASSES.filter((c) => (o.failures[c] ?? 0) > 0).map((c) => `${c} ${formatCount(o.failures[c] ?? 0)}`).join(', ');
      const events = (o.nearbyEvents ?? []).slice(0, 3).map((e) => `${formatSeconds(e.tMs)} ${oneLine(e.type, 30)} ${oneLine(e.object, CELL_MAX)}`);
      const more = (o.nearbyEvents?.length ?? 0) > 3 ? [`+${(o.nearbyEvents?.length ?? 0) - 3} more`] : [];
      ot.push([formatSeconds(o.startMs), formatSeconds(o.endMs), formatSeconds(o.durationMs), formatCount(o.failed), formatCount(o.sent), classes, [...events, ...more].join('\n')]);
    }
    out.push(ot.toString());
    out.push('');
  }

  // Load agents (--agents N): every one when few, else the ones that did not complete.
  const agents = report.agents ?? [];
  if (agents.length > 0) {
    out.push(paint(ANSI.bold, agentsHeadline(agents)));
    const shown = agents.length <= 10 ? agents : agents.filter((a) => a.status !== 'completed');
    if (shown.length > 0) {
      const at = table([...AGENT_COLUMNS], AGENT_COLUMNS.map((c) => (AGENT_NUMERIC.has(c) ? 'right' : 'left')));
      for (const a of shown) at.push(agentCells(a).map((c) => oneLine(c, CELL_MAX)));
      out.push(at.toString());
    }
    out.push('');
  }

  // Release command.
  const tr = report.trigger;
  if (tr !== null) {
    const how = tr.signal !== null ? `stopped by ${tr.signal}` : tr.exitCode === null ? 'did not finish' : `exit ${tr.exitCode}`;
    out.push(wrap(`release command (${how}, ${formatSeconds(tr.endMs - tr.startMs)} from ${formatSeconds(tr.startMs)}): ${oneLine(tr.command, 300)}`, width, '    '));
    if (tr.exitCode !== 0 || tr.signal !== null) {
      const lines = stripControl(tr.output).split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
      for (const l of lines.slice(-5)) out.push(`  | ${oneLine(l, width - 4)}`);
    }
    out.push('');
  }

  // Checks.
  const ct = table(['check', 'status'], ['left', 'left']);
  for (const c of report.checks) ct.push([oneLine(c.name, 80), paint(STATUS_COLOR[c.status], c.status)]);
  out.push(ct.toString());
  out.push('');

  // Diagnosis.
  if (report.diagnosis.length > 0) {
    out.push(paint(ANSI.bold, 'likely causes'));
    report.diagnosis.forEach((d, i) => {
      const n = `${i + 1}. `;
      const pad = ' '.repeat(n.length + 2);
      out.push(wrap(`  ${n}${oneLine(d.cause)}`, width, pad));
      out.push(wrap(`${pad}seen: ${oneLine(d.evidence)}`, width, pad));
      out.push(wrap(`${pad}fix: ${oneLine(d.fix)}`, width, pad));
    });
    out.push('');
  }

  // Files.
  const paths = Object.entries(opts.paths ?? {});
  if (paths.length > 0) {
    const labelWidth = Math.max(...paths.map(([k]) => oneLine(k).length));
    for (const [label, path] of paths) out.push(`  ${oneLine(label).padEnd(labelWidth)}  ${oneLine(path)}`);
    out.push('');
  }

  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

type Align = 'left' | 'right' | 'center';

function table(head: string[], colAligns: Align[]): InstanceType<typeof Table> {
  // No colour from cli-table3 itself: colours are ours, and off means no escape codes at all.
  return new Table({ head, colAligns, style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: true } });
}

function latencyCells(l: LatencySummary): string[] {
  if (l.count === 0) return ['-', '-', '-', '-', '-'];
  return [formatLatency(l.p50Ms), formatLatency(l.p90Ms), formatLatency(l.p99Ms), formatLatency(l.p999Ms), formatLatency(l.maxMs)];
}

function codeList(rec: Record<string, number>): string {
  return Object.entries(rec)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${oneLine(code, 40)} x${formatCount(n)}`)
    .join(', ');
}

/**
 * Word-wraps one paragraph to `width`; continuation lines start with `indent`. `visible` is the
 * printable length when the text holds colour codes (only the first word may).
 */
function wrap(text: string, width: number, indent: string, visible?: number): string {
  const invisible = visible === undefined ? 0 : text.length - visible;
  const lead = text.length - text.trimStart().length;
  // Never break between a number and its unit ("2 s", "4.21 ms").
  const words = text.slice(lead).split(/ +(?!m?s(?:[ ,.;:)]|$))/);
  const lines: string[] = [];
  let line = text.slice(0, lead);
  let started = false;
  let extra = invisible; // colour codes on the current line take no room
  for (const word of words) {
    if (started && line.length - extra + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
      extra = 0;
    } else {
      line = started ? `${line} ${word}` : line + word;
    }
    started = true;
  }
  lines.push(line);
  return lines.join('\n');
}

