/** Renderers of a sweep: the comparison table for the console (cli-table3) and Markdown, and the cells they share. */
import Table from 'cli-table3';
import { escapeMarkdown, oneLine } from '../text/escape.js';
import { formatCount, formatRate, formatSeconds } from '../text/format.js';
import type { CaseResult, CaseVerdict, Spread, SweepResult } from './model.js';

/** The columns of the comparison table. */
export const SWEEP_COLUMNS = ['#', 'settings', 'verdict', 'failed / sent', 'failure rate', 'rollout', 'failures'] as const;

const CELL_MAX = 70;

/** A spread as `median` or, across repeats, `median (min-max)`. */
export function formatSpread(s: Spread | null, format: (n: number) => string, repeats: number): string {
  if (s === null) return '-';
  if (repeats <= 1 || s.min === s.max) return format(s.median);
  return `${format(s.median)} (${format(s.min)}-${format(s.max)})`;
}

/** The verdict cell: `pass`, `fail 1/3 passed`... */
export function verdictCell(c: CaseResult, repeats: number): string {
  const v = c.verdict === 'invalid' ? 'invalid (skipped)' : c.verdict;
  if (repeats <= 1 || c.summary.repeatsRun === 0) return v;
  return `${v} ${c.summary.repeatsPassed}/${repeats} passed`;
}

function failuresCell(c: CaseResult): string {
  const entries = Object.entries(c.summary.failures).sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return c.summary.repeatsRun > 0 ? 'none' : '-';
  return entries
    .slice(0, 3)
    .map(([k, v]) => `${k} ${formatCount(v)}`)
    .join(', ');
}

/** One row of the table per case, in the sweep's order (plain text; each renderer escapes). */
export function tableRows(result: SweepResult): string[][] {
  const secs = (ms: number): string => formatSeconds(Math.round(ms / 100) * 100);
  return result.cases.map((c) => {
    const ran = c.summary.repeatsRun > 0;
    return [
      String(c.n),
      oneLine(c.label, CELL_MAX),
      verdictCell(c, result.repeat),
      ran ? `${formatCount(c.summary.failed)} / ${formatCount(c.summary.sent)}` : '-',
      formatSpread(c.summary.failureRate, formatRate, result.repeat),
      formatSpread(c.summary.rolloutMs, secs, result.repeat),
      failuresCell(c),
    ];
  });
}

/** Lines under the table: why cases were skipped or could not be measured. */
export function noteLines(result: SweepResult): string[] {
  const lines: string[] = [];
  for (const c of result.cases) {
    if (c.verdict === 'invalid') lines.push(`#${c.n} ${oneLine(c.label)}: skipped: ${oneLine(c.reasons.join('; '))}`);
    else if (c.verdict === 'error') lines.push(`#${c.n} ${oneLine(c.label)}: could not be measured: ${oneLine(c.reasons.join('; '))}`);
    else if (c.verdict === 'not-run') lines.push(`#${c.n} ${oneLine(c.label)}: not run (the sweep was interrupted)`);
  }
  return lines;
}

/** The headline: what was swept, how often, with which budget. */
export function headline(result: SweepResult): string {
  const ran = result.cases.filter((c) => c.verdict !== 'invalid').length;
  const skipped = result.cases.length - ran;
  const fixed = Object.entries(result.fixed).map(([k, v]) => `${k}=${v === null ? 'null' : String(v)}`);
  return (
    `sweep of deployment/${oneLine(result.deployment)} (${oneLine(result.name)}): ${ran} setting${ran === 1 ? '' : 's'}` +
    `${result.repeat > 1 ? ` x ${result.repeat} repeats` : ''}${skipped > 0 ? `, ${skipped} invalid skipped` : ''}, budget ${formatRate(result.budget.maxFailureRate)}` +
    (fixed.length > 0 ? `; every case with ${oneLine(fixed.join(' '))}` : '') +
    (result.aborted ? ' (INTERRUPTED: partial results)' : '')
  );
}

const ANSI = { reset: '\u001b[0m', bold: '\u001b[1m', red: '\u001b[31m', green: '\u001b[32m', yellow: '\u001b[33m', dim: '\u001b[2m' } as const;
const VERDICT_COLOR: Record<CaseVerdict, string> = { pass: ANSI.green, fail: ANSI.red, inconclusive: ANSI.yellow, incomplete: ANSI.yellow, error: ANSI.red, invalid: ANSI.dim, 'not-run': ANSI.dim };

/** The console rendering: headline, the comparison table, notes, the recommendation and the restore. */
export function renderSweepConsole(result: SweepResult, opts: { color?: boolean } = {}): string {
  const color = opts.color ?? false;
  const paint = (code: string, s: string): string => (color ? `${code}${s}${ANSI.reset}` : s);
  const table = new Table({
    head: [...SWEEP_COLUMNS],
    colAligns: ['right', 'left', 'left', 'right', 'right', 'right', 'left'],
    style: { head: color ? ['bold'] : [], border: [] },
  });
  const rows = tableRows(result);
  result.cases.forEach((c, i) => {
    const row = rows[i] as string[];
    row[2] = paint(VERDICT_COLOR[c.verdict], row[2] as string);
    table.push(row);
  });
  const out = [paint(ANSI.bold, headline(result)), table.toString()];
  const notes = noteLines(result);
  if (notes.length > 0) out.push(notes.join('\n'));
  const rec = result.recommendation;
  out.push(paint(ANSI.bold + (rec.case === null ? ANSI.red : ANSI.green), `${rec.case === null ? 'no recommendation' : 'recommendation'}: ${oneLine(rec.message)}`));
  if (result.restore.status !== 'restored' && result.restore.status !== 'unchanged') out.push(paint(ANSI.red, `restore: ${oneLine(result.restore.message)}`));
  return out.join('\n');
}

/** The Markdown rendering (GitHub flavour): headline, table, notes, recommendation. */
export function renderSweepMarkdown(result: SweepResult): string {
  const out: string[] = [`## zerodrop sweep: ${escapeMarkdown(result.name)}`, '', escapeMarkdown(headline(result)), ''];
  out.push(`| ${SWEEP_COLUMNS.map(escapeMarkdown).join(' | ')} |`);
  out.push(`| ${SWEEP_COLUMNS.map((_, i) => (i === 0 || (i >= 3 && i <= 5) ? '---:' : '---')).join(' | ')} |`);
  for (const row of tableRows(result)) out.push(`| ${row.map((cell, i) => (i === 2 ? `**${escapeMarkdown(cell)}**` : escapeMarkdown(cell))).join(' | ')} |`);
  out.push('');
  const notes = noteLines(result);
  if (notes.length > 0) {
    for (const n of notes) out.push(`- ${escapeMarkdown(n)}`);
    out.push('');
  }
  out.push(`**${result.recommendation.case === null ? 'No recommendation' : 'Recommendation'}:** ${escapeMarkdown(result.recommendation.message)}`);
  if (result.restore.status !== 'restored' && result.restore.status !== 'unchanged') out.push('', `**Restore:** ${escapeMarkdown(result.restore.message)}`);
  return `${out.join('\n')}\n`;
}
