import type { FailureClass } from './outcome.js';
import type { GoawayRecord } from './retries.js';

/** Latency percentiles in milliseconds (fractional), over some set of requests. */
export interface LatencySummary {
  count: number;
  minMs: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

/**
 * Counters of one interval. A request is counted in the interval of its scheduled start (open
 * model) or actual start (closed model), so sent = succeeded + failed holds per interval too.
 */
export interface IntervalCounts {
  /** Start of the interval, ms since the run's t0. */
  tMs: number;
  sent: number;
  succeeded: number;
  failed: number;
  failures: Record<FailureClass, number>;
  /** Requests whose scheduled start passed without being sent (open model only). */
  unsent: number;
}

/** A named span of the run, ms since t0 (end exclusive). */
export interface PhaseSpan {
  name: 'warmup' | 'baseline' | 'rollout' | 'cooldown' | 'measure';
  startMs: number;
  endMs: number;
}

/** Latency questions the analysis may ask; answered by the metrics module (the only owner of HDR histograms). */
export interface LatencyQuery {
  /** Percentiles over requests that started in [fromMs, toMs). */
  summarize(fromMs: number, toMs: number): LatencySummary;
  /** p99 per latency interval, for timeline charts; tMs is the interval start. */
  p99Series(): Array<{ tMs: number; p99Ms: number; count: number }>;
}

/** Everything the analysis needs from one run, whichever engine or workers produced it. */
export interface RunData {
  intervalMs: number;
  intervals: IntervalCounts[];
  statusCodes: Record<string, number>;
  /** Error codes of `other` (and the raw code of refused/reset/timeout), e.g. {"ECONNRESET": 3}. */
  errorCodes: Record<string, number>;
  latency: LatencyQuery;
  /** With a pod header: outcome counts (OUTCOME order) per pod and interval. */
  pods?: Array<{ pod: string; intervals: Array<{ tMs: number; outcomes: number[] }> }>;
  /**
   * Resets on connections that had carried no response yet, per interval that had any; absent
   * when the engine could not tell new connections from reused ones (undici, HTTP/2, agents).
   */
  newConnectionResets?: Array<{ tMs: number; count: number }>;
  /**
   * Requests the server never processed (GOAWAY, REFUSED_STREAM) that the client retried once:
   * absent when there were none. Each still has exactly one outcome, its retry's.
   */
  retried?: { total: number; byReason: Record<string, number>; intervals: Array<{ tMs: number; byReason: Record<string, number> }> };
  /** GOAWAYs the client received, in time order; absent when none. */
  goaways?: GoawayRecord[];
  phases: PhaseSpan[];
  /** Wall-clock epoch ms of t0, for converting offsets to UTC in reports. */
  t0EpochMs: number;
  durationMs: number;
}
