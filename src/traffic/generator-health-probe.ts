import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import type { WorkerHealth } from './generator-health.js';

/** Event-loop utilization is reported only over at least this long a span (ms). */
const MIN_ELU_SPAN_MS = 1000;

/**
 * Measures how one engine's thread kept up (see WorkerHealth): event-loop delay and utilization,
 * and the open model's schedule lag (`lag`, recorded by the scheduler per request). Measurement
 * starts with the load and starts over when the warmup ends (`healthFromMs`).
 */
export class GeneratorHealthProbe {
  /** Open model: how late each request started against its schedule (the scheduler records it). */
  readonly lag = new LagRecorder();
  readonly #clock: Clock;
  readonly #eld: IntervalHistogram;
  /** The monitor's period (ms): see eventLoopDelayResolutionMs (upkeep-cadence.ts). */
  readonly eldResolutionMs: number;
  #elu: EventLoopUtilization | null = null;
  /** Clock ms from which health is measured. */
  #startMs = 0;
  #timer: NodeJS.Timeout | null = null;

  /** `eldResolutionMs`: the event-loop-delay monitor's period (each sample costs a wake-up of the thread). */
  constructor(clock: Clock, eldResolutionMs: number) {
    this.#clock = clock;
    this.eldResolutionMs = eldResolutionMs;
    this.#eld = monitorEventLoopDelay({ resolution: eldResolutionMs });
  }

  /**
   * Starts measuring now, for a load started at clock ms `loadStartMs`: measurement starts over
   * `healthFromMs` into the load when that falls inside its `durationMs`. Returns the clock's now.
   */
  start(loadStartMs: number, healthFromMs: number, durationMs: number): number {
    this.#eld.enable();
    this.#elu = performance.eventLoopUtilization();
    const now = this.#clock.nowMs();
    this.#startMs = now;
    if (healthFromMs > 0 && healthFromMs < durationMs) this.#timer = setTimeout(this.#reset, Math.max(0, healthFromMs - (now - loadStartMs)));
    return now;
  }

  /** Starts measuring at clock ms `nowMs`, with no warmup (a stop before the start). */
  begin(nowMs: number): void {
    this.#startMs = nowMs;
    this.#eld.enable();
    this.#elu = performance.eventLoopUtilization();
  }

  /** The warmup is over: measure the generator's health from here on. */
  readonly #reset = (): void => {
    this.#timer = null;
    this.#eld.reset();
    this.lag.reset();
    this.#elu = performance.eventLoopUtilization();
    this.#startMs = this.#clock.nowMs();
  };

  /**
   * Stops measuring at clock ms `endMs` and reports: worker `index`, its `sent` and `unsent`
   * counts, and (`open`) its schedule lag.
   */
  finish(endMs: number, index: number, sent: number, unsent: number, open: boolean): WorkerHealth {
    if (this.#timer !== null) {
      // Ended inside the warmup (a bridge that handed over, or a stop): no health evidence.
      clearTimeout(this.#timer);
      this.#timer = null;
      this.lag.reset();
      this.#eld.reset();
      this.#elu = null;
    }
    this.#eld.disable();
    const elu = this.#elu === null ? null : performance.eventLoopUtilization(this.#elu);
    const lag = this.lag.summary();
    const eldCount = this.#eld.count;
    return {
      index,
      sent,
      unsent,
      // The histogram holds whole timer periods; the delay is what exceeds the resolution.
      eventLoopDelayP99Ms: eldCount > 0 ? Math.max(0, this.#eld.percentile(99) / 1e6 - this.eldResolutionMs) : null,
      eventLoopDelayMaxMs: eldCount > 0 ? Math.max(0, this.#eld.max / 1e6 - this.eldResolutionMs) : null,
      // Over too short a span (stopped at once) the share says nothing: report 0.
      eventLoopUtilization: elu === null || endMs - this.#startMs < MIN_ELU_SPAN_MS ? 0 : elu.utilization,
      scheduleLagP99Ms: open ? lag.p99Ms : null,
      scheduleLagMaxMs: open ? lag.maxMs : null,
    };
  }
}
