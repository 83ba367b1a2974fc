import { FAILURE_CLASSES } from '../metrics/outcome.js';
import { AGENT_COLUMNS, AGENT_NUMERIC, agentCells, agentsHeadline } from './agents-view.js';
import { escapeMarkdown } from '../text/escape.js';
import { figureColumns, figureRows } from './figures-view.js';
import { formatCount, formatLatency, formatSeconds } from '../text/format.js';
import type { Report, TimelinePoint } from './model.js';
import { GOAWAY_ROWS, retriedLine } from './retried-view.js';

const VERDICT_WORDS = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' } as const;
const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
const PHASE_LETTER: Record<string, string> = { warmup: 'w', baseline: 'b', rollout: 'r', cooldown: 'c', measure: 'm' };
/** Columns of the failure sparkline at most; longer timelines are summed into buckets. */
const SPARK_MAX = 60;

/**
 * A Markdown summary sized for a GitHub step summary: the verdict in words, a small figures
 * table, failures over time as a text sparkline, outage windows, likely causes, checks.
 */
export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const m = report.meta;
  const t = report.totals;

  out.push(`### zerodrop: ${VERDICT_WORDS[report.verdict]}${report.aborted ? ' (interrupted)' : ''} - ${escapeMarkdown(m.name)}`);
  out.push('');
  const [headline = '', ...rest] = report.reasons;
  out.push(`**${VERDICT_WORDS[report.verdict]}:** ${escapeMarkdown(headline)}`);
  if (rest.length > 0) {
    out.push('');
    for (const r of rest) out.push(`- ${escapeMarkdown(r)}`);
  }
  out.push('');

  const cols = figureColumns(report);
  out.push(`| | ${cols.map((c) => c.heading).join(' | ')} |`);
  out.push(`| --- |${cols.map(() => ' ---: |').join('')}`);
  for (const r of figureRows(report)) out.push(`|${[r.label, ...r.cells].map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`);
  out.push('');

  if (t.failed > 0) {
    const classes = FAILURE_CLASSES.filter((c) => report.failures[c] > 0).map((c) => `${c} ${formatCount(report.failures[c])}`);
    out.push(`Failures by class: ${classes.join(', ')}. Status codes: ${codes(report.statusCodes) || 'none'}.${Object.keys(report.errorCodes).length > 0 ? ` Error codes: ${codes(report.errorCodes)}.` : ''}`);
    out.push('');
    out.push(...sparkline(report));
    out.push('');
  } else {
    out.push('No request failed during the run.');
    out.push('');
  }
  const retried = retriedLine(report);
  if (retried !== undefined) {
    out.push(`${escapeMarkdown(retried.charAt(0).toUpperCase() + retried.slice(1))}.`);
    out.push('');
  }
  const goaways = report.timeline.goaways ?? [];
  if (goaways.length > 0) {
    out.push('| GOAWAY at | last-stream-id | error code | pod |');
    out.push('| ---: | ---: | --- | --- |');
    for (const g of goaways.slice(0, GOAWAY_ROWS)) out.push(`| ${formatSeconds(g.tMs)} | ${g.lastStreamId} | ${escapeMarkdown(g.errorCode)} | ${g.pod === undefined ? '' : escapeMarkdown(g.pod)} |`);
    if (goaways.length > GOAWAY_ROWS) out.push(`| ... | | ${goaways.length - GOAWAY_ROWS} more | |`);
    out.push('');
  }

  const rvb = report.latency.rolloutVsBaseline;
  const o = report.latency.overall;
  out.push(
    `Latency over the run: p50 ${formatLatency(o.p50Ms)}, p99 ${formatLatency(o.p99Ms)}, max ${formatLatency(o.maxMs)}${rvb === null ? '' : `; rollout p99 ${formatLatency(rvb.rolloutP99Ms)} vs baseline ${formatLatency(rvb.baselineP99Ms)} (${rvb.ratio.toFixed(2)}x)`}.`,
  );
  out.push('');

  if (report.outages.length > 0) {
    out.push('#### Outage windows');
    out.push('');
    out.push('| from | to | length | failed | of sent | classes | rollout events just before |');
    out.push('| ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const win of report.outages) {
      const classes = FAILURE_CLASSES.filter((c) => (win.failures[c] ?? 0) > 0).map((c) => `${c} ${formatCount(win.failures[c] ?? 0)}`).join(', ');
      const events = (win.nearbyEvents ?? []).slice(0, 3).map((e) => `${formatSeconds(e.tMs)} ${escapeMarkdown(e.type)} ${escapeMarkdown(e.object)}`);
      if ((win.nearbyEvents?.length ?? 0) > 3) events.push(`+${(win.nearbyEvents?.length ?? 0) - 3} more`);
      out.push(`| ${formatSeconds(win.startMs)} | ${formatSeconds(win.endMs)} | ${formatSeconds(win.durationMs)} | ${formatCount(win.failed)} | ${formatCount(win.sent)} | ${classes} | ${events.join('<br>')} |`);
    }
    out.push('');
  }

  if (report.diagnosis.length > 0) {
    out.push('#### Likely causes');
    out.push('');
    report.diagnosis.forEach((d, i) => {
      out.push(`${i + 1}. **${escapeMarkdown(d.cause)}**`);
      out.push(`   - Seen: ${escapeMarkdown(d.evidence)}.`);
      out.push(`   - Fix: ${escapeMarkdown(d.fix)}.`);
    });
    out.push('');
  }

  if (report.preflight !== undefined && report.preflight.length > 0) {
    out.push('#### Preflight findings');
    out.push('');
    for (const f of report.preflight) out.push(`- **${escapeMarkdown(f.severity)}** ${escapeMarkdown(f.object)}: ${escapeMarkdown(f.message)}. Fix: ${escapeMarkdown(f.fix)}.`);
    out.push('');
  }

  out.push('<details><summary>Checks</summary>');
  out.push('');
  out.push('| check | status | detail |');
  out.push('| --- | --- | --- |');
  for (const c of report.checks) out.push(`| ${escapeMarkdown(c.name)} | ${c.status} | ${escapeMarkdown(c.message)} |`);
  out.push('');
  out.push('</details>');
  out.push('');

  if (report.pods !== undefined && report.pods.length > 0) {
    out.push('<details><summary>Requests by pod</summary>', '', '| pod | sent | succeeded | failed | served while terminating |', '| --- | ---: | ---: | ---: | ---: |');
    for (const p of report.pods) out.push(`| ${escapeMarkdown(p.pod)} | ${formatCount(p.sent)} | ${formatCount(p.succeeded)} | ${formatCount(p.failed)} | ${formatCount(p.servedWhileTerminating)} |`);
    out.push('', '</details>', '');
  }

  const agents = report.agents ?? [];
  if (agents.length > 0) {
    out.push(`<details><summary>${agentsHeadline(agents)}</summary>`, '', `| ${AGENT_COLUMNS.join(' | ')} |`, `| ${AGENT_COLUMNS.map((c) => (AGENT_NUMERIC.has(c) ? '---:' : '---')).join(' | ')} |`);
    for (const a of agents) out.push(`| ${agentCells(a).map(escapeMarkdown).join(' | ')} |`);
    out.push('', '</details>', '');
  }

  out.push(...auditRecord(report));

  out.push(`zerodrop ${escapeMarkdown(m.tool.version)} · run ${escapeMarkdown(m.runId)} · ${escapeMarkdown(m.target.method)} ${escapeMarkdown(m.target.url)} · started ${escapeMarkdown(m.startedAt)}`);
  return `${out.join('\n')}\n`;
}

/**
 * Failures over time as block characters in a code block, with a row of phase letters under it.
 * A blank column had no failure; any failure shows at least the lowest block.
 */
function sparkline(report: Report): string[] {
  const points = report.timeline.points;
  if (points.length === 0) return [];
  const per = Math.ceil(points.length / SPARK_MAX);
  const buckets: Array<{ tMs: number; failed: number }> = [];
  for (let i = 0; i < points.length; i += per) {
    const group = points.slice(i, i + per) as TimelinePoint[];
    buckets.push({ tMs: (group[0] as TimelinePoint).tMs, failed: group.reduce((s, p) => s + p.failed, 0) });
  }
  const max = Math.max(...buckets.map((bk) => bk.failed));
  const bar = buckets.map((bk) => (bk.failed === 0 ? ' ' : BLOCKS[Math.min(7, Math.max(0, Math.ceil((bk.failed / max) * 8) - 1))])).join('');
  const phaseRow = buckets
    .map((bk) => {
      const p = report.phases.find((ph) => bk.tMs >= ph.startMs && bk.tMs < ph.endMs);
      return p === undefined ? ' ' : (PHASE_LETTER[p.name] ?? '?');
    })
    .join('');
  const step = per * report.timeline.intervalMs;
  const present = report.phases.map((p) => p.name).filter((n, i, all) => all.indexOf(n) === i && PHASE_LETTER[n] !== undefined);
  const legend = present.map((n) => `${PHASE_LETTER[n]} ${n}`).join(', ');
  return [
    `Failures over time (one column per ${formatSeconds(step)}, highest column ${formatCount(max)} failed; ${legend}):`,
    '',
    '```text',
    `failed |${bar}|`,
    `phase  |${phaseRow}|`,
    '```',
  ];
}

/** The run's audit facts in a collapsed block: where it ran, from what, against which cluster, and the report's digest. */
function auditRecord(report: Report): string[] {
  const m = report.meta;
  const rows: Array<[string, string]> = [
    ['run', m.runId],
    ['started / ended', `${m.startedAt} / ${m.endedAt}`],
    ['target', `${m.target.method} ${m.target.url}`],
    ['command line', m.commandLine.join(' ')],
    ['zerodrop', m.tool.version],
    ['scenario digest', m.scenarioDigest],
  ];
  if (m.git !== undefined) rows.push(['git commit', `${m.git.commit}${m.git.dirty ? ' (with uncommitted changes)' : ''}`]);
  if (m.machine !== undefined) rows.push(['machine', `${m.machine.hostname}: ${m.machine.platform}/${m.machine.arch}, ${m.machine.cpus} CPUs, Node.js ${m.machine.node}`]);
  for (const [k, v] of Object.entries(m.cluster ?? {})) rows.push([`cluster ${k}`, factText(v)]);
  if (report.digest !== undefined) rows.push(['report digest', report.digest]);
  if (report.signature !== undefined) rows.push(['signed by', `${report.signature.alg} key ${report.signature.keyId}`]);
  const out = ['<details><summary>Audit record</summary>', '', '| | |', '| --- | --- |'];
  for (const [k, v] of rows) out.push(`| ${escapeMarkdown(k)} | ${escapeMarkdown(v)} |`);
  out.push('');
  if (report.digest !== undefined) out.push(`Check that report.json is unchanged with \`zerodrop verify <run folder>${report.signature === undefined ? '' : ' --key <public key>'}\`.`, '');
  out.push('</details>', '');
  return out;
}

/** A fact as one line: strings as they are, string lists joined, anything else as compact JSON. */
function factText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function codes(rec: Record<string, number>): string {
  return Object.entries(rec)
    .filter(([, n]) => n > 0)
    .map(([code, n]) => `${escapeMarkdown(code)} x${formatCount(n)}`)
    .join(', ');
}

