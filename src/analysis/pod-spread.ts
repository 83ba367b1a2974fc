import type { Diagnosis, PodCounts } from './results.js';

/** How the load spread over the pods that answered (with a pod header). */
export interface PodSpread {
  /** Pods that answered any request. */
  pods: number;
  /** Share of the requests (sent) of the busiest pod, 0..1. */
  maxShare: number;
  /** Share of the least busy pod, 0..1. */
  minShare: number;
  /** The spread is skewed: one pod carried far more than its share (see podSpreadOf). */
  skewed: boolean;
}

/** A pod carrying at least this share, with others answering too, makes the spread skewed. */
export const SKEW_MAX_SHARE = 0.8;
/** The busiest pod carrying this many times the least busy one's requests makes it skewed. */
export const SKEW_RATIO = 5;
/** Requests below which no skew is judged (too few to tell). */
export const SKEW_MIN_REQUESTS = 100;

/**
 * The spread of the requests over `pods`. Skewed when two or more pods answered and one carried
 * at least SKEW_MAX_SHARE of them, or SKEW_RATIO times the least busy one's, or when a single
 * pod answered everything while `podsSeen` (pods the rollout's events named) says there were
 * more. A rollout starts and ends pods within the run, and such a pod carries fewer requests by
 * nature: with `servingMs` (each pod's span from its first to its last interval with an answer)
 * the shares compared are of requests per second served, so only pinning counts as skew.
 */
export function podSpreadOf(pods: readonly PodCounts[], podsSeen = 0, servingMs?: ReadonlyMap<string, number>): PodSpread | undefined {
  const busy = pods.filter((p) => p.sent > 0);
  if (busy.length === 0) return undefined;
  const sent = busy.map((p) => p.sent);
  const total = sent.reduce((a, b) => a + b, 0);
  const max = Math.max(...sent);
  const min = Math.min(...sent);
  // What is judged: requests per second each pod served (or plain counts without the spans).
  const rates = busy.map((p) => p.sent / Math.max(1, servingMs?.get(p.pod) ?? 1));
  const rateTotal = rates.reduce((a, b) => a + b, 0);
  const maxRate = Math.max(...rates);
  const minRate = Math.min(...rates);
  const enough = total >= SKEW_MIN_REQUESTS;
  const skewed = enough && (busy.length >= 2 ? maxRate / rateTotal >= SKEW_MAX_SHARE || maxRate >= SKEW_RATIO * minRate : podsSeen >= 2);
  return { pods: busy.length, maxShare: max / total, minShare: min / total, skewed };
}

/** Each pod's serving span (ms from its first to the end of its last interval with traffic), for podSpreadOf. */
export function podServingMs(pods: ReadonlyArray<{ pod: string; intervals: ReadonlyArray<{ tMs: number; outcomes: readonly number[] }> }>, intervalMs: number): Map<string, number> {
  const spans = new Map<string, number>();
  for (const { pod, intervals } of pods) {
    let first = Infinity;
    let last = -Infinity;
    for (const { tMs, outcomes } of intervals) {
      if (!outcomes.some((n) => n > 0)) continue;
      first = Math.min(first, tMs);
      last = Math.max(last, tMs);
    }
    if (first !== Infinity) spans.set(pod, last - first + intervalMs);
  }
  return spans;
}

/**
 * The warning for a skewed spread, in the terms of the run's protocol: an HTTP/2 session (or a
 * keep-alive connection) stays on the pod a Service sent it to, so few connections pin the load
 * to few pods, and a rollout then moves it in a few big jumps instead of request by request.
 */
export function podSkewDiagnosis(spread: PodSpread, load: { http2: boolean; model: 'open' | 'closed'; connections?: number; minConnections?: number }): Diagnosis | undefined {
  if (!spread.skewed) return undefined;
  const pct = `${Math.round(spread.maxShare * 100)}%`;
  const unit = load.http2 ? 'HTTP/2 session' : 'keep-alive connection';
  const more =
    load.model === 'open'
      ? `--min-connections N (open model: N ${load.http2 ? 'sessions' : 'connections'} taken in turn), N at least the replica count`
      : `--connections N ${load.http2 ? '(N sessions; --streams sets the requests in flight on each)' : ''}, N at least the replica count`.replace(' ,', ',');
  return {
    id: 'pod-spread-skewed',
    cause: `the load reached the pods unevenly: each ${unit} stays on the pod the Service first sent it to, and too few of them pinned most requests to one pod`,
    evidence:
      spread.pods >= 2
        ? `the busiest of ${spread.pods} pods answered ${pct} of the requests, the least busy ${Math.round(spread.minShare * 100)}%`
        : `one pod answered every request while the rollout named more pods`,
    fix: `open more ${load.http2 ? 'sessions' : 'connections'}: ${more}; clients in production that hold few ${load.http2 ? 'HTTP/2 (or gRPC) connections' : 'connections'} need the same (or a proxy or mesh that balances requests, not connections)`,
  };
}
