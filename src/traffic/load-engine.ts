import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import type { Dispatcher, Pool } from 'undici';
import type { Clock } from '../clock.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { NO_LATENCY, Recorder } from '../metrics/recorder.js';
import type { SuccessPredicate } from './classify.js';
import { DeadlineQueue } from './deadline-queue.js';
import type { WorkerHealth } from './generator-health.js';
import { LIVE } from './live-counters.js';
import { constantPacer, rampPacer, stridedPacer } from './pacer.js';
import type { Pacer } from './pacer.js';
import { Lane } from './request-handler.js';
import type { LaneSink } from './request-handler.js';
import { buildDispatchOptions, buildPool, clientFactoryOf, clientKindOf } from './target.js';
import type { LaneDispatcher } from './target.js';
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

const ELD_RESOLUTION_MS = 10;

/** A trimmed lane's close can only fail if it is already closed: nothing to do. */
function ignoreCloseError(): void {}

/**
 * Open model: most new connections being opened at once. Without a bound, a cold start (JIT,
 * no connections yet) opens one connection per due request until the first ones are up, and
 * hundreds of simultaneous connects stall the generator for a second; with it, due requests wait
 * (on the clock: their lag counts, and past the tolerance they are unsent) for a connection.
 */
const MAX_CONNECTING = 16;

/**
 * Open model: a tick that starts this late (ms) on its first due request follows a stall of the
 * generator's own loop (GC, a burst of responses, a descheduled CPU), not a slow target: the
 * responses that free lanes are likely read already or about to be. Such a tick opens at most
 * STALLED_NEW_LANES new connections, then yields to I/O so that freed lanes take the backlog.
 * Without the bound, a CPU-bound generator answers its own lateness by opening connections
 * (100-300 us each) and spirals: at 80% of its closed-model maximum a warmup grew ~2,000 lanes
 * with every one in flight and a quarter of the schedule unsent.
 */
const STALL_MS = 5;
const STALLED_NEW_LANES = 2;

/**
 * Open model: a lane idle this long (ms) is surplus (a burst or a slow spell opened it) and is
 * closed by the engine. Closing a connection costs 100-300 us of CPU; hundreds of surplus lanes
 * left to undici's keep-alive timer all expire within one burst's span and stall the loop for
 * tens of ms (measured: a 3 s warmup at 15k/s left ~900 lanes whose expiry 4 s later cost 1,300
 * unsent requests). Trimmed a few at a time instead, the cost is spread thin.
 */
export const IDLE_LANE_TRIM_AFTER_MS = 1000;
/**
 * Open model: idle lanes kept however long idle, as ms of the peak rate (20 ms at 20k/s: 400
 * connections): a hiccup of the target or of the generator shorter than that is absorbed by open
 * connections. Measured at 20k/s: with surplus trimmed down to ~100 lanes, a 10 ms hiccup had
 * every lane in flight and opened 150 connections at once, which cost more unsent requests.
 */
const IDLE_RESERVE_MS = 20;

/**
 * Housekeeping off the per-request path, in small slices so that no slice stalls the schedule:
 * every HOUSEKEEPING_EVERY_MS, close at most TRIM_PER_PASS idle lanes (<= 100 closes/s) and pack
 * one slice of the recorder's sealed latency histograms (Recorder.sealStep).
 */
const HOUSEKEEPING_EVERY_MS = 20;
const TRIM_PER_PASS = 2;

/** Event-loop utilization is reported only over at least this long a span (ms). */
const MIN_ELU_SPAN_MS = 1000;

/** Default lateness (ms) past which an open-model request is counted unsent. */
export const DEFAULT_LAG_TOLERANCE_MS = 50;

/** Default open-model in-flight cap for a peak rate and timeout (see LoadOptions.maxInFlight). */
export function defaultMaxInFlight(peakRate: number, timeoutMs: number): number {
  return Math.max(1000, Math.ceil((1.1 * peakRate * timeoutMs) / 1000));
}

/** The open-model schedule of one engine: its stride of the run's rate shape. */
export function pacerOf(spec: Pick<EngineSpec, 'rate' | 'ramp' | 'stride'>): Pacer {
  const rate = spec.rate!;
  const whole = spec.ramp === undefined ? constantPacer(rate) : rampPacer(spec.ramp.fromRate, rate, spec.ramp.durationMs);
  return stridedPacer(whole, spec.stride.index, spec.stride.count, spec.stride.from ?? 0);
}

/**
 * The load engine of one thread. Everything on the per-request path is a method or a pre-bound
 * field: requests go through reusable Lanes (one undici Client each for HTTP/1.1), counters are
 * typed-array slots (`live`, possibly shared with the parent thread) and the Recorder's arrays,
 * timestamps come from the monotonic clock. No closure, promise or timer per request.
 *
 * Closed model: each lane is one loop on its own connection; a response that completes normally
 * dispatches the lane's next request from inside the completion callback (undici then writes it
 * on the next event-loop turn). After an error the restart waits one turn, batched, so the next
 * request never lands on a socket undici is tearing down.
 *
 * Open model: due requests take an idle lane (LIFO, so a small hot set of connections serves a
 * low rate), or a new one up to the cap (fewer after a stall of our own: STALL_MS). Lanes left
 * idle by a burst are closed a few at a time by the housekeeping timer (IDLE_LANE_TRIM_AFTER_MS).
 */
export class LoadEngine implements LaneSink {
  readonly done: Promise<EngineResult>;
  readonly statusTable: Uint8Array;
  readonly successStatus: SuccessPredicate | undefined;
  readonly podHeader: string | undefined;
  readonly #spec: EngineSpec;
  readonly #clock: Clock;
  readonly #live: Float64Array;
  readonly #recorder: Recorder;
  readonly #lag = new LagRecorder();
  readonly #eld: IntervalHistogram;
  #elu: EventLoopUtilization | null = null;
  readonly #dispatchOpts: Dispatcher.DispatchOptions;
  /** HTTP/2: one shared pool multiplexes; HTTP/1.1: null, every lane has its own Client. */
  readonly #sharedPool: Pool | null;
  readonly #lanes = new Set<Lane>();
  /** Open model: idle lanes, most recently released last (LIFO keeps the hot set small). */
  readonly #idle: Lane[] = [];
  readonly #laneCap: number;
  /** Open model: idle lanes never trimmed (IDLE_RESERVE_MS of the peak rate, at least 1). */
  readonly #idleReserve: number;
  /** Open model with minConnections: idle lanes are taken oldest first, in turn (else newest first). */
  readonly #rotate: boolean;
  readonly #minLanes: number;
  readonly #deadlines = new DeadlineQueue<Lane>();
  /** A new connection for a new lane (HTTP/1.1). */
  readonly #newClient: () => LaneDispatcher;
  readonly #open: boolean;
  #pacer: Pacer | null;
  readonly #maxInFlight: number;
  readonly #timeoutMs: number;
  readonly #durationMs: number;
  readonly #lagToleranceMs: number;
  #startMs = 0;
  #resolve!: (r: EngineResult) => void;

  #next = 0;
  #lastNowMs = 0;
  /** Open model: this engine sends only requests before this index (handover to workers). */
  #stopAtIndex = Number.POSITIVE_INFINITY;
  #handoverTimer: NodeJS.Timeout | null = null;
  /** Lanes whose current request waits for the lane's first connection. */
  #connecting = 0;
  /** The tick stopped at a due request for want of a connection; a release or connect resumes it. */
  #blocked = false;
  #schedulingDone = false;
  #schedulingEndMs = 0;
  #stoppedEarly = false;
  #finished = false;
  #started = false;
  #tickTimer: NodeJS.Timeout | null = null;
  #tickImmediate: NodeJS.Immediate | null = null;
  #housekeepingTimer: NodeJS.Timeout | null = null;
  #endTimer: NodeJS.Timeout | null = null;
  #drainTimer: NodeJS.Timeout | null = null;
  #sweepTimer: NodeJS.Timeout | null = null;
  #p99Timer: NodeJS.Timeout | null = null;
  #healthTimer: NodeJS.Timeout | null = null;
  /** Clock ms from which health is measured. */
  #healthStartMs = 0;
  readonly #restarts: Lane[] = [];
  #restartImmediate: NodeJS.Immediate | null = null;

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
    this.#open = spec.model === 'open';
    this.#timeoutMs = spec.timeoutMs;
    this.#durationMs = spec.durationMs;
    this.#lagToleranceMs = spec.lagToleranceMs;
    this.#recorder = new Recorder({ intervalMs: spec.intervalMs, maxLatencyMs: Math.max(1000, 2 * spec.timeoutMs) });
    // The lean connection tells new connections from reused ones; undici's clients cannot.
    if (spec.http2 !== true && clientKindOf(spec) === 'lean') this.#recorder.tellsNewConnections = true;
    this.#pacer = this.#open ? pacerOf(spec) : null;
    this.#maxInFlight = this.#open ? spec.maxInFlight : spec.connections;
    // A timed-out lane stays busy until undici lets go of it; allow some beyond the cap meanwhile.
    this.#laneCap = this.#open ? 2 * this.#maxInFlight : spec.connections;
    this.#idleReserve = this.#open ? Math.max(1, Math.ceil((this.#pacer!.peakRate * IDLE_RESERVE_MS) / 1000)) : 0;
    this.#minLanes = this.#open && spec.http2 !== true ? (spec.minConnections ?? 0) : 0;
    this.#rotate = this.#minLanes > 0;
    this.#dispatchOpts = buildDispatchOptions(spec);
    this.#sharedPool = spec.http2 === true ? buildPool(spec, this.#maxInFlight) : null;
    this.#newClient = clientFactoryOf(spec);
    this.#eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
    if (opts.publishP99 === true) this.#p99Timer = setInterval(this.#publishP99, 250);
    this.done = new Promise<EngineResult>((resolve) => {
      this.#resolve = resolve;
    });
    if (!this.#open) for (let i = 0; i < spec.connections; i++) this.#newLane();
    // They connect on their first request, as any new lane does.
    for (let i = 0; i < this.#minLanes; i++) this.#idle.push(this.#newLane());
  }

  #newLane(): Lane {
    const lane = new Lane(this, this.#sharedPool ?? this.#newClient(), this.#dispatchOpts);
    this.#lanes.add(lane);
    return lane;
  }

  /** The load's start in clock ms (set by start). */
  get startMs(): number {
    return this.#startMs;
  }

  /** The recorder, for live progress (in-thread). */
  get recorder(): Recorder {
    return this.#recorder;
  }

  /**
   * Starts the schedule anchored at clock ms `startMs` (now, or in the past for workers taking
   * over a running load). Open model: `fromIndex` skips the schedule's first requests (sent by
   * the engine that handed over).
   */
  start(startMs: number, fromIndex = 0): void {
    if (this.#started) return;
    if (this.#open && fromIndex > 0) this.#pacer = pacerOf({ ...this.#spec, stride: { ...this.#spec.stride, from: fromIndex } });
    this.#started = true;
    this.#startMs = startMs;
    this.#eld.enable();
    this.#elu = performance.eventLoopUtilization();
    const now = this.#clock.nowMs();
    this.#healthStartMs = now;
    const healthFrom = this.#spec.healthFromMs;
    if (healthFrom > 0 && healthFrom < this.#durationMs) this.#healthTimer = setTimeout(this.#resetHealth, Math.max(0, healthFrom - (now - startMs)));
    this.#endTimer = setTimeout(this.#onDurationEnd, Math.max(0, this.#durationMs - (now - startMs)));
    this.#housekeepingTimer = setInterval(this.#housekeeping, HOUSEKEEPING_EVERY_MS);
    if (this.#open) {
      this.#tick();
    } else {
      for (const lane of this.#lanes) this.#sendLane(lane, now);
    }
  }

  // ---- open model -------------------------------------------------------------------------

  /** Dispatches every request that is due, counts the ones that cannot start on time, re-arms. */
  readonly #tick = (): void => {
    this.#tickTimer = null;
    this.#tickImmediate = null;
    if (this.#schedulingDone) return;
    const pacer = this.#pacer!;
    const live = this.#live;
    const now = this.#clock.nowMs();
    const elapsed = now - this.#startMs;
    const end = this.#durationMs;
    let nextDue = pacer.dueAt(this.#next);
    this.#blocked = false;
    let newLanes = elapsed - nextDue > STALL_MS ? STALLED_NEW_LANES : Number.POSITIVE_INFINITY;
    let yielded = false;
    while (nextDue <= elapsed && nextDue < end && this.#next < this.#stopAtIndex) {
      const lag = elapsed - nextDue;
      const scheduled = this.#startMs + nextDue;
      let lane: Lane | undefined;
      if (lag <= this.#lagToleranceMs && live[LIVE.inFlight]! < this.#maxInFlight) {
        // In turn, every connection (hence every pod behind a Service) carries its share; else
        // the most recent, so that a low rate keeps few connections busy and the rest age out.
        lane = this.#rotate ? this.#idle.shift() : this.#idle.pop();
        if (lane === undefined && this.#lanes.size < this.#laneCap) {
          if (this.#connecting >= MAX_CONNECTING) {
            // Keep it due: it goes out on the next free or newly connected lane, or turns unsent.
            this.#blocked = true;
            break;
          }
          if (newLanes <= 0) {
            // Keep it due too: the next turn's reads free lanes for it (or it turns unsent).
            yielded = true;
            break;
          }
          newLanes--;
          lane = this.#newLane();
        }
      }
      this.#lag.record(lag);
      if (lane === undefined) {
        this.#recorder.recordUnsent(scheduled);
        live[LIVE.unsent]!++;
      } else {
        this.#sendLane(lane, scheduled);
      }
      nextDue = pacer.dueAt(++this.#next);
    }
    if (this.#schedulingDone) return; // a synchronous failure path may have ended the run
    // Wake for the next request, or for the end of the run if no request is left.
    if (this.#next >= this.#stopAtIndex) {
      // Handed over: the rest of the schedule is the workers'.
      this.#endScheduling(false);
      return;
    }
    const wait = Math.min(nextDue, end) - elapsed;
    if (this.#blocked) {
      // Woken by the next release or connect; the timer only bounds the wait.
      this.#tickTimer = setTimeout(this.#tick, 1);
    } else if (yielded) {
      this.#tickImmediate = setImmediate(this.#tick);
    } else if (wait <= 0) {
      if (nextDue >= end) this.#endScheduling(false);
      else this.#tickImmediate = setImmediate(this.#tick);
    } else if (wait < 0.3) {
      // Sub-millisecond gaps (high rates): one event-loop turn is finer than any timer.
      this.#tickImmediate = setImmediate(this.#tick);
    } else {
      this.#tickTimer = setTimeout(this.#tick, Math.max(1, Math.round(wait)));
    }
  };

  // ---- per request --------------------------------------------------------------------------

  #sendLane(lane: Lane, startMs: number): void {
    const deadline = startMs + this.#timeoutMs;
    const live = this.#live;
    if (!lane.connected) {
      lane.connecting = true;
      this.#connecting++;
    }
    live[LIVE.inFlight]!++;
    live[LIVE.dispatched]!++;
    lane.send(startMs, deadline);
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
    const latency = status !== 0 || outcome === OUTCOME.timeout ? now - lane.startMs : NO_LATENCY;
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

  /** LaneSink: the lane's first connection is up. */
  onConnected(lane: Lane): void {
    if (lane.connecting) {
      lane.connecting = false;
      this.#connecting--;
      this.#wakeBlocked();
    }
  }

  #wakeBlocked(): void {
    if (!this.#blocked || this.#tickImmediate !== null) return;
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    this.#tickTimer = null;
    this.#tickImmediate = setImmediate(this.#tick);
  }

  /** LaneSink: undici let go of the lane's request. */
  onRelease(lane: Lane, completed: boolean): void {
    if (lane.connecting) {
      lane.connecting = false;
      this.#connecting--;
    }
    if (this.#schedulingDone) return;
    if (this.#open) {
      // The outcome callback just read the clock (a lane is released only after its outcome).
      lane.idleSinceMs = this.#lastNowMs;
      this.#idle.push(lane);
      this.#wakeBlocked();
      return;
    }
    if (completed) {
      // The same callback just stamped the outcome: reuse that reading of the clock.
      const now = lane.settled && this.#lastNowMs > 0 ? this.#lastNowMs : this.#clock.nowMs();
      if (now - this.#startMs >= this.#durationMs) this.#endScheduling(false);
      else this.#sendLane(lane, now);
    } else {
      this.#restarts.push(lane);
      if (this.#restartImmediate === null) this.#restartImmediate = setImmediate(this.#flushRestarts);
    }
  }

  /** Restarts closed-model loops whose last request failed, one event-loop turn later. */
  readonly #flushRestarts = (): void => {
    this.#restartImmediate = null;
    if (this.#schedulingDone) {
      this.#restarts.length = 0;
      return;
    }
    const now = this.#clock.nowMs();
    if (now - this.#startMs >= this.#durationMs) {
      this.#restarts.length = 0;
      this.#endScheduling(false);
      return;
    }
    const n = this.#restarts.length;
    for (let i = 0; i < n && !this.#schedulingDone; i++) this.#sendLane(this.#restarts[i]!, now);
    // Lanes that failed synchronously while restarting queued themselves again behind n.
    this.#restarts.splice(0, n);
  };

  /** See HOUSEKEEPING_EVERY_MS. */
  readonly #housekeeping = (): void => {
    // HTTP/2 lanes share one pool: there is no connection of a lane's own to close.
    if (this.#open && this.#sharedPool === null) this.#trimIdle();
    this.#recorder.sealStep();
  };

  /**
   * Closes lanes idle for longer than IDLE_LANE_TRIM_AFTER_MS, oldest first, a few per pass, down
   * to the reserve (and never below minConnections). The most recently released lanes stay: at a
   * low rate they are the ones in use.
   */
  #trimIdle(): void {
    const idle = this.#idle;
    const cutoff = this.#clock.nowMs() - IDLE_LANE_TRIM_AFTER_MS;
    const spare = Math.min(idle.length - this.#idleReserve, this.#lanes.size - this.#minLanes);
    let n = 0;
    // Release order is idle-since order: the oldest are at the bottom of the stack (the front of
    // the queue when rotating).
    while (n < TRIM_PER_PASS && n < spare && idle[n]!.idleSinceMs < cutoff) n++;
    if (n === 0) return;
    for (const lane of idle.splice(0, n)) {
      this.#lanes.delete(lane);
      lane.dispatcher.close().catch(ignoreCloseError);
    }
  }

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
    if (this.#housekeepingTimer !== null) clearInterval(this.#housekeepingTimer);
    if (this.#restartImmediate !== null) clearImmediate(this.#restartImmediate);
    if (this.#endTimer !== null) clearTimeout(this.#endTimer);
    if (this.#handoverTimer !== null) clearTimeout(this.#handoverTimer);
    this.#tickTimer = this.#tickImmediate = this.#restartImmediate = this.#endTimer = this.#handoverTimer = this.#housekeepingTimer = null;
    this.#restarts.length = 0;
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

  /** The warmup is over: measure the generator's health from here on. */
  readonly #resetHealth = (): void => {
    this.#healthTimer = null;
    this.#eld.reset();
    this.#lag.reset();
    this.#elu = performance.eventLoopUtilization();
    this.#healthStartMs = this.#clock.nowMs();
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
    if (this.#healthTimer !== null) {
      // Ended inside the warmup (a bridge that handed over, or a stop): no health evidence.
      clearTimeout(this.#healthTimer);
      this.#lag.reset();
      this.#eld.reset();
      this.#elu = null;
    }
    this.#sweepTimer = this.#drainTimer = this.#p99Timer = this.#healthTimer = null;
    this.#eld.disable();
    const elu = this.#elu === null ? null : performance.eventLoopUtilization(this.#elu);
    const lag = this.#lag.summary();
    const eldCount = this.#eld.count;
    const live = this.#live;
    const health: WorkerHealth = {
      index: this.#spec.stride.index,
      sent: live[LIVE.dispatched]!,
      unsent: live[LIVE.unsent]!,
      // The histogram holds whole timer periods; the delay is what exceeds the resolution.
      eventLoopDelayP99Ms: eldCount > 0 ? Math.max(0, this.#eld.percentile(99) / 1e6 - ELD_RESOLUTION_MS) : null,
      eventLoopDelayMaxMs: eldCount > 0 ? Math.max(0, this.#eld.max / 1e6 - ELD_RESOLUTION_MS) : null,
      // Over too short a span (stopped at once) the share says nothing: report 0.
      eventLoopUtilization: elu === null || endMs - this.#healthStartMs < MIN_ELU_SPAN_MS ? 0 : elu.utilization,
      scheduleLagP99Ms: this.#open ? lag.p99Ms : null,
      scheduleLagMaxMs: this.#open ? lag.maxMs : null,
    };
    const result: EngineResult = {
      recorder: this.#recorder,
      lag: this.#lag,
      durationMs: this.#schedulingEndMs - this.#startMs,
      stoppedEarly: this.#stoppedEarly,
      startMs: this.#startMs,
      endMs,
      health,
    };
    // Sockets of timed-out requests may still hang: destroy, do not wait for a graceful close.
    const closing: Array<Promise<void>> = [];
    if (this.#sharedPool !== null) closing.push(this.#sharedPool.destroy());
    else for (const lane of this.#lanes) closing.push(lane.dispatcher.destroy());
    Promise.allSettled(closing).then(
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
    if (this.#open) {
      this.#stopAtIndex = atIndex;
      if (this.#next >= atIndex) this.#endScheduling(false);
    } else {
      this.#handoverTimer = setTimeout(() => {
        this.#handoverTimer = null;
        this.#endScheduling(false);
      }, Math.max(0, atMs - this.#clock.nowMs()));
    }
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
      this.#startMs = this.#healthStartMs = this.#clock.nowMs();
      this.#eld.enable();
      this.#elu = performance.eventLoopUtilization();
    }
    this.#endScheduling(this.#clock.nowMs() - this.#startMs < this.#durationMs);
  }
}
