import type { Clock } from '../clock.js';
import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { NO_LATENCY, Recorder } from '../metrics/recorder.js';
import type { SuccessPredicate } from './classify.js';
import { ClosedScheduler } from './closed-scheduler.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { EngineResult, EngineSpec } from './engine-spec.js';
import { GeneratorHealthProbe } from './generator-health-probe.js';
import { LanePool } from './lane-pool.js';
import { LIVE } from './live-counters.js';
import { OpenScheduler, pacerOf } from './open-scheduler.js';
import type { Lane, LaneSink } from './request-handler.js';
import type { SchedulerHost } from './scheduler-host.js';
import { clientKindOf } from './target.js';
import { eventLoopDelayResolutionMs, housekeepingEveryMs, trimPerPass } from './upkeep-cadence.js';

export type { EngineResult, EngineSpec } from './engine-spec.js';
export { IDLE_LANE_TRIM_AFTER_MS } from './lane-pool.js';
export { DEFAULT_LAG_TOLERANCE_MS, defaultMaxInFlight, pacerOf } from './open-scheduler.js';

/**
 * The load engine of one thread: the composition of a scheduler (OpenScheduler or
 * ClosedScheduler), the LanePool, the deadlines of requests in flight, the Recorder and the
 * GeneratorHealthProbe, and the run's end. Everything on the per-request path is a method or a
 * pre-bound field: requests go through reusable Lanes (one undici Client each for HTTP/1.1),
 * counters are typed-array slots (`live`, possibly shared with the parent thread) and the
 * Recorder's arrays, timestamps come from the monotonic clock. No closure, promise or timer per
 * request.
 */
export class LoadEngine implements LaneSink, SchedulerHost {
  readonly done: Promise<EngineResult>;
  readonly statusTable: Uint8Array;
  readonly successStatus: SuccessPredicate | undefined;
  readonly podHeader: string | undefined;
  readonly #spec: EngineSpec;
  readonly #clock: Clock;
  readonly #live: Float64Array;
  readonly #recorder: Recorder;
  readonly #health: GeneratorHealthProbe;
  readonly #pool: LanePool;
  /** Exactly one of the two is set, by the spec's model. */
  readonly #open: OpenScheduler | null;
  readonly #closed: ClosedScheduler | null;
  readonly #deadlines = new DeadlineQueue<Lane>();
  readonly #timeoutMs: number;
  readonly #durationMs: number;
  #startMs = 0;
  #resolve!: (r: EngineResult) => void;

  #lastNowMs = 0;
  #schedulingDone = false;
  #schedulingEndMs = 0;
  #stoppedEarly = false;
  #finished = false;
  #started = false;
  #housekeepingTimer: NodeJS.Timeout | null = null;
  /** Housekeeping period (ms) and the idle lanes a pass may close: see upkeep-cadence.ts. */
  readonly housekeepingEveryMs: number;
  readonly #trimPerPass: number;
  #endTimer: NodeJS.Timeout | null = null;
  #drainTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #p99Timer: NodeJS.Timeout | null = null;

  /**
   * @param live this engine's slot of live counters (see live-counters.ts).
   * @param publishP99 refresh live[recentP99Ms] periodically (worker threads; in-thread progress
   *   asks the recorder directly).
   */
  constructor(spec: EngineSpec, clock: Clock, live: Float64Array, opts: { successStatus?: SuccessPredicate; publishP99?: boolean } = {}) {
    this.#spec = spec;
    this.#clock = clock;
    this.#live = live;
    this.statusTable = spec.statusTable;
    this.successStatus = opts.successStatus;
    this.podHeader = spec.podHeader;
    const open = spec.model === 'open';
    this.#timeoutMs = spec.timeoutMs;
    this.#durationMs = spec.durationMs;
    this.#recorder = new Recorder({ intervalMs: spec.intervalMs, maxLatencyMs: Math.max(1000, 2 * spec.timeoutMs) });
    // The lean connection tells new connections from reused ones; undici's clients cannot.
    if (spec.http2 !== true && clientKindOf(spec) === 'lean') this.#recorder.tellsNewConnections = true;
    const pacer = open ? pacerOf(spec) : null;
    this.#pool = new LanePool(this, spec, {
      open,
      maxInFlight: open ? spec.maxInFlight : spec.connections,
      peakRate: pacer === null ? 0 : pacer.peakRate,
      minConnections: spec.minConnections ?? 0,
      connections: spec.connections,
    });
    const peakRate = pacer === null ? null : pacer.peakRate;
    this.housekeepingEveryMs = housekeepingEveryMs(peakRate);
    this.#trimPerPass = trimPerPass(this.housekeepingEveryMs);
    this.#health = new GeneratorHealthProbe(clock, eventLoopDelayResolutionMs(peakRate));
    this.#open = pacer === null ? null : new OpenScheduler(this, spec, pacer, clock, live, this.#pool, this.#recorder, this.#health.lag);
    this.#closed = pacer === null ? new ClosedScheduler(this, clock, this.#pool, spec.durationMs) : null;
    if (opts.publishP99 === true) this.#p99Timer = setInterval(this.#publishP99, 250);
    this.done = new Promise<EngineResult>((resolve) => {
      this.#resolve = resolve;
    });
    this.#pool.fill();
  }

  /** The load's start in clock ms (set by start). */
  get startMs(): number {
    return this.#startMs;
  }

  /** The recorder, for live progress (in-thread). */
  get recorder(): Recorder {
    return this.#recorder;
  }

  /** SchedulerHost: scheduling has ended. */
  get schedulingDone(): boolean {
    return this.#schedulingDone;
  }

  /**
   * Starts the schedule anchored at clock ms `startMs` (now, or in the past for workers taking
   * over a running load). Open model: `fromIndex` skips the schedule's first requests (sent by
   * the engine that handed over).
   */
  start(startMs: number, fromIndex = 0): void {
    if (this.#started) return;
    if (this.#open !== null && fromIndex > 0) this.#open.skipTo(fromIndex);
    this.#started = true;
    this.#startMs = startMs;
    const now = this.#health.start(startMs, this.#spec.healthFromMs, this.#durationMs);
    this.#endTimer = setTimeout(this.#onDurationEnd, Math.max(0, this.#durationMs - (now - startMs)));
    // Unref'd: the end timer, the scheduler and the requests in flight keep the thread alive.
    this.#housekeepingTimer = setInterval(this.#housekeeping, this.housekeepingEveryMs).unref();
    if (this.#open !== null) this.#open.start(startMs);
    else this.#closed!.start(startMs, now);
  }

  // ---- per request --------------------------------------------------------------------------

  /** SchedulerHost: sends the lane's next request, booked at `startMs`, timed from `latencyFromMs`, and tracks its deadline. */
  sendLane(lane: Lane, startMs: number, latencyFromMs: number = startMs): void {
    const deadline = latencyFromMs + this.#timeoutMs;
    const live = this.#live;
    if (!lane.connected) {
      lane.connecting = true;
      this.#pool.connecting++;
    }
    live[LIVE.inFlight]!++;
    live[LIVE.dispatched]!++;
    lane.send(startMs, deadline, latencyFromMs);
    // After send (seq bumped); a synchronous failure has already settled it and is skipped.
    this.#deadlines.push(lane);
    if (this.#sweepTimer === null && !lane.settled) this.#armSweep(deadline);
  }

  /** LaneSink: one request's single outcome. */
  onOutcome(lane: Lane, outcome: OutcomeCode, status: number, errorCode: string | undefined): void {
    const now = this.#clock.nowMs();
    this.#lastNowMs = now;
    // Latency counts for every HTTP answer and for timeouts (what the user waited); connection
    // errors carry no meaningful latency and would drag percentiles down.
    const latency = status !== 0 || outcome === OUTCOME.timeout ? now - lane.latencyFromMs : NO_LATENCY;
    this.#recorder.record(lane.startMs, outcome, latency, status, errorCode);
    // Only the lean connection knows; read before the lane sends again (a new socket resets it).
    const newConnection = status === 0 && lane.dispatcher.newConnection === true;
    // A reset on a connection that never answered is no keep-alive reuse cut short: the far end
    // (or a userspace proxy whose dial was refused) gave up on a new connection.
    if (newConnection && outcome === OUTCOME.reset) this.#recorder.recordNewConnectionReset(lane.startMs);
    if (this.podHeader !== undefined) {
      // An answer names its pod; a failure without one is the pod that last answered on the
      // same connection (none for a new connection: it may have gone anywhere).
      const pod = lane.pod ?? (status === 0 && !newConnection ? lane.lastPod : undefined);
      if (pod !== undefined) this.#recorder.recordPod(pod, lane.startMs, outcome);
    }
    const live = this.#live;
    live[LIVE.inFlight]!--;
    if (outcome === OUTCOME.success) live[LIVE.succeeded]!++;
    else live[LIVE.failed]!++;
    if (this.#schedulingDone && live[LIVE.inFlight] === 0) this.#finish();
  }

  /** LaneSink: the lane's request is sent again (the server never processed it). */
  onRetry(lane: Lane, reason: string): void {
    this.#recorder.recordRetry(reason, lane.startMs);
  }

  /** LaneSink: a session received a GOAWAY. */
  onGoaway(g: { lastStreamId: number; errorCode: string; pod?: string }): void {
    this.#recorder.recordGoaway({ tMs: this.#clock.nowMs(), ...g });
  }

  /** LaneSink: the lane's first connection is up. */
  onConnected(lane: Lane): void {
    if (lane.connecting) {
      lane.connecting = false;
      this.#pool.connecting--;
      if (this.#open !== null) this.#open.wake();
    }
  }

  /** LaneSink: undici let go of the lane's request. */
  onRelease(lane: Lane, completed: boolean): void {
    if (lane.connecting) {
      lane.connecting = false;
      this.#pool.connecting--;
    }
    if (this.#schedulingDone) return;
    // The outcome callback just read the clock (a lane is released only after its outcome).
    if (this.#open !== null) this.#open.release(lane, this.#lastNowMs);
    else this.#closed!.release(lane, completed, this.#lastNowMs);
  }

  /**
   * Housekeeping off the per-request path, in small slices so that no slice stalls the schedule:
   * every housekeepingEveryMs (20 ms at high rates, up to 1 s at low ones: upkeep-cadence.ts),
   * close a few idle lanes (LanePool.trimIdle, <= 100 closes/s) and pack one slice of the
   * recorder's sealed latency histograms (Recorder.sealStep).
   */
  readonly #housekeeping = (): void => {
    // HTTP/2 lanes share one pool: there is no connection of a lane's own to close.
    if (this.#open !== null && this.#pool.sharedPool === null) this.#pool.trimIdle(this.#clock.nowMs(), this.#trimPerPass);
    this.#recorder.sealStep();
  };

  // ---- timeouts -----------------------------------------------------------------------------

  #armSweep(atMs: number): void {
    const wait = atMs - this.#clock.nowMs();
    // ceil: firing a hair late is fine, firing early would cost a wasted wake-up.
    this.#sweepTimer = setTimeout(this.#onSweep, wait > 0 ? Math.ceil(wait) : 0);
  }

  static readonly #expire = (lane: Lane): void => lane.expire();

  readonly #onSweep = (): void => {
    this.#sweepTimer = null;
    const next = this.#deadlines.sweep(this.#clock.nowMs(), LoadEngine.#expire);
    if (next !== Number.POSITIVE_INFINITY && this.#sweepTimer === null && !this.#finished) this.#armSweep(next);
  };

  // ---- end of run ---------------------------------------------------------------------------

  readonly #onDurationEnd = (): void => {
    this.#endTimer = null;
    if (this.#open !== null) this.#open.onDurationEnd();
    else this.endScheduling(false);
  };

  /** SchedulerHost: ends scheduling; `early`: stopped before the duration. */
  endScheduling(early: boolean): void {
    if (this.#schedulingDone) return;
    this.#schedulingDone = true;
    this.#stoppedEarly = early;
    this.#schedulingEndMs = this.#clock.nowMs();
    if (this.#open !== null) this.#open.stop();
    else this.#closed!.stop();
    if (this.#housekeepingTimer !== null) clearInterval(this.#housekeepingTimer);
    if (this.#endTimer !== null) clearTimeout(this.#endTimer);
    this.#endTimer = this.#housekeepingTimer = null;
    if (this.#live[LIVE.inFlight] === 0) {
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

  readonly #publishP99 = (): void => {
    const p = this.#recorder.p99At(this.#clock.nowMs() - this.#recorder.latencyIntervalMs);
    this.#live[LIVE.recentP99Ms] = p ?? Number.NaN;
  };

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const endMs = this.#clock.nowMs();
    if (this.#sweepTimer !== null) clearTimeout(this.#sweepTimer);
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    if (this.#p99Timer !== null) clearInterval(this.#p99Timer);
    this.#sweepTimer = this.#drainTimer = this.#p99Timer = null;
    const live = this.#live;
    const health = this.#health.finish(endMs, this.#spec.stride.index, live[LIVE.dispatched]!, live[LIVE.unsent]!, this.#open !== null);
    const result: EngineResult = {
      recorder: this.#recorder,
      lag: this.#health.lag,
      durationMs: this.#schedulingEndMs - this.#startMs,
      stoppedEarly: this.#stoppedEarly,
      startMs: this.#startMs,
      endMs,
      health,
    };
    // Sockets of timed-out requests may still hang: destroy, do not wait for a graceful close.
    Promise.allSettled(this.#pool.destroy()).then(
      () => this.#resolve(result),
      () => this.#resolve(result),
    );
  }

  /**
   * Hands the rest of the load over to other engines (the worker threads, once they are up).
   * Open model: this engine sends requests 0..`atIndex`-1 of its schedule and no more. Closed
   * model: its loops stop starting requests at clock ms `atMs`. Not an early stop.
   */
  handover(atIndex: number, atMs: number): void {
    if (this.#schedulingDone) return;
    if (this.#open !== null) this.#open.handover(atIndex);
    else this.#closed!.handover(atMs);
  }

  /**
   * Ends scheduling and stops waiting for the requests in flight: each is counted as a timeout
   * now, as the drain backstop would count it at the timeout plus a second.
   */
  abandon(): void {
    this.stop();
    if (this.#finished) return;
    if (this.#drainTimer !== null) clearTimeout(this.#drainTimer);
    this.#forceDrain();
  }

  /** Ends scheduling now; in-flight requests are still awaited up to the timeout. */
  stop(): void {
    if (this.#schedulingDone) return;
    if (!this.#started) {
      // Stopped before the shared start: nothing was scheduled.
      this.#started = true;
      this.#startMs = this.#clock.nowMs();
      this.#health.begin(this.#startMs);
    }
    this.endScheduling(this.#clock.nowMs() - this.#startMs < this.#durationMs);
  }
}
