import { FAILURE_CLASSES } from './outcome.js';
import type { EncodedRecorder } from './recorder.js';
import type { IntervalCounts } from './run-data.js';

/*
 * Exact deltas of a Recorder's counters: rows of interval counters (in the Recorder's encoded
 * column order) and counts per status or error code. Agents send them over their pod logs, worker
 * threads post them to the parent, and the run's journal appends them: summing every delta of a
 * recording gives exactly the recording's counters.
 */

/** Counter columns of a row, in the Recorder's encoded order. */
export const ROW_COLUMNS: readonly string[] = ['success', ...FAILURE_CLASSES, 'unsent'];

/** How a Recorder slices time; whoever merges deltas rebuilds recorders with the same settings. */
export interface RecorderSettings {
  intervalMs: number;
  latencyIntervalMs: number;
  maxLatencyMs: number;
}

/** A block of counter rows: `counts` holds rows `fromRow...` row-major (ROW_COLUMNS each). */
export interface RowBlock {
  fromRow: number;
  counts: number[];
}

/** One interval's counters as a row in ROW_COLUMNS order. */
export function rowOf(i: IntervalCounts): number[] {
  return [i.succeeded, ...FAILURE_CLASSES.map((c) => i.failures[c]), i.unsent];
}

/**
 * An EncodedRecorder holding exactly the given deltas (rows, histograms, status and error
 * counts), so that Recorder.fromJSON + merge adds them: the same exact merge worker threads use.
 */
export function deltaToEncoded(settings: RecorderSettings, delta: { rows?: readonly RowBlock[]; histograms?: Array<{ index: number; data: string }>; statusCodes?: Record<string, number>; errorCodes?: Record<string, number> }): EncodedRecorder {
  const cols = ROW_COLUMNS.length;
  let rows = 0;
  for (const b of delta.rows ?? []) rows = Math.max(rows, b.fromRow + b.counts.length / cols);
  const counts = new Array<number>(rows * cols).fill(0);
  for (const b of delta.rows ?? []) for (let k = 0; k < b.counts.length; k++) counts[b.fromRow * cols + k]! += b.counts[k]!;
  return {
    format: 'zerodrop-recorder',
    version: 1,
    intervalMs: settings.intervalMs,
    latencyIntervalMs: settings.latencyIntervalMs,
    maxLatencyMs: settings.maxLatencyMs,
    columns: [...ROW_COLUMNS],
    counts,
    histograms: delta.histograms ?? [],
    statusCodes: delta.statusCodes ?? {},
    errorCodes: delta.errorCodes ?? {},
  };
}

/** `now - before` per key, keeping only positive differences (cumulative counters only grow). */
export function countDelta(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) {
    const d = v - (before[k] ?? 0);
    if (d > 0) out[k] = d;
  }
  return out;
}
