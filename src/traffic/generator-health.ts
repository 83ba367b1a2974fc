/** How well the generator kept its schedule. */
export interface GeneratorHealth {
  unsent: number;
  scheduleLagP99Ms: number | null;
  scheduleLagMaxMs: number | null;
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  workers: number;
  saturated: boolean;
  /** Each worker thread's own health (event-loop delay, busy share, schedule lag, counts). */
  perWorker?: Array<{
    eventLoopDelayP99Ms: number | null;
    eventLoopDelayMaxMs: number | null;
    /** Share of the run its event loop was busy, 0..1 (near 1: CPU-bound). */
    eventLoopUtilization: number;
    scheduleLagP99Ms: number | null;
    scheduleLagMaxMs: number | null;
    sent: number;
    unsent: number;
  }>;
  /** Why the generator counts as saturated (empty when it does not). */
  saturationReasons?: string[];
}

/** How one worker (or the in-thread engine) kept up: the evidence behind `saturated`. */
export interface WorkerHealth {
  /** 0-based worker index. */
  index: number;
  /** Requests this worker dispatched, and counted unsent. */
  sent: number;
  unsent: number;
  /** Event-loop delay beyond the monitor's resolution, ms; null when never sampled. */
  eventLoopDelayP99Ms: number | null;
  eventLoopDelayMaxMs: number | null;
  /** Share of the run the worker's event loop was busy (0..1): near 1 = CPU-bound. */
  eventLoopUtilization: number;
  /** Open model: how late requests started against the schedule, ms; null in the closed model. */
  scheduleLagP99Ms: number | null;
  scheduleLagMaxMs: number | null;
}

/** Event-loop delay p99 (ms) above which a worker's own stalls distort latency: saturated. */
export const SATURATION_ELD_P99_MS = 50;
/** Open model: schedule lag p99 (ms) above which the generator is not keeping its schedule. */
export const SATURATION_LAG_P99_MS = 25;

/**
 * Whether the generator itself was the bottleneck, and why (one sentence per finding): event-loop
 * delay (it adds to every latency measured) and, in the open model, schedule lag. Event-loop
 * utilization is reported but is no evidence on its own: a closed model at full speed keeps the
 * loop busy by design, and an open model near its ceiling does too. A worker that failed (`workerFailures`, one line each) is always saturation: part of the load is missing.
 * `partName` names a part in the findings (`worker 2`, or `agent 2` for remote agents).
 */
export function assessSaturation(workers: readonly WorkerHealth[], model: 'open' | 'closed', workerFailures: readonly string[] = [], partName = 'worker'): { saturated: boolean; reasons: string[] } {
  const reasons: string[] = [];
  const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
  for (const w of workers) {
    const who = workers.length > 1 ? `${partName} ${w.index}` : 'the generator';
    if (w.eventLoopDelayP99Ms !== null && w.eventLoopDelayP99Ms > SATURATION_ELD_P99_MS) {
      reasons.push(`${who}: event-loop delay p99 ${fmt(w.eventLoopDelayP99Ms)} > ${SATURATION_ELD_P99_MS} ms`);
    }
    if (model === 'open') {
      if (w.scheduleLagP99Ms !== null && w.scheduleLagP99Ms > SATURATION_LAG_P99_MS) {
        reasons.push(`${who}: schedule lag p99 ${fmt(w.scheduleLagP99Ms)} > ${SATURATION_LAG_P99_MS} ms`);
      }
    }
  }
  for (const f of workerFailures) reasons.push(`a worker thread failed, its share of the load is missing (${f})`);
  return { saturated: reasons.length > 0, reasons };
}
