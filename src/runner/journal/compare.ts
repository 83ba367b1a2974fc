import type { Report } from '../../report/model.js';

/** One figure on which a saved report and its journal's re-derivation disagree. */
export interface Disagreement {
  field: string;
  saved: unknown;
  journal: unknown;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

function sortKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}

/**
 * Compares what decides a run (verdict, aborted, totals, the judged window, failures by class,
 * status and error codes) between a saved report.json and the report re-derived from the journal.
 * Empty when they agree. Reasons, latency and diagnosis wording are not compared: a newer zerodrop
 * may word them differently without the record being wrong.
 */
export function compareReports(saved: Report, journal: Report): Disagreement[] {
  const out: Disagreement[] = [];
  const check = (field: string, a: unknown, b: unknown): void => {
    if (!same(a, b)) out.push({ field, saved: a, journal: b });
  };
  check('verdict', saved.verdict, journal.verdict);
  check('aborted', saved.aborted, journal.aborted);
  check('totals', saved.totals, journal.totals);
  check('window', saved.window, journal.window);
  check('failures', saved.failures, journal.failures);
  check('statusCodes', saved.statusCodes, journal.statusCodes);
  check('errorCodes', saved.errorCodes, journal.errorCodes);
  // A WebSocket or SSE load is judged on its connections too.
  check('connections.window', saved.connections?.window, journal.connections?.window);
  return out;
}
