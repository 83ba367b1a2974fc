import { GRPC_STATUS_END } from '../metrics/grpc-status.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { classifyStatus } from './classify.js';
import type { SuccessPredicate } from './classify.js';

/**
 * Inclusive [low, high] status ranges counted as success: the success rule as plain data, so the
 * load configuration can be copied to worker threads and sent to agents as it is.
 */
export type StatusRanges = Array<[number, number]>;

/** The default rule (2xx and 3xx: redirects are not followed) as ranges, for where ranges must be given. */
export const DEFAULT_SUCCESS_RANGES: StatusRanges = [[200, 399]];

/** The success rule as a predicate, derived from its ranges; no ranges: the default rule (2xx and 3xx). */
export function successPredicateOf(ranges: StatusRanges | undefined): SuccessPredicate | undefined {
  if (ranges === undefined) return undefined;
  return (status: number) => {
    for (const [lo, hi] of ranges) if (status >= lo && status <= hi) return true;
    return false;
  };
}

/** Statuses 0..STATUS_TABLE_SIZE-1 are classified by table lookup (HTTP status codes have 3 digits; gRPC statuses follow them). */
export const STATUS_TABLE_SIZE = GRPC_STATUS_END;

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

/** The status table of a success rule given as ranges (see buildStatusTable); no ranges: the default rule. */
export function statusTableOf(ranges?: StatusRanges): Uint8Array {
  return buildStatusTable(successPredicateOf(ranges));
}

/** The outcome of `status` by table, falling back to classifyStatus for codes beyond it. */
export function outcomeOfStatus(table: Uint8Array, status: number, success?: SuccessPredicate): OutcomeCode {
  return (status >= 0 && status < STATUS_TABLE_SIZE ? table[status]! : classifyStatus(status, success)) as OutcomeCode;
}
