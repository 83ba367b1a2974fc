import { describe, expect, it } from 'vitest';
import { agentLoadResult, agentReportsOf } from '../../../src/agents/agent-result.js';
import { newSlot, type Slot } from '../../../src/agents/agent-slot.js';
import { RECORD_VERSION } from '../../../src/agents/protocol.js';
import { LagRecorder } from '../../../src/metrics/lag-recorder.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import type { WorkerHealth } from '../../../src/traffic/generator-health.js';

const settings = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 2000 };
const health = (index: number, eld: number | null): WorkerHealth => ({
  index,
  sent: 5,
  unsent: 0,
  eventLoopDelayP99Ms: eld,
  eventLoopDelayMaxMs: eld,
  eventLoopUtilization: 0.5,
  scheduleLagP99Ms: 1,
  scheduleLagMaxMs: 2,
});

/** An agent that recorded `n` successes and, if `done`, sent its final record with this health. */
function agent(index: number, n: number, done?: WorkerHealth): Slot {
  const s = newSlot(index, 0);
  s.pod = `p-${index}`;
  s.hello = true;
  s.phase = 'Running';
  s.recorder = new Recorder(settings);
  for (let i = 0; i < n; i++) s.recorder.record(1000 + i, OUTCOME.success, 3, 200, undefined);
  s.live = { sent: n, succeeded: n, failed: 0, unsent: 0, inFlight: 0 };
  s.lastRecvClockMs = 1500;
  if (done !== undefined) {
    s.done = { type: 'done', index, seq: 9, wallMs: 0, zd: RECORD_VERSION, totals: { sent: n, succeeded: n, failed: 0, unsent: 0 }, lag: new LagRecorder().toJSON(), health: done, durationMs: 900, stoppedEarly: false, startMs: 1000, endMs: 2100 };
  }
  return s;
}

const ctx = { model: 'open' as const, startMs: 1000, stopAtMs: 1900, nowMs: 2500, emptyRecorder: () => new Recorder(settings) };

describe('agentLoadResult (merged by combineResults, as worker threads are)', () => {
  it('merges every agent, finished or not, and names faults and saturation per agent', () => {
    const slots = [agent(0, 4, health(0, 80)), agent(1, 3), agent(2, 2, health(2, 5))];
    const reports = agentReportsOf(slots, ctx.startMs);
    expect(reports.map((r) => r.status)).toEqual(['completed', 'silent', 'completed']);
    const r = agentLoadResult(slots, reports, ctx);
    expect(r.recorder.totals().sent).toBe(9);
    expect(r.health.workers.map((w) => w.index)).toEqual([0, 1, 2]);
    expect(r.health.workers[1]!.eventLoopDelayP99Ms).toBeNull();
    expect(r.health.eventLoopDelayP99Ms).toBe(80);
    expect(r.health.saturationReasons).toEqual(['agent 0: event-loop delay p99 80.0 ms > 50 ms', 'agent 1 (pod p-1) stopped reporting; its last record arrived 0.5 s into the load']);
    expect(r.health.saturated).toBe(true);
    expect(r).toMatchObject({ durationMs: 900, startMs: 1000, endMs: 2100, stoppedEarly: false });
  });

  it('without a final record the span runs from the shared start to the stop', () => {
    const slots = [agent(0, 2), newSlot(1, 0)];
    const reports = agentReportsOf(slots, ctx.startMs);
    expect(reports.map((r) => r.status)).toEqual(['silent', 'not-started']);
    const r = agentLoadResult(slots, reports, ctx);
    expect(r.recorder.totals().sent).toBe(2);
    expect(r).toMatchObject({ durationMs: 900, startMs: 1000, endMs: 2500 });
    expect(r.health.saturationReasons).toHaveLength(2);
  });

  it('with no recording at all the result is an empty recording', () => {
    const slots = [newSlot(0, 0)];
    const r = agentLoadResult(slots, agentReportsOf(slots, ctx.startMs), ctx);
    expect(r.recorder.totals().sent).toBe(0);
    expect(r.health.workers).toHaveLength(1);
  });
});
