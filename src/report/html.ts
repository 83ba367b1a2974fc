/**
 * report.html: one self-contained page (no network, inline CSS, a small inline script for hover
 * only; readable with JavaScript off). The verdict in words and colour first, then the causes, the
 * timeline, the outage windows, the rollout, latency, and the audit record last.
 */
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { LatencySummary } from '../metrics/run-data.js';
import { AGENT_COLUMNS, AGENT_NUMERIC, agentCells, agentsHeadline } from './agents-view.js';
import { figureColumns, figureRows } from './figures-view.js';
import type { FigureRow } from './figures-view.js';
import { formatCount, formatLatency, formatRate, formatSeconds } from '../text/format.js';
import { escapeHtml as esc } from './html/escape-html.js';
import { PERCENTILES, latencySeries, renderLatencySvg } from './html/latency-chart.js';
import { PAGE_CSS, PAGE_SCRIPT, pageCsp } from './html/page-assets.js';
import { downsampleTimeline, eventKind, renderTimelineSvg } from './html/timeline-chart.js';
import type { Report, Verdict } from './model.js';
import { GOAWAY_ROWS, retriedLine } from './retried-view.js';

export { escapeHtml } from './html/escape-html.js';
export { downsampleTimeline, MAX_TIMELINE_COLUMNS } from './html/timeline-chart.js';
export type { DownsampledTimeline, TimelineColumn } from './html/timeline-chart.js';

const VERDICT_WORD: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE' };
// A symbol beside the word, so the verdict never rests on colour alone.
const VERDICT_MARK: Record<Verdict, string> = { pass: '✓', fail: '✗', inconclusive: '?' };
const VERDICT_MEANING: Record<Verdict, string> = {
  pass: 'the release stayed within the error budget',
  fail: 'the release went over the error budget, or the rollout failed',
  inconclusive: 'the measurement cannot tell: too few requests, or the load generator fell behind',
};

/** Renders a report as one self-contained HTML page. */
export function renderHtml(report: Report): string {
  const m = report.meta;
  const title = `zerodrop ${VERDICT_WORD[report.verdict]}: ${m.name}`;
  const body = [
    header(report),
    diagnosisSection(report),
    preflightSection(report),
    timelineSection(report),
    outagesSection(report),
    rolloutSection(report),
    latencySection(report),
    failuresSection(report),
    podsSection(report),
    checksSection(report),
    generatorSection(report),
    agentsSection(report),
    metaSection(report),
  ]
    .filter((s) => s !== '')
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(pageCsp())}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="zerodrop ${esc(m.tool.version)}">`,
    `<title>${esc(title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    '</head>',
    `<body class="verdict-is-${report.verdict}">`,
    '<main>',
    body,
    footer(report),
    '</main>',
    '<div id="tooltip" role="tooltip" hidden></div>',
    `<script>${PAGE_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function header(report: Report): string {
  const m = report.meta;
  const b = report.budget;
  const w = report.window;
  const [headline = '', ...rest] = report.reasons;
  const out: string[] = [];
  out.push(`<h1>zerodrop report: ${esc(m.name)}</h1>`);
  out.push(`<section id="verdict" class="verdict verdict-${report.verdict}" data-verdict="${report.verdict}" aria-label="verdict">`);
  out.push(`<p class="verdict-word"><span aria-hidden="true">${VERDICT_MARK[report.verdict]}</span> ${VERDICT_WORD[report.verdict]}${report.aborted ? ' (interrupted)' : ''}</p>`);
  out.push(`<p class="muted">${esc(VERDICT_MEANING[report.verdict])}</p>`);
  out.push(`<p class="headline">${esc(headline)}</p>`);
  if (rest.length > 0) out.push(`<ul class="reasons">${rest.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`);
  out.push(
    `<p class="budget">Budget: at most ${formatRate(b.maxFailureRate)} of requests may fail. Judged window ${formatSeconds(w.startMs)} to ${formatSeconds(w.endMs)}: ${formatCount(w.failed)} of ${formatCount(w.sent)} failed (${formatRate(b.observedFailureRate)}); at ${formatRate(b.confidence)} confidence the true failure rate is at most ${formatRate(b.upperBound)}, which is ${b.upperBound <= b.maxFailureRate ? 'within' : 'over'} the budget.${w.sent < b.requiredRequests && b.maxFailureRate > 0 ? ` A conclusive pass needs at least ${formatCount(b.requiredRequests)} requests with none failing.` : ''}</p>`,
  );
  out.push('</section>');

  const cols = figureColumns(report);
  const row = (r: FigureRow): string =>
    `<tr data-row="${r.id}"><th scope="row">${esc(r.label)}</th>${r.cells.map((c, i) => `<td class="num" data-col="${cols[i]!.id}">${esc(c)}</td>`).join('')}</tr>`;
  out.push('<div class="table-wrap"><table id="figures">');
  out.push(`<caption class="muted">Requests</caption><thead><tr><th></th>${cols.map((c) => `<th class="num" scope="col">${esc(c.heading)}</th>`).join('')}</tr></thead><tbody>`);
  for (const r of figureRows(report)) out.push(row(r));
  out.push('</tbody></table></div>');
  return out.join('\n');
}

function diagnosisSection(report: Report): string {
  if (report.diagnosis.length === 0) return '';
  const cards = report.diagnosis.map(
    (d, i) =>
      `<article class="card" data-id="${esc(d.id)}"><h3>${i + 1}. ${esc(d.cause)}</h3><p><strong>Seen:</strong> ${esc(d.evidence)}</p><p><strong>Fix:</strong> ${esc(d.fix)}</p></article>`,
  );
  return `<section id="diagnosis"><h2>Likely causes and fixes</h2><div class="cards">\n${cards.join('\n')}\n</div></section>`;
}

function preflightSection(report: Report): string {
  const findings = report.preflight;
  if (findings === undefined) return '';
  if (findings.length === 0) return '<section id="preflight"><h2>Preflight checks</h2><p>The preflight lint of the Deployment and Service found nothing to fix.</p></section>';
  const rows = findings.map(
    (f) =>
      `<tr><td class="status sev-${severityClass(f.severity)}">${esc(f.severity)}</td><td class="mono">${esc(f.object)}</td><td>${esc(f.message)}<div class="muted mono">${esc(f.id)}</div></td><td>${esc(f.fix)}</td></tr>`,
  );
  return `<section id="preflight"><h2>Preflight findings (${findings.length})</h2><div class="table-wrap"><table id="preflight-table"><thead><tr><th>severity</th><th>object</th><th>finding</th><th>fix</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
}

function timelineSection(report: Report): string {
  const ds = downsampleTimeline(report.timeline);
  const present = FAILURE_CLASSES.filter((c) => report.failures[c] > 0);
  const kinds = [...new Set(report.events.map((e) => eventKind(e.type)))];
  const kindWord = { stop: 'rollout event: pod stopping', start: 'rollout event: pod or ReplicaSet starting', other: 'rollout event' } as const;
  const legend = [
    '<li><span class="sw ok"></span>succeeded</li>',
    ...present.map((c) => `<li><span class="sw f-${c}"></span>failed: ${c}</li>`),
    ...(report.totals.unsent > 0 ? ['<li><span class="sw unsent"></span>unsent (generator behind)</li>'] : []),
    ...(report.timeline.p99.length > 0 ? ['<li><span class="sw p99"></span>p99 latency (right axis)</li>'] : []),
    ...(report.outages.length > 0 ? ['<li><span class="sw outage"></span>outage window (numbered as in the table)</li>'] : []),
    ...(report.trigger !== null ? ['<li><span class="sw trigger"></span>release command, start to end</li>'] : []),
    ...kinds.map((k) => `<li><span class="sw ev-${k}"></span>${kindWord[k]}</li>`),
  ];
  const per = ds.intervalsPerColumn > 1 ? ` Each column sums ${ds.intervalsPerColumn} intervals of ${formatSeconds(report.timeline.intervalMs)} (p99: the highest of them).` : '';
  return [
    '<section id="timeline-section"><h2>Timeline</h2>',
    '<figure>',
    renderTimelineSvg(report),
    `<figcaption><ul class="legend">${legend.join('')}</ul>Top: requests per ${esc(formatSeconds(ds.columnMs))} by outcome, with p99 latency. Below: failed requests only, on their own scale. Phases are shaded and named.${per} Hover a column or marker for details.</figcaption>`,
    '</figure>',
    phaseTable(report),
    '</section>',
  ].join('\n');
}

function phaseTable(report: Report): string {
  if (report.phases.length === 0) return '';
  const rows = report.phases.map(
    (p) =>
      `<tr><td>${esc(p.name)}</td><td class="num">${formatSeconds(p.startMs)} to ${formatSeconds(p.endMs)}</td><td class="num">${formatCount(p.sent)}</td><td class="num">${formatCount(p.failed)}</td><td class="num">${formatCount(p.unsent)}</td><td class="num">${formatRate(p.sent === 0 ? 0 : p.failed / p.sent)}</td></tr>`,
  );
  return `<div class="table-wrap"><table id="phases"><thead><tr><th>phase</th><th class="num">span</th><th class="num">sent</th><th class="num">failed</th><th class="num">unsent</th><th class="num">failure rate</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function outagesSection(report: Report): string {
  if (report.outages.length === 0) return '<section id="outages-section"><h2>Outage windows</h2><p>None: no interval had a failed request.</p></section>';
  const rows = report.outages.map((o, i) => {
    const classes = FAILURE_CLASSES.filter((c) => (o.failures[c] ?? 0) > 0).map((c) => `<span class="sw f-${c}"></span>${c} ${formatCount(o.failures[c] ?? 0)}`);
    const events = (o.nearbyEvents ?? []).map((e) => `${formatSeconds(e.tMs)} ${esc(e.type)} <span class="mono">${esc(e.object)}</span>`);
    return `<tr data-outage="${i + 1}"><td class="num">${i + 1}</td><td class="num">${formatSeconds(o.startMs)}</td><td class="num">${formatSeconds(o.endMs)}</td><td class="num">${formatSeconds(o.durationMs)}</td><td class="num">${formatCount(o.failed)}</td><td class="num">${formatCount(o.sent)}</td><td>${classes.join('<br>')}</td><td>${events.join('<br>') || '<span class="muted">none</span>'}</td></tr>`;
  });
  return `<section id="outages-section"><h2>Outage windows (${report.outages.length})</h2><div class="table-wrap"><table id="outages"><thead><tr><th class="num">#</th><th class="num">from</th><th class="num">to</th><th class="num">length</th><th class="num">failed</th><th class="num">of sent</th><th>classes</th><th>rollout events just before or during</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
}

function rolloutSection(report: Report): string {
  const out: string[] = ['<section id="rollout"><h2>Rollout</h2>'];
  const tr = report.trigger;
  if (tr !== null) {
    const how = tr.signal !== null ? `stopped by ${tr.signal}` : tr.exitCode === null ? 'did not finish' : `exited ${tr.exitCode}`;
    out.push(`<h3>Release command</h3><p>Ran from ${formatSeconds(tr.startMs)} to ${formatSeconds(tr.endMs)} (${formatSeconds(tr.endMs - tr.startMs)}) and ${esc(how)}.</p>`);
    out.push(`<pre id="trigger-command">${esc(tr.command)}</pre>`);
    if (tr.output !== '') out.push(`<details${tr.exitCode !== 0 || tr.signal !== null ? ' open' : ''}><summary>Output${tr.outputTruncated ? ' (truncated)' : ''}</summary><pre id="trigger-output">${esc(tr.output)}</pre></details>`);
  }
  const rb = report.rollback;
  if (rb !== undefined) {
    out.push(
      `<h3>Rollback</h3><p id="rollback">After the failing verdict zerodrop rolled back from revision ${esc(rb.fromRevision ?? 'unknown')} to ${esc(rb.toRevision)} (ReplicaSet <span class="mono">${esc(rb.replicaSet)}</span>): <strong>${esc(rb.status)}</strong>. ${esc(rb.message)}</p>`,
    );
  }
  if (report.events.length === 0) {
    out.push(tr === null ? '<p>No release command ran and no rollout was watched.</p>' : '<p>No rollout was watched, so there are no rollout events.</p>');
  } else {
    const rows = report.events.map(
      (e) => `<tr><td class="num">${formatSeconds(e.tMs)}</td><td><span class="sw ev-${eventKind(e.type)}"></span>${esc(e.type)}</td><td class="mono">${esc(e.object)}</td><td>${esc(e.message ?? '')}</td></tr>`,
    );
    out.push(`<h3>Rollout events (${report.events.length})</h3><div class="table-wrap"><table id="events"><thead><tr><th class="num">at</th><th>event</th><th>object</th><th>message</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function latencyCells(l: LatencySummary): string {
  if (l.count === 0) return PERCENTILES.map(() => '<td class="num">-</td>').join('');
  return PERCENTILES.map((p) => `<td class="num">${formatLatency(l[p.key])}</td>`).join('');
}

function latencySection(report: Report): string {
  const series = latencySeries(report);
  const clsOf = new Map(series.map((s) => [s.name, s.cls]));
  const rows = report.phases.map((p, i) => {
    const cls = p.latency.count > 0 ? `s${i % 8}` : undefined;
    return `<tr><td>${cls === undefined ? '' : `<span class="sw series ${cls}"></span>`}${esc(p.name)}</td><td class="num">${formatCount(p.latency.count)}</td>${latencyCells(p.latency)}</tr>`;
  });
  const o = report.latency.overall;
  rows.push(`<tr><th scope="row">${clsOf.has('whole run') ? '<span class="sw series s-all"></span>' : ''}whole run</th><td class="num">${formatCount(o.count)}</td>${latencyCells(o)}</tr>`);
  const rvb = report.latency.rolloutVsBaseline;
  const chart = renderLatencySvg(report);
  return [
    '<section id="latency"><h2>Latency</h2>',
    `<div class="table-wrap"><table id="latency-table"><thead><tr><th>phase</th><th class="num">requests</th>${PERCENTILES.map((p) => `<th class="num">${p.label}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`,
    rvb === null ? '' : `<p>Rollout p99 ${formatLatency(rvb.rolloutP99Ms)} against the baseline's ${formatLatency(rvb.baselineP99Ms)}: ${rvb.ratio.toFixed(2)}x.</p>`,
    chart === '' ? '' : `<figure>${chart}<figcaption><ul class="legend">${series.map((s) => `<li><span class="sw series ${s.cls}"></span>${esc(s.name)}</li>`).join('')}</ul>Latency at each percentile, by phase; the dashed line is the whole run.</figcaption></figure>`,
    '</section>',
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function failuresSection(report: Report): string {
  const t = report.totals;
  const out: string[] = ['<section id="failures"><h2>Failures and status codes</h2>'];
  if (t.failed === 0) out.push('<p>No request failed during the run.</p>');
  else {
    const rows = FAILURE_CLASSES.filter((c) => report.failures[c] > 0).map(
      (c) => `<tr><td><span class="sw f-${c}"></span>${c}</td><td class="num">${formatCount(report.failures[c])}</td><td class="num">${formatRate(report.failures[c] / t.failed)}</td></tr>`,
    );
    out.push(`<div class="table-wrap"><table id="failure-classes"><thead><tr><th>failure class</th><th class="num">count</th><th class="num">share</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`);
  }
  const codes = (rec: Record<string, number>): string =>
    Object.entries(rec)
      .filter(([, n]) => n > 0)
      .map(([code, n]) => `<tr><td class="mono">${esc(code)}</td><td class="num">${formatCount(n)}</td></tr>`)
      .join('\n');
  const status = codes(report.statusCodes);
  if (status !== '') out.push(`<div class="table-wrap"><table id="status-codes"><thead><tr><th>status code</th><th class="num">responses</th></tr></thead><tbody>\n${status}\n</tbody></table></div>`);
  const errs = codes(report.errorCodes);
  if (errs !== '') out.push(`<div class="table-wrap"><table id="error-codes"><thead><tr><th>error code</th><th class="num">requests</th></tr></thead><tbody>\n${errs}\n</tbody></table></div>`);
  const retried = retriedLine(report);
  if (retried !== undefined) out.push(`<p id="retried">${esc(retried)}</p>`);
  const goaways = report.timeline.goaways ?? [];
  if (goaways.length > 0) {
    const rows = goaways
      .slice(0, GOAWAY_ROWS)
      .map((g) => `<tr><td class="num">${formatSeconds(g.tMs)}</td><td class="num">${g.lastStreamId}</td><td class="mono">${esc(g.errorCode)}</td><td class="mono">${esc(g.pod ?? '')}</td></tr>`);
    out.push(`<div class="table-wrap"><table id="goaways"><thead><tr><th class="num">GOAWAY at</th><th class="num">last-stream-id</th><th>error code</th><th>pod</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function agentsSection(report: Report): string {
  const agents = report.agents ?? [];
  if (agents.length === 0) return '';
  const cell = (c: string, i: number): string => `<td${AGENT_NUMERIC.has(AGENT_COLUMNS[i]!) ? ' class="num"' : ''}>${esc(c)}</td>`;
  const rows = agents.map((a) => `<tr data-status="${esc(a.status)}">${agentCells(a).map(cell).join('')}</tr>`);
  const head = AGENT_COLUMNS.map((c) => `<th${AGENT_NUMERIC.has(c) ? ' class="num"' : ''}>${c}</th>`).join('');
  return `<section id="agents-section"><h2>${esc(agentsHeadline(agents))}</h2><div class="table-wrap"><table id="agents"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
}

function podsSection(report: Report): string {
  const pods = report.pods;
  if (pods === undefined || pods.length === 0) return '';
  const rows = pods.map((p) => {
    const classes = FAILURE_CLASSES.filter((c) => (p.failures[c] ?? 0) > 0).map((c) => `${c} ${formatCount(p.failures[c] ?? 0)}`);
    return `<tr><td class="mono">${esc(p.pod)}</td><td class="num">${formatCount(p.sent)}</td><td class="num">${formatCount(p.succeeded)}</td><td class="num">${formatCount(p.failed)}</td><td>${esc(classes.join(', '))}</td><td class="num">${formatCount(p.servedWhileTerminating)}</td></tr>`;
  });
  return `<section id="pods-section"><h2>Requests by pod (${pods.length})</h2><div class="table-wrap"><table id="pods"><thead><tr><th>pod</th><th class="num">sent</th><th class="num">succeeded</th><th class="num">failed</th><th>failure classes</th><th class="num">served while terminating</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
}

function checksSection(report: Report): string {
  const rows = report.checks.map(
    (c) => `<tr data-check="${esc(c.id)}"><td>${esc(c.name)}</td><td class="status status-${c.status}">${c.status}</td><td>${esc(c.message)}</td></tr>`,
  );
  return `<section id="checks-section"><h2>Checks</h2><div class="table-wrap"><table id="checks"><thead><tr><th>check</th><th>status</th><th>detail</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div></section>`;
}

function generatorSection(report: Report): string {
  const g = report.generator;
  const ms = (v: number | null): string => (v === null ? 'not measured' : formatLatency(v));
  const facts: Array<[string, string]> = [
    ['kept its schedule', g.saturated ? 'no: it fell behind, so the verdict cannot vouch for the service' : 'yes'],
    ['unsent requests', formatCount(g.unsent)],
    ['schedule lag p99 / max', `${ms(g.scheduleLagP99Ms)} / ${ms(g.scheduleLagMaxMs)}`],
    ['event loop delay p99 / max', `${ms(g.eventLoopDelayP99Ms)} / ${ms(g.eventLoopDelayMaxMs)}`],
    ['workers', formatCount(g.workers)],
  ];
  const out = [`<section id="generator"><h2>Load generator</h2>${dl(facts)}`];
  if (g.saturationReasons !== undefined && g.saturationReasons.length > 0) out.push(`<ul>${g.saturationReasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`);
  if (g.perWorker !== undefined && g.perWorker.length > 1) {
    const rows = g.perWorker.map(
      (w, i) =>
        `<tr><td class="num">${i + 1}</td><td class="num">${formatCount(w.sent)}</td><td class="num">${formatCount(w.unsent)}</td><td class="num">${ms(w.scheduleLagP99Ms)}</td><td class="num">${ms(w.eventLoopDelayP99Ms)}</td><td class="num">${formatRate(w.eventLoopUtilization)}</td></tr>`,
    );
    out.push(`<div class="table-wrap"><table id="workers"><thead><tr><th class="num">worker</th><th class="num">sent</th><th class="num">unsent</th><th class="num">schedule lag p99</th><th class="num">event loop delay p99</th><th class="num">event loop busy</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function metaSection(report: Report): string {
  const m = report.meta;
  const l = m.load;
  const load = l.model === 'open' ? `open model, ${formatCount(l.rate ?? 0)} requests/s` : `closed model, ${formatCount(l.connections ?? 0)} connections`;
  const facts: Array<[string, string]> = [
    ['run', m.runId],
    ['name', m.name],
    ['started', m.startedAt],
    ['ended', m.endedAt],
    ['target', `${m.target.method} ${m.target.url}`],
    ['load', `${load} for ${formatSeconds(l.durationMs)} (warmup ${formatSeconds(l.warmupMs)}), timeout ${formatSeconds(l.timeoutMs)}, ${l.keepAlive ? 'keep-alive' : 'a new connection per request'}${l.client === undefined ? '' : `, ${l.client} HTTP client`}`],
    ['command line', m.commandLine.join(' ')],
    ['zerodrop', m.tool.version],
    ['scenario digest', m.scenarioDigest],
  ];
  if (m.git !== undefined) facts.push(['git commit', `${m.git.commit}${m.git.dirty ? ' (with uncommitted changes)' : ''}`]);
  const mc = m.machine;
  if (mc !== undefined) facts.push(['machine', `${mc.hostname}: ${mc.platform}/${mc.arch}, ${formatCount(mc.cpus)} CPUs, Node.js ${mc.node}`]);
  if (report.digest !== undefined) facts.push(['report digest', report.digest]);
  if (report.signature !== undefined) facts.push(['signed by', `${report.signature.alg} key ${report.signature.keyId}`]);
  const out: string[] = ['<section id="meta"><h2>Run and audit record</h2>', dl(facts, 'meta-facts')];
  if (m.cluster !== undefined && Object.keys(m.cluster).length > 0) {
    out.push('<h3>Cluster</h3>');
    out.push(dl(Object.entries(m.cluster).map(([k, v]) => [k, factText(v)]), 'cluster-facts'));
  }
  if (m.scenario !== undefined) out.push(`<details><summary>Scenario as run (secrets redacted)</summary><pre id="scenario">${esc(jsonText(m.scenario, 2))}</pre></details>`);
  if (report.digest !== undefined) {
    out.push(`<p class="muted">The digest is SHA-256 over report.json's canonical JSON without its digest field; <code>zerodrop verify &lt;the run's folder&gt;</code> tells whether report.json was changed after the run.</p>`);
  }
  out.push('</section>');
  return out.join('\n');
}

function footer(report: Report): string {
  const m = report.meta;
  return `<footer>zerodrop ${esc(m.tool.version)} · run ${esc(m.runId)} · started ${esc(m.startedAt)}${report.digest === undefined ? '' : ` · <span class="mono">${esc(report.digest)}</span>`}</footer>`;
}

function dl(facts: Array<[string, string]>, id?: string): string {
  return `<dl class="facts"${id === undefined ? '' : ` id="${id}"`}>\n${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('\n')}\n</dl>`;
}

/** A fact value as text: strings as they are, lists joined, anything else as compact JSON. */
function factText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(', ');
  return jsonText(v);
}

function jsonText(v: unknown, indent?: number): string {
  try {
    return JSON.stringify(v, null, indent) ?? String(v);
  } catch {
    return String(v);
  }
}

// Class names come from a fixed set, never from outside text.
function severityClass(s: string): 'error' | 'warning' | 'info' | 'other' {
  const v = s.toLowerCase();
  return v === 'error' || v === 'warning' || v === 'info' ? v : 'other';
}
