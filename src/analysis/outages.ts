import type { FailureClass } from '../metrics/outcome.js';
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { IntervalCounts } from '../metrics/run-data.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { OutageWindow } from './results.js';

/**
 * Contiguous runs of intervals with at least one failure. A window spans whole intervals
 * (its resolution is the interval length); a missing interval or a clean one ends it. Classes
 * with no failure are left out to keep report.json small.
 */
export function findOutages(intervals: readonly IntervalCounts[], intervalMs: number): OutageWindow[] {
  const windows: OutageWindow[] = [];
  let current: { startMs: number; endMs: number; failed: number; sent: number; failures: Record<FailureClass, number> } | null = null;
  const close = (): void => {
    if (current === null) return;
    windows.push({
      startMs: current.startMs,
      endMs: current.endMs,
      durationMs: current.endMs - current.startMs,
      failed: current.failed,
      sent: current.sent,
      failures: nonZero(current.failures),
    });
    current = null;
  };
  for (const iv of intervals) {
    if (iv.failed === 0) {
      close();
      continue;
    }
    if (current !== null && iv.tMs > current.endMs) close();
    if (current === null) {
      current = { startMs: iv.tMs, endMs: iv.tMs, failed: 0, sent: 0, failures: { http_5xx: 0, http_4xx: 0, timeout: 0, refused: 0, reset: 0, other: 0 } };
    }
    current.endMs = iv.tMs + intervalMs;
    current.failed += iv.failed;
    current.sent += iv.sent;
    for (const c of FAILURE_CLASSES) current.failures[c] += iv.failures[c];
  }
  close();
  return windows;
}

/** Failure counts without the zero classes, in report order. */
export function nonZero(counts: Record<FailureClass, number>): Partial<Record<FailureClass, number>> {
  const out: Partial<Record<FailureClass, number>> = {};
  for (const c of FAILURE_CLASSES) if (counts[c] > 0) out[c] = counts[c];
  return out;
}

/**
 * How likely an event type explains failures near it (lower first): 0 for what takes a serving
 * pod out from under its traffic (a pod that began terminating or was killed, an endpoint
 * removed or turned not-ready), 1 for what sends traffic to a pod that may not serve yet or
 * marks a pod gone (ready, added, deleted), 2 for the rest (the trigger, the Deployment's and
 * ReplicaSets' progress), which tell when, not why.
 */
export function explanationRank(type: string): number {
  switch (type) {
    case 'pod-terminating':
    case 'pod-killed':
    case 'pod-not-ready':
    case 'pod-restarted':
    case 'endpoint-terminating':
    case 'endpoint-removed':
    case 'endpoint-not-ready':
      return 0;
    case 'pod-ready':
    case 'endpoint-ready':
    case 'endpoint-added':
    case 'pod-deleted':
    case 'ingress-reload':
      return 1;
    default:
      return 2;
  }
}

/**
 * The events most likely to explain a failure first (see explanationRank), in time order within
 * each rank: renderers show the first few of an outage window's events.
 */
export function byExplanation<E extends { tMs: number; type: string }>(events: readonly E[]): E[] {
  return [...events].sort((a, b) => explanationRank(a.type) - explanationRank(b.type) || a.tMs - b.tMs);
}

/**
 * Adds to each window the rollout events from `lookbackMs` before its start until its end: the
 * pod deletions and endpoint changes that most likely caused it, listed first (byExplanation).
 * Returns new windows; a window with no such event gets no `nearbyEvents` field.
 */
export function attachNearbyEvents(
  windows: readonly OutageWindow[],
  events: readonly RolloutEventRecord[],
  lookbackMs = 500,
): OutageWindow[] {
  const sorted = [...events].sort((a, b) => a.tMs - b.tMs);
  return windows.map((w) => {
    const near = byExplanation(sorted.filter((e) => e.tMs >= w.startMs - lookbackMs && e.tMs < w.endMs)).map((e) => ({ tMs: e.tMs, type: e.type, object: e.object }));
    const { nearbyEvents: _drop, ...rest } = w;
    return near.length > 0 ? { ...rest, nearbyEvents: near } : rest;
  });
}
