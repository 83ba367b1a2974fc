import type { FailureClass } from '../metrics/outcome.js';
import type { LatencySummary } from '../metrics/run-data.js';

// What the analysis produces; the report model (src/report/model.ts) takes these types as they are.

/** The verdict of a run. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Status of one check; the verdict is fail if any check fails, else inconclusive if any is inconclusive. */
export type CheckStatus = 'pass' | 'fail' | 'inconclusive' | 'skipped' | 'warn';

/** One check a CI system lists (JUnit test case). */
export interface Check {
  /** Stable id, e.g. "failure-budget", "no-unsent-requests", "trigger-succeeded". */
  id: string;
  /** Readable name, e.g. "failed requests within the 0.1% budget". */
  name: string;
  /** `warn`: worth knowing, does not change the verdict (e.g. failures before the release). */
  status: CheckStatus;
  message: string;
}

/** Request counts of a span. */
export interface Counts {
  sent: number;
  succeeded: number;
  failed: number;
}

/** A contiguous run of intervals with failures. */
export interface OutageWindow {
  startMs: number;
  endMs: number;
  durationMs: number;
  failed: number;
  sent: number;
  failures: Partial<Record<FailureClass, number>>;
  /** Rollout events shortly before or during the window (filled when a rollout was watched). */
  nearbyEvents?: Array<{ tMs: number; type: string; object: string }>;
}

/** One phase of the run with its counts and latency. */
export interface PhaseReport extends Counts {
  name: string;
  startMs: number;
  endMs: number;
  unsent: number;
  failures: Record<FailureClass, number>;
  latency: LatencySummary;
}

/** One interval of the timeline (compact: arrays would be smaller, objects are easier to read). */
export interface TimelinePoint {
  tMs: number;
  sent: number;
  succeeded: number;
  failed: number;
  unsent: number;
  failures: Partial<Record<FailureClass, number>>;
}

/** A likely cause of failures, with the evidence and the fix. */
export interface Diagnosis {
  id: string;
  cause: string;
  evidence: string;
  fix: string;
}

/** Requests one pod served (filled when the traffic engine can tell pods apart). */
export interface PodCounts {
  pod: string;
  sent: number;
  succeeded: number;
  failed: number;
  failures: Partial<Record<FailureClass, number>>;
  /** Requests the pod answered after it had been told to terminate. */
  servedWhileTerminating: number;
}
