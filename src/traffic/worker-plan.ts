import { availableParallelism } from 'node:os';

/** What the worker count depends on: LoadOptions' fields of the same names. */
export interface WorkerPlanInput {
  workers?: number | 'auto' | undefined;
  model: 'open' | 'closed';
  connections?: number | undefined;
  rate?: number | undefined;
  ramp?: { fromRate: number; durationMs: number } | undefined;
}

/**
 * Open model, `workers: 'auto'`: the requests per second one worker is planned to carry. Derived
 * from the measured cost of an open-model request on one worker (bench/README.md, "Open-model
 * CPU by rate": 13-15 us at 20,000/s, 30-33 us at 5,000/s, falling with the rate as each wake-up
 * sends more requests; ~20 us is the bound at the rates where a second worker comes into
 * question) and a budget of half a core per worker (OPEN_WORKER_CORE_BUDGET): 0.5 / 20 us =
 * 25,000/s. Within it one worker keeps its schedule with the other half of its core spare for
 * what no plan sees (GC, a burst of responses, a descheduled vCPU); an extra thread below it only
 * competes with the target and the main thread (measured: bench/README.md, "Worker scaling").
 */
export const OPEN_RATE_PER_WORKER = 25_000;
/** The share of a core one worker's planned load may take (see OPEN_RATE_PER_WORKER). */
export const OPEN_WORKER_CORE_BUDGET = 0.5;

/** How many workers a run uses and why (report.meta.load.workers, the console's header). */
export interface WorkerPlan {
  /** Worker threads (1: the engine runs in the calling thread). */
  count: number;
  /** What was asked: a number, or 'auto'. */
  asked: number | 'auto';
  /** One clause saying how the count was chosen. */
  why: string;
}

/**
 * The worker count a run uses and why (see LoadOptions.workers in engine.ts). `auto`: closed model, one per
 * core (the loops run as fast as the target answers, so every core can carry some), at most one
 * per connection; open model, one per OPEN_RATE_PER_WORKER requests/s of the schedule's peak (the
 * ramp's higher end), at most one per core. A number is taken as asked, never more than there
 * are loops to split.
 */
export function planWorkers(opts: WorkerPlanInput, cores: number = availableParallelism()): WorkerPlan {
  const asked = opts.workers ?? 1;
  const perCore = Math.max(1, cores);
  const coreWord = `${perCore} core${perCore === 1 ? '' : 's'}`;
  let count: number;
  let why: string;
  if (asked !== 'auto') {
    count = asked;
    why = 'as asked';
  } else if (opts.model === 'open' && opts.rate !== undefined) {
    const peak = Math.max(opts.rate, opts.ramp?.fromRate ?? 0);
    const needed = Math.max(1, Math.ceil(peak / OPEN_RATE_PER_WORKER));
    count = Math.min(perCore, needed);
    why = `auto: peak ${fmtRate(peak)}/s at up to ${fmtRate(OPEN_RATE_PER_WORKER)}/s a worker` + (needed > count ? `, capped at one per core of ${coreWord}` : '');
  } else {
    count = perCore;
    why = `auto: one per core of ${coreWord}`;
  }
  if (opts.model === 'closed' && opts.connections !== undefined && count > opts.connections) {
    count = opts.connections;
    why += `, at most one per connection`;
  }
  return { count: Math.max(1, count), asked, why };
}

/** The worker count a run uses (planWorkers' count). */
export function resolveWorkers(opts: WorkerPlanInput, cores: number = availableParallelism()): number {
  return planWorkers(opts, cores).count;
}

function fmtRate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
