import type { OutcomeCode } from '../metrics/outcome.js';
import { classifyStatus } from './classify.js';
import type { SuccessPredicate } from './classify.js';

/** Statuses 0..STATUS_TABLE_SIZE-1 are classified by table lookup (HTTP status codes have 3 digits). */
export const STATUS_TABLE_SIZE = 1000;

/**
 * The outcome of every status code, computed once from the success predicate: one typed-array
 * load per response instead of a closure call, and plain data that can be copied to worker
 * threads (a predicate function cannot be). Exact for any predicate that depends only on the
 * status; codes outside the table fall back to the predicate (in-thread) or the default rule.
 */
export function buildStatusTable(success?: SuccessPredicate): Uint8Array {
  const t = new Uint8Array(STATUS_TABLE_SIZE);
  for (let s = 0; s < STATUS_TABLE_SIZE; s++) t[s] = classifyStatus(s, success);
  return t;
}

/** The outcome of `status` by table, falling back to classifyStatus for codes beyond it. */
export function outcomeOfStatus(table: Uint8Array, status: number, success?: SuccessPredicate): OutcomeCode {
  return (status >= 0 && status < STATUS_TABLE_SIZE ? table[status]! : classifyStatus(status, success)) as OutcomeCode;
}
