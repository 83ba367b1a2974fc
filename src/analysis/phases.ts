import type { FailureClass } from '../metrics/outcome.js';
import { FAILURE_CLASSES, emptyFailureCounts } from '../metrics/outcome.js';
import type { IntervalCounts, PhaseSpan, RunData } from '../metrics/run-data.js';
import type { Counts, PhaseReport } from './results.js';

/** Counts summed over a set of intervals. */
export interface SpanCounts extends Counts {
  unsent: number;
  failures: Record<FailureClass, number>;
}

/** The span of the run the verdict judges, and how it reads in a sentence. */
export interface VerdictWindow {
  startMs: number;
  endMs: number;
  /** e.g. "during the rollout and cooldown". */
  label: string;
}

/**
 * Sums the intervals that start in [fromMs, toMs). An interval belongs to the span of its start,
 * as a request belongs to the interval of its (scheduled) start, so sent = succeeded + failed holds.
 */
export function sumIntervals(intervals: readonly IntervalCounts[], fromMs: number, toMs: number): SpanCounts {
  const out: SpanCounts = { sent: 0, succeeded: 0, failed: 0, unsent: 0, failures: emptyFailureCounts() };
  for (const iv of intervals) {
    if (iv.tMs < fromMs || iv.tMs >= toMs) continue;
    out.sent += iv.sent;
    out.succeeded += iv.succeeded;
    out.failed += iv.failed;
    out.unsent += iv.unsent;
    for (const c of FAILURE_CLASSES) out.failures[c] += iv.failures[c];
  }
  return out;
}

/** One report entry per phase: counts from the intervals, latency from the recorder. */
export function phaseReports(run: RunData): PhaseReport[] {
  return run.phases.map((p) => {
    const counts = sumIntervals(run.intervals, p.startMs, p.endMs);
    return {
      name: p.name,
      startMs: p.startMs,
      endMs: p.endMs,
      sent: counts.sent,
      succeeded: counts.succeeded,
      failed: counts.failed,
      unsent: counts.unsent,
      failures: counts.failures,
      latency: run.latency.summarize(p.startMs, p.endMs),
    };
  });
}

/**
 * The verdict window: rollout through cooldown when the run had a rollout (a release command or a
 * watched rollout), else the measure phase, else everything after warmup.
 */
export function verdictWindow(phases: readonly PhaseSpan[], durationMs: number): VerdictWindow {
  const find = (name: PhaseSpan['name']): PhaseSpan | undefined => phases.find((p) => p.name === name);
  const rollout = find('rollout');
  if (rollout !== undefined) {
    const cooldown = find('cooldown');
    return cooldown === undefined
      ? { startMs: rollout.startMs, endMs: rollout.endMs, label: 'during the rollout' }
      : { startMs: rollout.startMs, endMs: Math.max(rollout.endMs, cooldown.endMs), label: 'during the rollout and cooldown' };
  }
  const measure = find('measure');
  if (measure !== undefined) return { startMs: measure.startMs, endMs: measure.endMs, label: 'during the measurement' };
  const rest = phases.filter((p) => p.name !== 'warmup');
  if (rest.length > 0) {
    return { startMs: Math.min(...rest.map((p) => p.startMs)), endMs: Math.max(...rest.map((p) => p.endMs)), label: 'during the run' };
  }
  const warmupEnd = find('warmup')?.endMs ?? 0;
  return { startMs: warmupEnd, endMs: Math.max(durationMs, warmupEnd), label: 'during the run' };
}
