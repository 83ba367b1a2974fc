import { LagRecorder } from '../metrics/lag-recorder.js';
import { Recorder } from '../metrics/recorder.js';
import type { WorkerHealth } from '../traffic/generator-health.js';
import type { EngineResult } from '../traffic/load-engine.js';
import { combineResults, type LoadResult } from '../traffic/load-result.js';
import type { Slot } from './agent-slot.js';
import { judgeAgent, type AgentStatus } from './judge.js';

/** One agent, as the report names it (report.agents). */
export interface AgentReport {
  index: number;
  /** Its pod, or null when none was created. */
  pod: string | null;
  status: AgentStatus;
  /** Run-clock ms (same timeline as the report's) when its last record arrived, or null. */
  lastRecordMs: number | null;
  /** Its wall clock minus the coordinator's, ms (a lower bound, see SkewEstimator), or null without records. */
  clockSkewMs: number | null;
  /** The upper bound of that offset, when known. */
  clockSkewAtMostMs?: number;
  /** How late it was ready after the shared start, ms (0: on time). */
  lateMs?: number;
  /** Requests its shard sent, as far as its records tell. */
  sent: number;
  /** Why it is not `completed`. */
  message?: string;
}

/** What the merge needs besides the slots: the run's shape and when the load started and was stopped. */
export interface AgentMergeContext {
  model: 'open' | 'closed';
  /** The shared start on the run clock. */
  startMs: number;
  /** When stop() was called on the run clock, if it was. */
  stopAtMs: number | undefined;
  nowMs: number;
  /** The recorder settings of a run no agent recorded anything for. */
  emptyRecorder: () => Recorder;
}

const tenth = (ms: number): number => Math.round(ms * 10) / 10;

/** Judges every agent and names it for the report; the messages are the faults that make the run inconclusive. */
export function agentReportsOf(slots: readonly Slot[], startMs: number): AgentReport[] {
  return slots.map((s) => {
    const { status, message } = judgeAgent({ ...s, merged: s.recorder?.totals() }, startMs);
    const skew = s.skew.estimate();
    const r: AgentReport = {
      index: s.index,
      pod: s.pod ?? null,
      status,
      lastRecordMs: s.lastRecvClockMs === null ? null : tenth(s.lastRecvClockMs),
      clockSkewMs: skew === null ? null : tenth(skew.skewMs),
      sent: s.done?.totals.sent ?? s.recorder?.totals().sent ?? 0,
    };
    if (skew?.atMostMs !== null && skew?.atMostMs !== undefined) r.clockSkewAtMostMs = tenth(skew.atMostMs);
    if (s.lateMs > 0) r.lateMs = tenth(s.lateMs);
    if (message !== undefined) r.message = message;
    return r;
  });
}

/**
 * The agents' load result, merged by the same code that merges worker threads (combineResults):
 * each agent is one part. An agent without a final record adds what it recorded, no schedule lag,
 * and a health entry of its live counters (unmeasured, so it neither sets the worst values nor
 * finds saturation); its fault is among the reasons. Without any final record the load's span
 * runs from the shared start to the stop.
 */
export function agentLoadResult(slots: readonly Slot[], reports: readonly AgentReport[], c: AgentMergeContext): LoadResult {
  const anyDone = slots.some((s) => s.done !== undefined);
  const settings = slots.find((s) => s.recorder !== undefined)?.recorder;
  const parts = slots.map((s): EngineResult => {
    const recorder = s.recorder ?? (settings === undefined ? c.emptyRecorder() : new Recorder({ intervalMs: settings.intervalMs, latencyIntervalMs: settings.latencyIntervalMs, maxLatencyMs: settings.maxLatencyMs }));
    if (s.done !== undefined) {
      const d = s.done;
      return { recorder, lag: LagRecorder.fromJSON(d.lag), health: d.health, durationMs: d.durationMs, stoppedEarly: d.stoppedEarly, startMs: c.startMs, endMs: d.endMs };
    }
    const health: WorkerHealth = {
      index: s.index,
      sent: s.live.sent,
      unsent: s.live.unsent,
      eventLoopDelayP99Ms: null,
      eventLoopDelayMaxMs: null,
      eventLoopUtilization: 0,
      scheduleLagP99Ms: null,
      scheduleLagMaxMs: null,
    };
    return {
      recorder,
      lag: new LagRecorder(),
      health,
      durationMs: anyDone ? 0 : Math.max(0, (c.stopAtMs ?? c.nowMs) - c.startMs),
      stoppedEarly: false,
      startMs: c.startMs,
      endMs: anyDone ? Number.NEGATIVE_INFINITY : c.nowMs,
    };
  });
  const faults = reports.flatMap((r) => (r.message === undefined ? [] : [r.message]));
  return combineResults(parts, c.model, [], undefined, { name: 'agent', faults });
}
