import type { PhaseSpan } from '../metrics/run-data.js';

/** Marks of what happened when during a run, on the run's clock (ms since t0). */
export interface RunMarks {
  /** When the traffic started (the clock may start earlier, e.g. before the preflight check). */
  startMs: number;
  /** When the warmup ended. */
  warmupEndMs: number;
  /** When the trigger started and ended (both undefined without a trigger; end undefined if it never ended). */
  triggerStartMs?: number | undefined;
  triggerEndMs?: number | undefined;
  /** When scheduling stopped. */
  endMs: number;
}

/**
 * Derives the run's phases from what happened: warmup, then either `measure` (no trigger) or
 * `baseline` / `rollout` / `cooldown`. Phases are clipped to the end (an aborted run has short
 * or missing later phases) and empty phases are left out.
 */
export function phasesOf(marks: RunMarks, hasTrigger: boolean): PhaseSpan[] {
  const end = marks.endMs;
  const spans: PhaseSpan[] = [];
  const add = (name: PhaseSpan['name'], start: number, stop: number): void => {
    const s = Math.min(start, end);
    const e = Math.min(stop, end);
    if (e > s) spans.push({ name, startMs: s, endMs: e });
  };
  add('warmup', marks.startMs, marks.warmupEndMs);
  if (!hasTrigger) {
    add('measure', marks.warmupEndMs, end);
    return spans;
  }
  const triggerStart = marks.triggerStartMs ?? end;
  const triggerEnd = marks.triggerEndMs ?? end;
  add('baseline', marks.warmupEndMs, triggerStart);
  add('rollout', triggerStart, triggerEnd);
  add('cooldown', triggerEnd, end);
  return spans;
}
