import { escapeXmlAttr, escapeXmlText, stripControl } from '../text/escape.js';
import type { Check, Report } from './model.js';

/**
 * JUnit XML: one test suite "zerodrop", one test case per check. A failed check is a <failure>;
 * an inconclusive one an <error> (the measurement, not the service, is in question); a skipped
 * one <skipped>; a warning passes with its message in <system-out>. The release command's output
 * goes with the trigger check when it did not succeed.
 */
export function renderJunit(report: Report): string {
  const checks = report.checks;
  const count = (s: Check['status']): number => checks.filter((c) => c.status === s).length;
  const failures = count('fail');
  const errors = count('inconclusive');
  const skipped = count('skipped');
  const time = seconds(runDurationMs(report));
  const stats = `tests="${checks.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time}"`;
  const classname = escapeXmlAttr(`zerodrop.${report.meta.name}`);
  const m = report.meta;

  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites name="zerodrop" ${stats}>`);
  lines.push(`  <testsuite name="zerodrop" ${stats} timestamp="${escapeXmlAttr(junitTimestamp(m.startedAt))}">`);
  lines.push('    <properties>');
  const props: Array<[string, string]> = [
    ['verdict', report.verdict],
    ['aborted', String(report.aborted)],
    ['run.id', m.runId],
    ['run.name', m.name],
    ['target', `${m.target.method} ${m.target.url}`],
    ['started.at', m.startedAt],
    ['budget.maxFailureRate', String(report.budget.maxFailureRate)],
    ['budget.upperBound', String(report.budget.upperBound)],
    ['budget.confidence', String(report.budget.confidence)],
    ['tool.version', m.tool.version],
  ];
  // The audit facts an auditor looks up from CI: which commit, and the seal of report.json.
  if (m.git !== undefined) props.push(['git.commit', `${m.git.commit}${m.git.dirty ? ' (dirty)' : ''}`]);
  if (report.digest !== undefined) props.push(['report.digest', report.digest]);
  if (report.signature !== undefined) props.push(['report.signature.keyId', report.signature.keyId]);
  // A WebSocket or SSE load: its connection counts, for CI dashboards that plot properties.
  const c = report.connections;
  if (c !== undefined) {
    props.push(['connections.kind', c.kind], ['connections.opened', String(c.opened)], ['connections.closedGracefully', String(c.closedGracefully)], ['connections.cut', String(c.cut)], ['connections.messagesLost', String(c.messages.lost)]);
    if (c.reconnect.p99Ms !== null) props.push(['connections.reconnectP99Ms', String(Math.round(c.reconnect.p99Ms))]);
  }
  for (const [name, value] of props) lines.push(`      <property name="${escapeXmlAttr(name)}" value="${escapeXmlAttr(value)}"/>`);
  lines.push('    </properties>');

  for (const c of checks) {
    const open = `    <testcase classname="${classname}" name="${escapeXmlAttr(c.name)}" time="${seconds(checkDurationMs(report, c))}"`;
    const detail = checkDetail(report, c);
    switch (c.status) {
      case 'pass':
        lines.push(`${open}/>`);
        break;
      case 'warn':
        lines.push(`${open}>`, `      <system-out>${escapeXmlText(`warning: ${c.message}`)}</system-out>`, '    </testcase>');
        break;
      case 'skipped':
        lines.push(`${open}>`, `      <skipped message="${escapeXmlAttr(c.message)}"/>`, '    </testcase>');
        break;
      case 'fail':
        lines.push(`${open}>`, `      <failure type="fail" message="${escapeXmlAttr(c.message)}">${escapeXmlText(detail)}</failure>`, '    </testcase>');
        break;
      case 'inconclusive':
        lines.push(`${open}>`, `      <error type="inconclusive" message="${escapeXmlAttr(c.message)}">${escapeXmlText(detail)}</error>`, '    </testcase>');
        break;
    }
  }
  const summary = [`verdict: ${report.verdict}${report.aborted ? ' (interrupted)' : ''}`, ...report.reasons.map((r) => `- ${r}`)].join('\n');
  lines.push(`    <system-out>${escapeXmlText(summary)}</system-out>`);
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** The body of a failure or error: the message, the run's reasons, and the trigger's output for the trigger check. */
function checkDetail(report: Report, c: Check): string {
  const parts = [c.message];
  if (c.id === 'trigger-succeeded' && report.trigger !== null) {
    const t = report.trigger;
    const output = stripControl(t.output).trimEnd();
    parts.push(`command: ${t.command}`, `exit code: ${t.exitCode ?? 'none'}${t.signal === null ? '' : `, signal: ${t.signal}`}`);
    if (output.length > 0) parts.push(`output${t.outputTruncated ? ' (truncated)' : ''}:\n${output}`);
  }
  if (c.id === 'failure-budget') {
    const b = report.budget;
    parts.push(
      `window: ${report.window.sent} sent, ${report.window.failed} failed, ${report.window.startMs}-${report.window.endMs} ms`,
      `observed ${b.observedFailureRate}, upper bound ${b.upperBound} at confidence ${b.confidence}, budget ${b.maxFailureRate}`,
    );
  }
  return parts.join('\n');
}

function checkDurationMs(report: Report, c: Check): number {
  if (c.id === 'failure-budget') return report.window.endMs - report.window.startMs;
  if (c.id === 'trigger-succeeded' && report.trigger !== null) return report.trigger.endMs - report.trigger.startMs;
  return 0;
}

function runDurationMs(report: Report): number {
  const ms = Date.parse(report.meta.endedAt) - Date.parse(report.meta.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms : report.meta.load.durationMs;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

// The JUnit schema's timestamp is an ISO 8601 date-time without a zone; ours are UTC.
function junitTimestamp(iso: string): string {
  return iso.replace(/(\.\d+)?Z$/, '');
}
