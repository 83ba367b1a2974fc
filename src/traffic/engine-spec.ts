import type { LagRecorder } from '../metrics/lag-recorder.js';
import type { Recorder } from '../metrics/recorder.js';
import type { WorkerHealth } from './generator-health.js';
import type { TargetOptions } from './target.js';

/**
 * What one engine (the in-thread one, or one worker's) runs: plain data, so it crosses to a
 * worker thread by structured clone. The parent splits a run's LoadOptions into one per worker.
 */
export interface EngineSpec extends TargetOptions {
  model: 'open' | 'closed';
  /** Open model: the whole run's rate shape; this engine sends its `stride` share of it. */
  rate?: number;
  ramp?: { fromRate: number; durationMs: number };
  /** Requests from + index + j*count of the schedule are this engine's (from: see stridedPacer). */
  stride: { index: number; count: number; from?: number };
  /** Open model: this engine's in-flight cap. */
  maxInFlight: number;
  /** Open model: connections this engine keeps and takes in turn (0: as few as the rate needs). */
  minConnections?: number;
  /** Closed model: this engine's request loops (= connections). */
  connections: number;
  durationMs: number;
  intervalMs: number;
  lagToleranceMs: number;
  /** Open model: the send-ahead window in ms (send-window.ts); unset: SEND_AHEAD_MS. */
  sendAheadMs?: number;
  /** ms after the start from which health (lag, event-loop delay and utilization) is measured. */
  healthFromMs: number;
  /** Outcome per status code (buildStatusTable). */
  statusTable: Uint8Array;
}

/** What one engine measured; the parent merges these across workers. */
export interface EngineResult {
  recorder: Recorder;
  lag: LagRecorder;
  /** ms from the load's start until scheduling ended. */
  durationMs: number;
  stoppedEarly: boolean;
  startMs: number;
  endMs: number;
  health: WorkerHealth;
}
