import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { Dispatcher, Pool } from 'undici';
import type { Clock } from '../clock.js';
import { ProblemList } from '../errors.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { NO_LATENCY, Recorder } from '../metrics/recorder.js';
import type { SuccessPredicate } from './classify.js';
import { DeadlineQueue } from './deadline-queue.js';
import { constantPacer, rampPacer } from './pacer.js';
import type { Pacer } from './pacer.js';
import { RequestHandler } from './request-handler.js';
import type { OutcomeSink } from './request-handler.js';
import { buildDispatchOptions, buildPool, parseTargetUrl } from './target.js';

/** What to send, how fast and for how long: the one input of the load engine (the CLI builds it). */
export interface LoadOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** open: requests start on a schedule whatever the target does; closed: N loops, next on completion. */
  model: 'open' | 'closed';
  /** Open model: requests per second (the rate after the ramp, if any). */
  rate?: number;
  /** Open model: ramp linearly from `fromRate` up (or down) to `rate` over `durationMs`, then hold. */
  ramp?: { fromRate: number; durationMs: number };
  /** Closed model: concurrent request loops (= connections). */
  connections?: number;
  /** How long to schedule requests; in-flight ones are then awaited up to the timeout. */
  durationMs: number;
  /** Per-request timeout; a request still unanswered then is exactly one `timeout`. */
  timeoutMs: number;
  keepAlive: boolean;
  /**
   * Open model: most requests in flight at once; a request due while the cap is reached is
   * counted `unsent`. Default max(1000, ceil(1.1 x peak rate x timeout)): large enough that a
   * target that hangs for the whole timeout shows up as timeouts, not as a generator limit.
   */
  maxInFlight?: number;
  http2?: boolean;
  ca?: string | Uint8Array;
  insecure?: boolean;
  successStatus?: SuccessPredicate;
  /** Counter interval width in ms (default 100). */
  intervalMs?: number;
  /**
   * Open model: how late (ms) a request may start before it is counted `unsent` instead of sent
   * in a burst. Default 50: above timer jitter and young-GC pauses, below anything a rollout
   * analysis would care about.
   */
  lagToleranceMs?: number;
}

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
  /** p99 of the last full latency interval, or null before there is one. */
  recentP99Ms: number | null;
}

/** What a finished load hands to the analysis. */
export interface LoadResult {
  recorder: Recorder;
  /** ms from load start until scheduling ended (the planned duration unless stopped early). */
  durationMs: number;
  stoppedEarly: boolean;
  /** Clock ms at which the load started and at which its last request settled. */
  startMs: number;
  endMs: number;
  /** How well the generator kept its schedule (open model lag; event-loop delay for both). */
  health: { scheduleLagP99Ms: number | null; scheduleLagMaxMs: number | null; eventLoopDelayP99Ms: number | null; eventLoopDelayMaxMs: number | null };
}

/** A running load: await `done`; `stop()` ends scheduling early (Ctrl-C, trigger failure). */
export interface LoadHandle {
  readonly done: Promise<LoadResult>;
  stop(): void;
  progress(): LoadProgress;
}

const ELD_RESOLUTION_MS = 10;

/** Default lateness (ms) past which an open-model request is counted unsent. */
export const DEFAULT_LAG_TOLERANCE_MS = 50;

/** Default open-model in-flight cap for a peak rate and timeout (see LoadOptions.maxInFlight). */
export function defaultMaxInFlight(peakRate: number, timeoutMs: number): number {
  return Math.max(1000, Math.ceil((1.1 * peakRate * timeoutMs) / 1000));
}

function validate(opts: LoadOptions): void {
  const p = new ProblemList();
  try {
    parseTargetUrl(opts.url);
  } catch {
    p.add('url', `must be an http(s) URL, got ${JSON.stringify(opts.url)}`);
  }
  const posInt = (path: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) p.add(path, `must be a positive integer, got ${v}`);
  };
  const posNum = (path: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) p.add(path, `must be a positive number, got ${v}`);
  };
  if (typeof opts.method !== 'string' || !/^[A-Za-z]+$/.test(opts.method)) p.add('method', `must be an HTTP method, got ${JSON.stringify(opts.method)}`);
  if (opts.model === 'open') {
    if (opts.rate === undefined) p.add('rate', 'is required for the open model');
    posNum('rate', opts.rate);
    if (opts.ramp !== undefined) {
      if (!(Number.isFinite(opts.ramp.fromRate) && opts.ramp.fromRate >= 0)) p.add('ramp.fromRate', `must be >= 0, got ${opts.ramp.fromRate}`);
      if (!(Number.isFinite(opts.ramp.durationMs) && opts.ramp.durationMs >= 0)) p.add('ramp.durationMs', `must be >= 0, got ${opts.ramp.durationMs}`);
    }
    posInt('maxInFlight', opts.maxInFlight);
  } else if (opts.model === 'closed') {
    if (opts.connections === undefined) p.add('connections', 'is required for the closed model');
    posInt('connections', opts.connections);
  } else {
    p.add('model', `must be "open" or "closed", got ${JSON.stringify(opts.model)}`);
  }
  posNum('durationMs', opts.durationMs);
  posNum('timeoutMs', opts.timeoutMs);
  posInt('intervalMs', opts.intervalMs);
  if (opts.lagToleranceMs !== undefined && !(opts.lagToleranceMs >= 0)) p.add('lagToleranceMs', `must be >= 0, got ${opts.lagToleranceMs}`);
  p.throwIfAny();
}

/**
 * The load engine. One instance per run; everything on the per-request path is a method or a
 * pre-bound field (no closures, promises or timers per request). Counters live in the Recorder's
 * typed arrays; the few running totals here are plain numbers for the progress line.
 */
class LoadEngine implements LoadHandle, OutcomeSink {
  readonly done: Promise<LoadResult>;
  readonly successStatus: SuccessPredicate | undefined;
  readonly #clock: Clock;
  readonly #recorder: Recorder;
  readonly #lag = new LagRecorder();
  readonly #eld: IntervalHistogram;
  readonly #pool: Pool;
  readonly #dispatchOpts: Dispatcher.DispatchOptions;
  readonly #deadlines = new DeadlineQueue<RequestHandler>();
  readonly #open: boolean;
  readonly #pacer: Pacer | null;
  readonly #maxInFlight: number;
  readonly #timeoutMs: number;
  readonly #durationMs: number;
  readonly #lagToleranceMs: number;
  readonly #connections: number;
  readonly #startMs: number;
  #resolve!: (r: LoadResult) => void;

  #next = 0;
  #dispatched = 0;
  #succeeded = 0;
  #failed = 0;
  #unsent = 0;
  #inFlight = 0;
  #schedulingDone = false;
  #schedulingEndMs = 0;
  #stoppedEarly = false;
  #finished = false;
  #tickTimer: NodeJS.Timeout | null = null;
  #tickImmediate: NodeJS.Immediate | null = null;
  #endTimer: NodeJS.Timeout | null = null;
  #drainTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #pendingRestarts = 0;
  #restartImmediate: NodeJS.Immediate | null = null;
  #rateSampleMs: number;
  #rateSampleSent = 0;
  #recentRate = 0;

  constructor(opts: LoadOptions, clock: Clock) {
    this.#clock = clock;
    this.successStatus = opts.successStatus;
    this.#open = opts.model === 'open';
    this.#timeoutMs = opts.timeoutMs;
    this.#durationMs = opts.durationMs;
    this.#lagToleranceMs = opts.lagToleranceMs ?? DEFAULT_LAG_TOLERANCE_MS;
    this.#recorder = new Recorder({ intervalMs: opts.intervalMs ?? 100, maxLatencyMs: Math.max(1000, 2 * opts.timeoutMs) });
    if (this.#open) {
      const rate = opts.rate!;
      this.#pacer = opts.ramp === undefined ? constantPacer(rate) : rampPacer(opts.ramp.fromRate, rate, opts.ramp.durationMs);
      this.#maxInFlight = opts.maxInFlight ?? defaultMaxInFlight(this.#pacer.peakRate, opts.timeoutMs);
      this.#connections = this.#maxInFlight;
    } else {
      this.#pacer = null;
      this.#connections = opts.connections!;
      this.#maxInFlight = this.#connections;
    }
    this.#pool = buildPool(opts, this.#connections);
    this.#dispatchOpts = buildDispatchOptions(opts);
    this.#eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    this.done = new Promise<LoadResult>((resolve) => {
      this.#resolve = resolve;
    });
    this.#startMs = clock.nowMs();
    this.#rateSampleMs = this.#startMs;
  }

  start(): void {
    this.#eld.enable();
    this.#endTimer = setTimeout(this.#onDurationEnd, Math.max(0, this.#durationMs));
    if (this.#open) {
      this.#tick();
    } else {
      const now = this.#clock.nowMs();
      for (let i = 0; i < this.#connections; i++) this.#send(now);
    }
  }

  // ---- open model -------------------------------------------------------------------------

  /** Dispatches every request that is due, counts the ones that cannot start on time, re-arms. */
  readonly #tick = (): void => {
    this.#tickTimer = null;
    this.#tickImmediate = null;
    if (this.#schedulingDone) return;
    const pacer = this.#pacer!;
    const now = this.#clock.nowMs();
    const elapsed = now - this.#startMs;
    const end = this.#durationMs;
    let nextDue = pacer.dueAt(this.#next);
    while (nextDue <= elapsed && nextDue < end) {
      const lag = elapsed - nextDue;
      this.#lag.record(lag);
      const scheduled = this.#startMs + nextDue;
      if (lag > this.#lagToleranceMs || this.#inFlight >= this.#maxInFlight) {
        this.#recorder.recordUnsent(scheduled);
        this.#unsent++;
      } else {
        this.#send(scheduled);
      }
      nextDue = pacer.dueAt(++this.#next);
    }
    if (this.#schedulingDone) return; // a synchronous failure path may have ended the run
    // Wake for the next request, or for the end of the run if no request is left.
    const wait = Math.min(nextDue, end) - elapsed;
    if (wait <= 0) {
      if (nextDue >= end) this.#endScheduling(false);
      else this.#tickImmediate = setImmediate(this.#tick);
    } else if (wait < 0.3) {
      // Sub-millisecond gaps (high rates): one event-loop turn is finer than any timer.
      this.#tickImmediate = setImmediate(this.#tick);
    } else {
      this.#tickTimer = setTimeout(this.#tick, Math.max(1, Math.round(wait)));
    }
  };

  // ---- closed model -----------------------------------------------------------------------

  /** Restarts the loops whose request ended, batched in one immediate (never re-entering undici). */
  readonly #flushRestarts = (): void => {
    this.#restartImmediate = null;
    let n = this.#pendingRestarts;
    this.#pendingRestarts = 0;
    if (this.#schedulingDone) return;
    const now = this.#clock.nowMs();
    if (now - this.#startMs >= this.#durationMs) {
      this.#endScheduling(false);
      return;
    }
    while (n-- > 0 && !this.#schedulingDone) this.#send(now);
  };

  // ---- per request --------------------------------------------------------------------------

  #send(startMs: number): void {
    const h = new RequestHandler(this, startMs, startMs + this.#timeoutMs);
    this.#inFlight++;
    this.#dispatched++;
    this.#deadlines.push(h);
    if (this.#sweepTimer === null) this.#armSweep(h.deadlineMs);
    try {
      this.#pool.dispatch(this.#dispatchOpts, h);
    } catch (err) {
      h.onResponseError(null, err as Error);
    }
  }

  onOutcome(h: RequestHandler, outcome: OutcomeCode, status: number, errorCode: string | undefined): void {
    const now = this.#clock.nowMs();
    // Latency counts for every HTTP answer and for timeouts (what the user waited); connection
    // errors carry no meaningful latency and would drag percentiles down.
    const latency = status !== 0 || outcome === OUTCOME.timeout ? now - h.startMs : NO_LATENCY;
    this.#recorder.record(h.startMs, outcome, latency, status, errorCode);
    this.#inFlight--;
    if (outcome === OUTCOME.success) this.#succeeded++;
    else this.#failed++;
    if (this.#schedulingDone) {
      if (this.#inFlight === 0) this.#finish();
    } else if (!this.#open) {
      this.#pendingRestarts++;
      if (this.#restartImmediate === null) this.#restartImmediate = setImmediate(this.#flushRestarts);
    }
  }

  // ---- timeouts -----------------------------------------------------------------------------

  #armSweep(atMs: number): void {
    const wait = atMs - this.#clock.nowMs();
    // ceil: firing a hair late is fine, firing early would cost a wasted wake-up.
    this.#sweepTimer = setTimeout(this.#onSweep, wait > 0 ? Math.ceil(wait) : 0);
  }

  static readonly #expire = (h: RequestHandler): void => h.expire();

  readonly #onSweep = (): void => {
    this.#sweepTimer = null;
    const next = this.#deadlines.sweep(this.#clock.nowMs(), LoadEngine.#expire);
    if (next !== Number.POSITIVE_INFINITY && this.#sweepTimer === null && !this.#finished) this.#armSweep(next);
  };

  // ---- end of run ---------------------------------------------------------------------------

  readonly #onDurationEnd = (): void => {
    this.#endTimer = null;
    if (this.#open) {
      // The tick loop ends the run itself once every request due before the end has been sent
      // or counted unsent (timers may fire a fraction of a ms early by the monotonic clock, so
      // ending here could drop the last request from the books). Just make sure it runs now.
      if (!this.#schedulingDone && this.#tickTimer !== null) {
        clearTimeout(this.#tickTimer);
        this.#tick();
      }
    } else {
      this.#endScheduling(false);
    }
  };

  #endScheduling(early: boolean): void {
    if (this.#schedulingDone) return;
    this.#schedulingDone = true;
    this.#stoppedEarly = early;
    this.#schedulingEndMs = this.#clock.nowMs();
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    if (this.#tickImmediate !== null) clearImmediate(this.#tickImmediate);
    if (this.#restartImmediate !== null) clearImmediate(this.#restartImmediate);
    if (this.#endTimer !== null) clearTimeout(this.#endTimer);
    this.#tickTimer = this.#tickImmediate = this.#restartImmediate = this.#endTimer = null;
    if (this.#inFlight === 0) {
      this.#finish();
      return;
    }
    // Backstop: every in-flight request has a deadline within the timeout; if a timer were lost,
    // force them out so `done` always resolves and sent = succeeded + failed still holds.
    this.#drainTimer = setTimeout(this.#forceDrain, this.#timeoutMs + 1000);
  }

  readonly #forceDrain = (): void => {
    this.#drainTimer = null;
    this.#deadlines.sweep(Number.POSITIVE_INFINITY, LoadEngine.#expire);
  };

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const endMs = this.#clock.nowMs();
    if (this.#sweepTimer !== null) clearTimeout(this.#sweepTimer);
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.#sweepTimer = this.#drainTimer = null;
    this.#eld.disable();
    const lag = this.#lag.summary();
    const eldCount = this.#eld.count;
    const result: LoadResult = {
      recorder: this.#recorder,
      durationMs: this.#schedulingEndMs - this.#startMs,
      stoppedEarly: this.#stoppedEarly,
      startMs: this.#startMs,
      endMs,
      health: {
        scheduleLagP99Ms: this.#open ? lag.p99Ms : null,
        scheduleLagMaxMs: this.#open ? lag.maxMs : null,
        // The histogram holds whole timer periods; the delay is what exceeds the resolution.
        eventLoopDelayP99Ms: eldCount > 0 ? Math.max(0, this.#eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS) : null,
        eventLoopDelayMaxMs: eldCount > 0 ? Math.max(0, this.#eld.max / 1e6 - ELD_RESOLUTION_MS) : null,
      },
    };
    // Sockets of timed-out requests may still hang: destroy, do not wait for a graceful close.
    this.#pool.destroy().then(
      () => this.#resolve(result),
      () => this.#resolve(result),
    );
  }

  // ---- handle -------------------------------------------------------------------------------

  stop(): void {
    if (this.#schedulingDone) return;
    this.#endScheduling(this.#clock.nowMs() - this.#startMs < this.#durationMs);
  }

  progress(): LoadProgress {
    const now = this.#clock.nowMs();
    if (now - this.#rateSampleMs >= 200) {
      this.#recentRate = ((this.#dispatched - this.#rateSampleSent) * 1000) / (now - this.#rateSampleMs);
      this.#rateSampleMs = now;
      this.#rateSampleSent = this.#dispatched;
    }
    const L = this.#recorder.latencyIntervalMs;
    return {
      elapsedMs: now - this.#startMs,
      sent: this.#dispatched,
      succeeded: this.#succeeded,
      failed: this.#failed,
      unsent: this.#unsent,
      inFlight: this.#inFlight,
      recentRate: this.#recentRate,
      recentP99Ms: this.#recorder.p99At(now - L),
    };
  }
}

/**
 * Starts sending load now (clock.nowMs() is the load's start; the clock's t0 is the run's).
 * Throws InvalidInputError for inconsistent options; never rejects `done`: every failure of the
 * target becomes an outcome.
 */
export function startLoad(opts: LoadOptions, clock: Clock): LoadHandle {
  validate(opts);
  const engine = new LoadEngine(opts, clock);
  engine.start();
  return engine;
}
