import type { Clock } from '../clock.js';
import type { LanePool } from './lane-pool.js';
import type { Lane } from './request-handler.js';
import type { SchedulerHost } from './scheduler-host.js';

/**
 * The closed model of one engine: each lane is one loop on its own connection. A response that
 * completes normally dispatches the lane's next request from inside the completion callback
 * (undici then writes it on the next event-loop turn). After an error the restart waits one turn,
 * batched, so the next request never lands on a socket undici is tearing down.
 */
export class ClosedScheduler {
  readonly #host: SchedulerHost;
  readonly #clock: Clock;
  readonly #pool: LanePool;
  readonly #durationMs: number;
  #startMs = 0;
  readonly #restarts: Lane[] = [];
  #restartImmediate: NodeJS.Immediate | null = null;
  #handoverTimer: NodeJS.Timeout | null = null;

  constructor(host: SchedulerHost, clock: Clock, pool: LanePool, durationMs: number) {
    this.#host = host;
    this.#clock = clock;
    this.#pool = pool;
    this.#durationMs = durationMs;
  }

  /** Starts every loop at clock ms `nowMs`, for a load anchored at clock ms `startMs`. */
  start(startMs: number, nowMs: number): void {
    this.#startMs = startMs;
    for (const lane of this.#pool.lanes) this.#host.sendLane(lane, nowMs);
  }

  /**
   * undici let go of the lane's request: `completed` (a normal response end) sends the next one at
   * once, reusing `lastNowMs` (the clock reading of the outcome just counted); else it restarts
   * one turn later.
   */
  release(lane: Lane, completed: boolean, lastNowMs: number): void {
    if (completed) {
      // The same callback just stamped the outcome: reuse that reading of the clock.
      const now = lane.settled && lastNowMs > 0 ? lastNowMs : this.#clock.nowMs();
      if (now - this.#startMs >= this.#durationMs) this.#host.endScheduling(false);
      else this.#host.sendLane(lane, now);
    } else {
      this.#restarts.push(lane);
      if (this.#restartImmediate === null) this.#restartImmediate = setImmediate(this.#flushRestarts);
    }
  }

  /** Restarts closed-model loops whose last request failed, one event-loop turn later. */
  readonly #flushRestarts = (): void => {
    this.#restartImmediate = null;
    const host = this.#host;
    if (host.schedulingDone) {
      this.#restarts.length = 0;
      return;
    }
    const now = this.#clock.nowMs();
    if (now - this.#startMs >= this.#durationMs) {
      this.#restarts.length = 0;
      host.endScheduling(false);
      return;
    }
    const n = this.#restarts.length;
    for (let i = 0; i < n && !host.schedulingDone; i++) host.sendLane(this.#restarts[i]!, now);
    // Lanes that failed synchronously while restarting queued themselves again behind n.
    this.#restarts.splice(0, n);
  };

  /** The loops stop starting requests at clock ms `atMs` (see LoadEngine.handover). */
  handover(atMs: number): void {
    this.#handoverTimer = setTimeout(() => {
      this.#handoverTimer = null;
      this.#host.endScheduling(false);
    }, Math.max(0, atMs - this.#clock.nowMs()));
  }

  /** Scheduling ended: no more restarts. */
  stop(): void {
    if (this.#restartImmediate !== null) clearImmediate(this.#restartImmediate);
    if (this.#handoverTimer !== null) clearTimeout(this.#handoverTimer);
    this.#restartImmediate = this.#handoverTimer = null;
    this.#restarts.length = 0;
  }
}
