import { LagRecorder } from '../metrics/lag-recorder.js';
import type { EncodedLag } from '../metrics/lag-recorder.js';
import { Recorder } from '../metrics/recorder.js';
import type { EncodedRecorder } from '../metrics/recorder.js';
import type { WorkerHealth } from './generator-health.js';
import type { EngineResult, EngineSpec } from './load-engine.js';
import type { RecordingDelta } from '../metrics/recording-cutter.js';

/** What a load worker is started with (its workerData). */
export interface WorkerInit {
  spec: EngineSpec;
  /** The parent clock's offset from the monotonic clock (clockOffsetOf). */
  offsetMs: number;
  t0EpochMs: number;
  /** The live counters of all workers (see live-counters.ts); this worker writes slot spec.stride.index. */
  live: SharedArrayBuffer;
  /** Post a RecordingDelta this often (ms), and the last one before 'done' (unset: none). */
  deltaEveryMs?: number;
}

/** Parent to worker. */
export type ParentMessage =
  /** Begin at clock ms `atMs`, on the schedule anchored at `startMs`, from request `fromIndex` on. */
  | { type: 'start'; startMs: number; atMs: number; fromIndex: number }
  | { type: 'stop' }
  /** Stop, and count the requests in flight as timeouts now (LoadEngine.abandon). */
  | { type: 'abandon' }
  | { type: 'probe' };

/** An EngineResult in plain, structured-clone-safe form. */
export interface EncodedEngineResult {
  recorder: EncodedRecorder;
  lag: EncodedLag;
  durationMs: number;
  stoppedEarly: boolean;
  startMs: number;
  endMs: number;
  health: WorkerHealth;
}

/** Worker to parent. `probe` answers a probe with the worker clock's reading (alignment checks). */
export type WorkerMessage =
  | { type: 'ready'; nowMs: number }
  | { type: 'probe'; nowMs: number }
  | { type: 'delta'; delta: RecordingDelta }
  | { type: 'done'; result: EncodedEngineResult }
  | { type: 'error'; message: string };

/** Encodes a worker's result for postMessage. */
export function encodeEngineResult(r: EngineResult): EncodedEngineResult {
  return {
    recorder: r.recorder.toJSON(),
    lag: r.lag.toJSON(),
    durationMs: r.durationMs,
    stoppedEarly: r.stoppedEarly,
    startMs: r.startMs,
    endMs: r.endMs,
    health: r.health,
  };
}

/** Decodes a worker's result (exact: recorders and lag histograms round-trip unchanged). */
export function decodeEngineResult(e: EncodedEngineResult): EngineResult {
  return {
    recorder: Recorder.fromJSON(e.recorder),
    lag: LagRecorder.fromJSON(e.lag),
    durationMs: e.durationMs,
    stoppedEarly: e.stoppedEarly,
    startMs: e.startMs,
    endMs: e.endMs,
    health: e.health,
  };
}
