import type { Clock } from '../clock.js';
import type { LagRecorder } from '../metrics/lag-recorder.js';
import type { Recorder } from '../metrics/recorder.js';
import type { EngineSpec } from './engine-spec.js';
import type { LanePool } from './lane-pool.js';
import { LIVE } from './live-counters.js';
import { SEND_AHEAD_MS, wakeDelayMs } from './open-wake.js';
import { constantPacer, rampPacer, stridedPacer } from './pacer.js';
import type { Pacer } from './pacer.js';
import type { Lane } from './request-handler.js';
import type { SchedulerHost } from './scheduler-host.js';
import { latencyStartMs, waitForNextMs } from './send-window.js';

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
 * The open model of one engine (as vegeta's attack loop around its pacer): requests start on the
 * schedule whatever the target does. A tick dispatches every request that is due, or due within
 * the send-ahead window (send-window.ts), on an idle lane (or a new one up to the cap, fewer after
 * a stall of our own: STALL_MS), counts the ones that cannot start on time as unsent, and re-arms
 * for the next request to enter the window. A request sent late counts its latency from its
 * scheduled time (no coordinated omission), one sent ahead from its actual send (never shorter
 * than the target took); its lag is how late it went out, 0 if ahead.
 */
export class OpenScheduler {
  readonly #host: SchedulerHost;
  readonly #spec: EngineSpec;
  readonly #clock: Clock;
  readonly #live: Float64Array;
  readonly #pool: LanePool;
  readonly #recorder: Recorder;
  readonly #lag: LagRecorder;
  #pacer: Pacer;
  readonly #maxInFlight: number;
  readonly #durationMs: number;
  readonly #lagToleranceMs: number;
  /** A wake-up sends every request due within this many ms of it (send-window.ts). */
  readonly #sendAheadMs: number;
  #startMs = 0;
  #next = 0;
  /** This engine sends only requests before this index (handover to workers). */
  #stopAtIndex = Number.POSITIVE_INFINITY;
  /** The tick stopped at a due request for want of a connection; a release or connect resumes it. */
  #blocked = false;
  #tickTimer: NodeJS.Timeout | null = null;
  #tickImmediate: NodeJS.Immediate | null = null;

  /** `lag` records each request's lateness (the health probe's); `pacer` is pacerOf(spec). */
  constructor(host: SchedulerHost, spec: EngineSpec, pacer: Pacer, clock: Clock, live: Float64Array, pool: LanePool, recorder: Recorder, lag: LagRecorder) {
    this.#host = host;
    this.#spec = spec;
    this.#pacer = pacer;
    this.#clock = clock;
    this.#live = live;
    this.#pool = pool;
    this.#recorder = recorder;
    this.#lag = lag;
    this.#maxInFlight = spec.maxInFlight;
    this.#durationMs = spec.durationMs;
    this.#lagToleranceMs = spec.lagToleranceMs;
    this.#sendAheadMs = spec.sendAheadMs ?? SEND_AHEAD_MS;
  }

  /** Skips the schedule's first `fromIndex` requests (sent by the engine that handed over); before start. */
  skipTo(fromIndex: number): void {
    this.#pacer = pacerOf({ ...this.#spec, stride: { ...this.#spec.stride, from: fromIndex } });
  }

  /** Starts the schedule anchored at clock ms `startMs`. */
  start(startMs: number): void {
    this.#startMs = startMs;
    this.#tick();
  }

  /** Dispatches every request that is due, counts the ones that cannot start on time, re-arms. */
  readonly #tick = (): void => {
    this.#tickTimer = null;
    this.#tickImmediate = null;
    const host = this.#host;
    if (host.schedulingDone) return;
    const pacer = this.#pacer;
    const live = this.#live;
    const pool = this.#pool;
    const idle = pool.idle;
    const rotate = pool.rotate;
    const lagRecorder = this.#lag;
    const startMs = this.#startMs;
    const now = this.#clock.nowMs();
    const elapsed = now - startMs;
    const end = this.#durationMs;
    let nextDue = pacer.dueAt(this.#next);
    this.#blocked = false;
    let newLanes = elapsed - nextDue > STALL_MS ? STALLED_NEW_LANES : Number.POSITIVE_INFINITY;
    let yielded = false;
    // The send-ahead window (send-window.ts): requests due by `horizon` go out on this wake-up.
    const horizon = elapsed + this.#sendAheadMs;
    while (nextDue <= horizon && nextDue < end && this.#next < this.#stopAtIndex) {
      // Negative for a request sent ahead of its time: the lag recorder counts it as 0.
      const lag = elapsed - nextDue;
      const scheduled = startMs + nextDue;
      let lane: Lane | undefined;
      if (lag <= this.#lagToleranceMs && live[LIVE.inFlight]! < this.#maxInFlight) {
        // In turn, every connection (hence every pod behind a Service) carries its share; else
        // the most recent, so that a low rate keeps few connections busy and the rest age out.
        lane = rotate ? idle.shift() : idle.pop();
        if (lane === undefined && pool.lanes.size < pool.cap) {
          if (pool.connecting >= MAX_CONNECTING) {
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
          lane = pool.add();
        }
      }
      lagRecorder.record(lag);
      if (lane === undefined) {
        this.#recorder.recordUnsent(scheduled);
        live[LIVE.unsent]!++;
      } else {
        // Booked at its scheduled start (the interval it falls in); its latency counts from the
        // earlier of scheduled and sent (latencyStartMs): a late request from its schedule (no
        // coordinated omission), one sent ahead from now, its actual send.
        host.sendLane(lane, scheduled, latencyStartMs(scheduled, now));
      }
      nextDue = pacer.dueAt(++this.#next);
    }
    if (host.schedulingDone) return; // a synchronous failure path may have ended the run
    // Wake for the next request, or for the end of the run if no request is left.
    if (this.#next >= this.#stopAtIndex) {
      // Handed over: the rest of the schedule is the workers'.
      host.endScheduling(false);
      return;
    }
    const wait = waitForNextMs(nextDue, elapsed, this.#sendAheadMs, end);
    if (this.#blocked) {
      // Woken by the next release or connect; the timer only bounds the wait.
      this.#tickTimer = setTimeout(this.#tick, 1);
    } else if (yielded) {
      this.#tickImmediate = setImmediate(this.#tick);
    } else if (wait <= 0 && nextDue >= end) {
      host.endScheduling(false);
    } else {
      // Sleep until the next request enters the window (no spinning on sub-ms gaps: see
      // open-wake.ts); the wake-up sends every request due by then plus the window.
      const delay = wakeDelayMs(wait);
      if (delay === 0) this.#tickImmediate = setImmediate(this.#tick);
      else this.#tickTimer = setTimeout(this.#tick, delay);
    }
  };

  /** A lane's first connection is up, or a lane was released: a blocked tick runs on the next turn. */
  wake(): void {
    if (!this.#blocked || this.#tickImmediate !== null) return;
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    this.#tickTimer = null;
    this.#tickImmediate = setImmediate(this.#tick);
  }

  /** undici let go of the lane's request, at clock ms `nowMs`: the lane is idle again. */
  release(lane: Lane, nowMs: number): void {
    lane.idleSinceMs = nowMs;
    this.#pool.idle.push(lane);
    this.wake();
  }

  /** This engine sends requests 0..`atIndex`-1 of its schedule and no more (see LoadEngine.handover). */
  handover(atIndex: number): void {
    this.#stopAtIndex = atIndex;
    if (this.#next >= atIndex) this.#host.endScheduling(false);
  }

  /**
   * The duration's timer fired. The tick loop ends the run itself once every request due before
   * the end has been sent or counted unsent (timers may fire a fraction of a ms early by the
   * monotonic clock, so ending here could drop the last request from the books). Just make sure
   * it runs now.
   */
  onDurationEnd(): void {
    if (!this.#host.schedulingDone && this.#tickTimer !== null) {
      clearTimeout(this.#tickTimer);
      this.#tick();
    }
  }

  /** Scheduling ended: no more ticks. */
  stop(): void {
    if (this.#tickTimer !== null) clearTimeout(this.#tickTimer);
    if (this.#tickImmediate !== null) clearImmediate(this.#tickImmediate);
    this.#tickTimer = this.#tickImmediate = null;
  }
}
