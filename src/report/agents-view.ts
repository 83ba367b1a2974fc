import { formatCount, formatLatency, formatSeconds } from '../text/format.js';
import type { AgentSummary } from './model.js';

/**
 * The load agents of a distributed run (`--agents N`) as table cells, shared by the console,
 * Markdown and HTML renderers: which pod sent which shard, how it ended, and how far its clock
 * was from the coordinator's (the timeline merges the agents' records on the coordinator's clock).
 */
export const AGENT_COLUMNS = ['agent', 'pod', 'status', 'sent', 'last record', 'clock offset', 'detail'] as const;

/** Columns that hold numbers (right-aligned). */
export const AGENT_NUMERIC: ReadonlySet<string> = new Set(['agent', 'sent', 'last record']);

export function agentCells(a: AgentSummary): string[] {
  return [
    String(a.index),
    a.pod ?? 'none',
    a.status,
    a.sent === undefined ? '-' : formatCount(a.sent),
    a.lastRecordMs === null ? 'none' : formatSeconds(a.lastRecordMs),
    clockOffset(a),
    a.message ?? (a.lateMs !== undefined && a.lateMs > 0 ? `ready ${formatSeconds(a.lateMs)} after the shared start` : ''),
  ];
}

/** One line over all agents: how many, and how many did not complete. */
export function agentsHeadline(agents: readonly AgentSummary[]): string {
  const bad = agents.filter((a) => a.status !== 'completed').length;
  return `${formatCount(agents.length)} load agent${agents.length === 1 ? '' : 's'}: ${bad === 0 ? 'all completed' : `${formatCount(bad)} did not complete`}`;
}

function signed(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${formatLatency(Math.abs(ms))}`;
}

/** The agent's clock minus the coordinator's: a range when both bounds are known. */
function clockOffset(a: AgentSummary): string {
  if (a.clockSkewMs === null) return 'unknown';
  if (a.clockSkewAtMostMs === undefined) return `at least ${signed(a.clockSkewMs)}`;
  return `${signed(a.clockSkewMs)} to ${signed(a.clockSkewAtMostMs)}`;
}
