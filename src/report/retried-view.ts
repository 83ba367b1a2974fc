import { formatCount } from '../text/format.js';
import type { Report } from './model.js';

/** GOAWAYs listed in the Markdown and HTML reports at most (report.json has them all). */
export const GOAWAY_ROWS = 50;

/**
 * The retries and GOAWAYs in one line (undefined when there were none): requests the server
 * never processed and the client sent again, not failures.
 */
export function retriedLine(report: Report): string | undefined {
  const r = report.retried;
  const g = report.timeline.goaways ?? [];
  if (r === undefined && g.length === 0) return undefined;
  const parts: string[] = [];
  if (r !== undefined) parts.push(`retried ${formatCount(r.total)} (${Object.entries(r.byReason).map(([k, n]) => `${k} ${formatCount(n)}`).join(', ')}): never processed by the server, sent once more, judged by the retry`);
  if (g.length > 0) parts.push(`GOAWAYs received: ${formatCount(g.length)}`);
  return parts.join('; ');
}
