import { formatCount, formatLatency, formatSeconds } from '../text/format.js';
import type { ConnectionsReport, Report } from './model.js';

/**
 * A WebSocket or SSE load's connections as text, shared by the console, Markdown and HTML
 * renderers: one headline, the counts, and the seconds where connections closed, were cut or
 * came back, beside the rollout events of the same second.
 */

/** What the load was, for the run line (e.g. "25 WebSocket connections x 20 messages/s"). */
export function streamLoadLine(c: ConnectionsReport): string {
  return c.kind === 'websocket'
    ? `${formatCount(c.connections)} WebSocket connections x ${formatCount(c.messageRate)} messages/s`
    : `${formatCount(c.connections)} SSE streams`;
}

const ms = (v: number | null): string => (v === null ? '-' : formatLatency(v));

/** One sentence over the connections: opened, closed how, cut, lost, reconnect times. */
export function connectionsHeadline(c: ConnectionsReport): string {
  const unit = c.kind === 'websocket' ? 'connection' : 'stream';
  const failures = Object.entries(c.connectFailures).map(([k, v]) => `${formatCount(v)} ${k}`).join(', ');
  return [
    `${formatCount(c.opened)} ${unit}s opened (${formatCount(c.reconnect.count)} reconnects)`,
    `${formatCount(c.closedGracefully)} closed gracefully`,
    `${formatCount(c.cut)} cut without a close frame`,
    ...(c.closedWithError > 0 ? [`${formatCount(c.closedWithError)} closed with an error code`] : []),
    ...(failures === '' ? [] : [`failed connects: ${failures}`]),
    `reconnect p50 ${ms(c.reconnect.p50Ms)}, p99 ${ms(c.reconnect.p99Ms)}, max ${ms(c.reconnect.maxMs)} (prompt: within ${formatLatency(c.reconnect.promptMs)}; ${formatCount(c.reconnect.slow)} not)`,
  ].join('; ');
}

/** The message counts as [label, value] pairs. */
export function messageFigures(c: ConnectionsReport): Array<[string, string]> {
  const m = c.messages;
  const rows: Array<[string, string]> = [
    [c.kind === 'websocket' ? 'messages sent' : 'events waited for', formatCount(m.sent)],
    ['answered', formatCount(m.answered)],
    ['lost with a cut', formatCount(m.lost)],
    ['past the deadline', formatCount(m.timedOut)],
  ];
  if (c.kind === 'websocket') rows.push(['sent again after a graceful close', formatCount(m.resent)], ['not sent while reconnecting', formatCount(m.skipped)]);
  return rows;
}

/** The rollout events shown beside the connection timeline, most telling first. */
const EVENT_RANK = new Map(['pod-terminating', 'pod-killed', 'endpoint-terminating', 'endpoint-removed', 'pod-not-ready', 'pod-deleted', 'pod-ready', 'endpoint-ready'].map((t, i) => [t, i]));

/** Columns of the connection timeline table. */
export const CONNECTION_TIMELINE_COLUMNS = ['second', 'opened', 'reconnected', 'graceful', 'cut', 'error', 'failed connects', 'lost', 'rollout events that second'] as const;

/**
 * The per-second connection timeline as cells, seconds with a close, a cut, a failed connect or a
 * reconnect only (the initial opens say nothing), each beside the pod and endpoint events of that
 * second (at most `eventsPerRow`, with a count of the rest).
 */
export function connectionTimelineRows(report: Report, eventsPerRow = 3): string[][] {
  const c = report.connections;
  if (c === undefined) return [];
  return c.timeline
    .filter((s) => s.graceful + s.cut + s.error + s.connectFailed + s.reconnected + s.lost > 0)
    .map((s) => {
      // What ends or moves connections first: pods stopping, endpoints leaving; then pods becoming ready.
      const events = report.events
        .filter((e) => e.tMs >= s.tMs && e.tMs < s.tMs + 1000 && EVENT_RANK.has(e.type))
        .sort((a, b) => (EVENT_RANK.get(a.type) as number) - (EVENT_RANK.get(b.type) as number) || a.tMs - b.tMs);
      const shown = events.slice(0, eventsPerRow).map((e) => `${formatSeconds(e.tMs)} ${e.type} ${e.object}`);
      if (events.length > eventsPerRow) shown.push(`+${events.length - eventsPerRow} more`);
      return [formatSeconds(s.tMs), ...[s.opened, s.reconnected, s.graceful, s.cut, s.error, s.connectFailed, s.lost].map(formatCount), shown.join('\n')];
    });
}
