import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { Report } from './model.js';

/** Top-level fields of report.json in the order the README documents them. */
export const REPORT_FIELD_ORDER = [
  'schemaVersion',
  'verdict',
  'reasons',
  'aborted',
  'totals',
  'window',
  'failures',
  'statusCodes',
  'errorCodes',
  'budget',
  'phases',
  'latency',
  'outages',
  'timeline',
  'events',
  'trigger',
  'checks',
  'diagnosis',
  'generator',
  'meta',
] as const satisfies ReadonlyArray<keyof Report>;

/** Optional top-level fields, after the documented ones when present; `digest` and `signature` always come last. */
export const REPORT_OPTIONAL_FIELD_ORDER = ['preflight', 'pods', 'podSpread', 'retried', 'rollback'] as const satisfies ReadonlyArray<keyof Report>;

/**
 * report.json: pretty-printed (2 spaces, trailing newline) in a stable order whatever order the
 * report was built or read in: documented fields first, failure classes in report order, status
 * and error codes sorted. Unknown extra fields are kept, after the known ones; the digest last.
 */
export function renderJson(report: Report): string {
  const src = report as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of [...REPORT_FIELD_ORDER, ...REPORT_OPTIONAL_FIELD_ORDER]) if (key in src) out[key] = src[key];
  for (const key of Object.keys(src).sort()) if (!(key in out) && key !== 'digest' && key !== 'signature') out[key] = src[key];
  // The seal goes last, where the writer set it: it covers everything above.
  if ('digest' in src) out['digest'] = src['digest'];
  if ('signature' in src) out['signature'] = src['signature'];
  if (report.failures !== undefined) {
    const failures: Record<string, number> = {};
    for (const c of FAILURE_CLASSES) failures[c] = report.failures[c];
    out['failures'] = failures;
  }
  if (report.statusCodes !== undefined) out['statusCodes'] = sortKeys(report.statusCodes, (a, b) => Number(a) - Number(b) || cmp(a, b));
  if (report.errorCodes !== undefined) out['errorCodes'] = sortKeys(report.errorCodes, cmp);
  return `${JSON.stringify(out, null, 2)}\n`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortKeys(rec: Record<string, number>, order: (a: string, b: string) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rec).sort(order)) out[k] = rec[k] as number;
  return out;
}
