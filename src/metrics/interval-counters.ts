import { FAILURE_CLASSES, OUTCOME_COUNT, emptyFailureCounts } from './outcome.js';
import type { FailureClass, OutcomeCode } from './outcome.js';
import type { IntervalCounts } from './run-data.js';

/** Counter columns: the outcome codes 0..6, then unsent. */
const UNSENT_COL = OUTCOME_COUNT;
/** Number of counter columns per interval. */
export const COUNTER_COLS = OUTCOME_COUNT + 1;
/** Names of the counter columns, in order (the encoded recorder's `columns`). */
export const COUNTER_COLUMN_NAMES: readonly string[] = ['success', ...FAILURE_CLASSES, 'unsent'];

/**
 * Outcome and unsent counts per counter interval, in one growable row-major Float64Array: no
 * allocation per request, exact merges.
 */
export class IntervalCounters {
  /** Width of an interval in ms. */
  readonly intervalMs: number;
  #counts: Float64Array;
  /** Number of intervals that hold any count (highest used index + 1). */
  #used = 0;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
    this.#counts = new Float64Array(COUNTER_COLS * 1024);
  }

  /** Counts one outcome of a request that started (or was scheduled) at `tMs`. */
  add(tMs: number, outcome: OutcomeCode): void {
    const i = this.#row(tMs);
    this.#counts[i * COUNTER_COLS + outcome]! += 1;
  }

  /** Counts `count` requests scheduled at `tMs` that were never sent. */
  addUnsent(tMs: number, count: number): void {
    const i = this.#row(tMs);
    this.#counts[i * COUNTER_COLS + UNSENT_COL]! += count;
  }

  #row(tMs: number): number {
    const i = tMs > 0 ? Math.floor(tMs / this.intervalMs) : 0;
    if (i >= this.#used) {
      if ((i + 1) * COUNTER_COLS > this.#counts.length) this.#grow(i + 1);
      this.#used = i + 1;
    }
    return i;
  }

  #grow(rows: number): void {
    let cap = this.#counts.length / COUNTER_COLS;
    while (cap < rows) cap *= 2;
    const next = new Float64Array(cap * COUNTER_COLS);
    next.set(this.#counts);
    this.#counts = next;
  }

  /** Number of intervals that hold any count. */
  get used(): number {
    return this.#used;
  }

  /** Interval `i`'s counters in column order (success, failure classes, unsent). */
  rowCounts(i: number): number[] {
    if (i < 0 || i >= this.#used) return new Array<number>(COUNTER_COLS).fill(0);
    return Array.from(this.#counts.subarray(i * COUNTER_COLS, (i + 1) * COUNTER_COLS));
  }

  /** Totals over every interval: sent = succeeded + failed, always. */
  totals(): { sent: number; succeeded: number; failed: number; unsent: number; failures: Record<FailureClass, number> } {
    const failures = emptyFailureCounts();
    let succeeded = 0;
    let unsent = 0;
    const c = this.#counts;
    for (let i = 0; i < this.#used; i++) {
      const base = i * COUNTER_COLS;
      succeeded += c[base]!;
      for (let k = 1; k < OUTCOME_COUNT; k++) failures[FAILURE_CLASSES[k - 1]!] += c[base + k]!;
      unsent += c[base + UNSENT_COL]!;
    }
    let failed = 0;
    for (const f of FAILURE_CLASSES) failed += failures[f];
    return { sent: succeeded + failed, succeeded, failed, unsent, failures };
  }

  /** Counters per interval from t0, at least `minIntervals` of them (trailing ones may be zero). */
  intervals(minIntervals: number): IntervalCounts[] {
    const n = Math.max(this.#used, minIntervals);
    const out: IntervalCounts[] = new Array<IntervalCounts>(n);
    const c = this.#counts;
    for (let i = 0; i < n; i++) {
      const failures = emptyFailureCounts();
      let succeeded = 0;
      let failed = 0;
      let unsent = 0;
      if (i < this.#used) {
        const base = i * COUNTER_COLS;
        succeeded = c[base]!;
        for (let k = 1; k < OUTCOME_COUNT; k++) {
          const v = c[base + k]!;
          failures[FAILURE_CLASSES[k - 1]!] = v;
          failed += v;
        }
        unsent = c[base + UNSENT_COL]!;
      }
      out[i] = { tMs: i * this.intervalMs, sent: succeeded + failed, succeeded, failed, failures, unsent };
    }
    return out;
  }

  /** Adds `other`'s counts (same interval width) into these. */
  merge(other: IntervalCounters): void {
    if (other.#used === 0) return;
    this.#row((other.#used - 1) * this.intervalMs);
    const n = other.#used * COUNTER_COLS;
    const a = this.#counts;
    const b = other.#counts;
    for (let k = 0; k < n; k++) a[k]! += b[k]!;
  }

  /** Row-major counts of every interval, trailing empty rows trimmed (the encoded form). */
  encode(): number[] {
    let rows = this.#used;
    while (rows > 0 && this.#isEmptyRow(rows - 1)) rows--;
    return Array.from(this.#counts.subarray(0, rows * COUNTER_COLS));
  }

  /** Sets the counts from their encoded form (a whole number of rows) into empty counters. */
  load(counts: readonly number[]): void {
    const rows = counts.length / COUNTER_COLS;
    if (rows > 0) {
      this.#row((rows - 1) * this.intervalMs);
      this.#counts.set(counts);
    }
  }

  #isEmptyRow(row: number): boolean {
    const c = this.#counts;
    for (let k = 0; k < COUNTER_COLS; k++) if (c[row * COUNTER_COLS + k] !== 0) return false;
    return true;
  }
}
