import { ZerodropError } from '../errors.js';
import type { IntervalCounts } from './run-data.js';
import { ROW_COLUMNS, countDelta, rowOf, type RowBlock } from './row-delta.js';

/** What one cut sends: new counter rows and status / error-code counts since the previous cut. */
export interface Delta {
  rows: RowBlock[];
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
}

const COLS = ROW_COLUMNS.length;

/** A recording whose counter rows can be read one at a time (a Recorder). */
export interface RowSource {
  /** Number of rows that hold any count. */
  readonly intervalCount: number;
  /** Row `i`'s counters in ROW_COLUMNS order. */
  rowCounts(i: number): number[];
}

function isZero(row: readonly number[]): boolean {
  for (const v of row) if (v !== 0) return false;
  return true;
}

/** Packs consecutive non-empty rows into blocks (empty rows are implicit zeros). */
function blocksOf(rows: Array<{ index: number; row: number[] }>): RowBlock[] {
  const blocks: RowBlock[] = [];
  let cur: RowBlock | undefined;
  let next = -1;
  for (const { index, row } of rows) {
    if (isZero(row)) continue;
    if (cur === undefined || index !== next) {
      cur = { fromRow: index, counts: [] };
      blocks.push(cur);
    }
    cur.counts.push(...row);
    next = index + 1;
  }
  return blocks;
}

/**
 * Turns an agent's cumulative recording into exact deltas. During the run, `cut` sends the
 * counter rows no request can still land in (older than the timeout plus slack) and the status
 * counts seen since the last cut; `finish` sends every remaining row and, should a very late
 * request have changed a row already sent (an event-loop stall beyond the slack), a correction
 * block with the difference. Counters only grow, so every delta is non-negative, and the sum of
 * all deltas equals the final recording exactly.
 */
export class DeltaTracker {
  /** Rows already sent, flat (COLS numbers each). */
  readonly #sent: number[] = [];
  #status: Record<string, number> = {};
  #errors: Record<string, number> = {};
  /** cutLive skips rows below this: they were final when last cut (finish still checks them). */
  #settled = 0;

  /** Number of rows sent so far (rows below this index are final on the coordinator's side). */
  get sentRows(): number {
    return this.#sent.length / COLS;
  }

  /** Rows [sentRows, finalRow) of `intervals` (the recorder's cumulative rows), and status deltas. */
  cut(intervals: readonly IntervalCounts[], finalRow: number, statusCodes: Record<string, number>, errorCodes: Record<string, number>): Delta {
    const from = this.sentRows;
    const fresh: Array<{ index: number; row: number[] }> = [];
    for (let r = from; r < finalRow; r++) {
      const iv = intervals[r];
      const row = iv === undefined ? new Array<number>(COLS).fill(0) : rowOf(iv);
      this.#sent.push(...row);
      fresh.push({ index: r, row });
    }
    return { rows: blocksOf(fresh), ...this.#counts(statusCodes, errorCodes) };
  }

  /**
   * Everything recorded since the last cut, including rows that may still change (the run's
   * journal wants every request that has ended, not only final rows): new rows, and the growth
   * of rows already sent. Rows below `settledRow` are final: later live cuts skip them, so a cut
   * costs the recent rows only; finish() still catches a very late change to one of them.
   */
  cutLive(source: RowSource, settledRow: number, statusCodes: Record<string, number>, errorCodes: Record<string, number>): Delta {
    const changes: Array<{ index: number; row: number[] }> = [];
    const n = source.intervalCount;
    const sentRows = this.sentRows;
    for (let r = this.#settled; r < n; r++) {
      const now = source.rowCounts(r);
      if (r >= sentRows) {
        this.#sent.push(...now);
        changes.push({ index: r, row: now });
        continue;
      }
      const diff = now.map((v, k) => v - this.#sent[r * COLS + k]!);
      if (isZero(diff)) continue;
      if (diff.some((d) => d < 0)) throw new ZerodropError('E_INTERNAL', `recording shrank in row ${r}: counters only grow`);
      changes.push({ index: r, row: diff });
      for (let k = 0; k < COLS; k++) this.#sent[r * COLS + k] = now[k]!;
    }
    this.#settled = Math.max(this.#settled, Math.min(settledRow, n));
    return { rows: blocksOf(changes), ...this.#counts(statusCodes, errorCodes) };
  }

  /** Every row not sent yet, corrections for sent rows that changed, and the last status deltas. */
  finish(intervals: readonly IntervalCounts[], statusCodes: Record<string, number>, errorCodes: Record<string, number>): Delta {
    const corrections: Array<{ index: number; row: number[] }> = [];
    const sentRows = this.sentRows;
    for (let r = 0; r < sentRows; r++) {
      const iv = intervals[r];
      const now = iv === undefined ? new Array<number>(COLS).fill(0) : rowOf(iv);
      const diff = now.map((v, k) => v - this.#sent[r * COLS + k]!);
      if (diff.some((d) => d < 0)) throw new ZerodropError('E_INTERNAL', `agent recording shrank in row ${r}: counters only grow`);
      if (!isZero(diff)) {
        corrections.push({ index: r, row: diff });
        for (let k = 0; k < COLS; k++) this.#sent[r * COLS + k] = now[k]!;
      }
    }
    const rest = this.cut(intervals, Math.max(sentRows, intervals.length), statusCodes, errorCodes);
    return { ...rest, rows: [...blocksOf(corrections), ...rest.rows] };
  }

  #counts(statusCodes: Record<string, number>, errorCodes: Record<string, number>): { statusCodes: Record<string, number>; errorCodes: Record<string, number> } {
    const s = countDelta(statusCodes, this.#status);
    const e = countDelta(errorCodes, this.#errors);
    this.#status = { ...statusCodes };
    this.#errors = { ...errorCodes };
    return { statusCodes: s, errorCodes: e };
  }
}
