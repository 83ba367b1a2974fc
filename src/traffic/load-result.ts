import { ZerodropError } from '../errors.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import type { LagSummary } from '../metrics/lag-recorder.js';
import { mergeRecorders } from '../metrics/recorder.js';
import type { Recorder } from '../metrics/recorder.js';
import { assessSaturation } from './generator-health.js';
import type { WorkerHealth } from './generator-health.js';
import type { EngineResult } from './load-engine.js';

/** A live snapshot for the progress line. sent counts dispatched requests (succeeded + failed + inFlight). */
export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  succeeded: number;
  failed: number;
  unsent: number;
  inFlight: number;
  /** Requests dispatched per second over the last sampling period (>= 200 ms). */
  recentRate: number;
  /** p99 of the last full latency interval (the highest over workers), or null before there is one. */
  recentP99Ms: number | null;
}

/** How well the generator kept its schedule, over all workers, and whether it was the bottleneck. */
export interface LoadHealth {
  /** Open model: schedule lag over all requests (merged across workers); null in the closed model. */
  scheduleLagP99Ms: number | null;
  scheduleLagMaxMs: number | null;
  /** The worst worker's event-loop delay beyond the monitor's resolution. */
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** One entry per worker (one for an in-thread run). */
  workers: WorkerHealth[];
  /** The generator itself was the bottleneck: the verdict must be inconclusive. */
  saturated: boolean;
  /** Why it counts as saturated, one finding each; empty when not. */
  saturationReasons: string[];
}

/** What a finished load hands to the analysis. */
export interface LoadResult {
  /** Every worker's recording, merged exactly. */
  recorder: Recorder;
  /** ms from load start until scheduling ended (the planned duration unless stopped early). */
  durationMs: number;
  stoppedEarly: boolean;
  /** Clock ms at which the load started (shared by all workers) and at which its last request settled. */
  startMs: number;
  endMs: number;
  health: LoadHealth;
}

/**
 * A running load: await `done`; `stop()` ends scheduling early (Ctrl-C, trigger failure) and
 * still waits for the requests in flight up to the timeout; `abandon()` (a second Ctrl-C) stops
 * that wait too.
 */
export interface LoadHandle {
  readonly done: Promise<LoadResult>;
  stop(): void;
  /** Stops the load and stops waiting for requests in flight: each counts as a timeout now, so `done` resolves at once and sent = succeeded + failed still holds. */
  abandon(): void;
  progress(): LoadProgress;
}

/** How combineResults names the parts of a load other than worker threads (remote agents), and the faults their producer found. */
export interface PartsNaming {
  /** What one part is called in the saturation findings (default `worker`). */
  name?: string;
  /** Faults of missing or partial parts, worded by their producer: each one counts as saturation. */
  faults?: readonly string[];
}

/**
 * Merges the engines' results (and the bridge's, see WorkerLoad) into the run's: recorders and schedule lag exactly, the rest as
 * the run's span (earliest start, latest end) and the worst worker's health. Worker threads and remote agents both merge here.
 */
export function combineResults(results: readonly EngineResult[], model: 'open' | 'closed', workerFailures: readonly string[] = [], bridge?: EngineResult, parts: PartsNaming = {}): LoadResult {
  const first = results[0];
  if (first === undefined) throw new ZerodropError('E_INTERNAL', 'combineResults: no engine result');
  // The bridge (the calling thread's engine while workers start) adds its requests, not a worker.
  const all = bridge === undefined ? results : [bridge, ...results];
  const recorder = all.length === 1 ? first.recorder : mergeRecorders(all.map((r) => r.recorder));
  const lag = all.length === 1 ? first.lag : all.reduce((acc, r) => acc.merge(r.lag), new LagRecorder());
  const workers = results.map((r) => r.health);
  const reasons = [...assessSaturation(workers, model, workerFailures, parts.name).reasons, ...(parts.faults ?? [])];
  return {
    recorder,
    durationMs: Math.max(...results.map((r) => r.durationMs)),
    stoppedEarly: all.some((r) => r.stoppedEarly),
    startMs: Math.min(...all.map((r) => r.startMs)),
    endMs: Math.max(...all.map((r) => r.endMs)),
    health: loadHealthOf(model, lag.summary(), workers, workers, reasons),
  };
}

/**
 * A load's health from its parts: the schedule lag over all requests (open model only), the worst
 * event-loop delay among the workers that `measured` it, every worker's own entry, and the
 * saturation findings (non-empty = saturated). Shared by worker threads and remote agents.
 */
export function loadHealthOf(model: 'open' | 'closed', lag: LagSummary, measured: readonly WorkerHealth[], workers: WorkerHealth[], reasons: string[]): LoadHealth {
  const worst = (pick: (w: WorkerHealth) => number | null): number | null =>
    measured.reduce<number | null>((m, w) => {
      const v = pick(w);
      return v === null ? m : m === null ? v : Math.max(m, v);
    }, null);
  return {
    scheduleLagP99Ms: model === 'open' ? lag.p99Ms : null,
    scheduleLagMaxMs: model === 'open' ? lag.maxMs : null,
    eventLoopDelayP99Ms: worst((w) => w.eventLoopDelayP99Ms),
    eventLoopDelayMaxMs: worst((w) => w.eventLoopDelayMaxMs),
    workers,
    saturated: reasons.length > 0,
    saturationReasons: reasons,
  };
}

/** Samples the dispatch rate for the progress line (at most every 200 ms). */
export class RateMeter {
  #atMs: number;
  #sent = 0;
  #rate = 0;

  constructor(nowMs: number) {
    this.#atMs = nowMs;
  }

  /** The recent rate, resampled when at least 200 ms passed since the last sample. */
  sample(nowMs: number, sent: number): number {
    if (nowMs - this.#atMs >= 200) {
      this.#rate = ((sent - this.#sent) * 1000) / (nowMs - this.#atMs);
      this.#atMs = nowMs;
      this.#sent = sent;
    }
    return this.#rate;
  }
}

