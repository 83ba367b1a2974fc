import { OUTCOME_COUNT } from './outcome.js';
import type { OutcomeCode } from './outcome.js';

/**
 * Outcome counts per pod (named by the pod header) and counter interval: pod -> interval index ->
 * counts in OUTCOME order. Sparse, pods are few; only kept with a pod header.
 */
export class PodCounts {
  /** Width of a counter interval in ms. */
  readonly intervalMs: number;
  #pods = new Map<string, Map<number, Float64Array>>();
  /** Highest interval index of any pod row + 1. */
  #end = 0;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Number of pods with any count. */
  get size(): number {
    return this.#pods.size;
  }

  /** Counts one outcome for `pod`, of a request that started (or was scheduled) at `startMs`. */
  add(pod: string, startMs: number, outcome: OutcomeCode): void {
    this.row(pod, Math.max(0, Math.floor(startMs / this.intervalMs)))[outcome]! += 1;
  }

  /** The counts of `pod` in interval `index`, made (zero) when missing. */
  row(pod: string, index: number): Float64Array {
    let byInterval = this.#pods.get(pod);
    if (byInterval === undefined) {
      byInterval = new Map();
      this.#pods.set(pod, byInterval);
    }
    let row = byInterval.get(index);
    if (row === undefined) {
      row = new Float64Array(OUTCOME_COUNT);
      byInterval.set(index, row);
      if (index >= this.#end) this.#end = index + 1;
    }
    return row;
  }

  /** Per-pod outcome counts of the intervals from `fromIndex` on (a live cut reads the recent ones only). */
  rowsFrom(fromIndex: number): Array<{ pod: string; index: number; outcomes: number[] }> {
    const out: Array<{ pod: string; index: number; outcomes: number[] }> = [];
    for (const [pod, byInterval] of this.#pods) {
      if (fromIndex <= 0) {
        for (const [index, row] of byInterval) out.push({ pod, index, outcomes: Array.from(row) });
        continue;
      }
      for (let index = fromIndex; index < this.#end; index++) {
        const row = byInterval.get(index);
        if (row !== undefined) out.push({ pod, index, outcomes: Array.from(row) });
      }
    }
    return out;
  }

  /** Per pod (sorted), the outcome counts of each interval that had any (interval start in ms). */
  list(): Array<{ pod: string; intervals: Array<{ tMs: number; outcomes: number[] }> }> {
    return [...this.#pods.keys()].sort().map((pod) => ({
      pod,
      intervals: [...(this.#pods.get(pod) as Map<number, Float64Array>).entries()]
        .sort(([a], [b]) => a - b)
        .map(([i, row]) => ({ tMs: i * this.intervalMs, outcomes: Array.from(row) })),
    }));
  }

  /** Adds everything `other` counted into these. */
  merge(other: PodCounts): void {
    for (const [pod, byInterval] of other.#pods) {
      for (const [i, row] of byInterval) {
        const mine = this.row(pod, i);
        for (let k = 0; k < OUTCOME_COUNT; k++) mine[k]! += row[k]!;
      }
    }
  }

  /** Plain JSON: per pod, per interval index, the outcome counts. */
  encode(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [pod, byInterval] of this.#pods) {
      const rows: Record<string, number[]> = {};
      for (const [i, row] of byInterval) rows[String(i)] = Array.from(row);
      out[pod] = rows;
    }
    return out;
  }
}
