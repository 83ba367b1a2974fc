import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { LagRecorder } from '../../../src/metrics/lag-recorder.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import type { EngineSpec } from '../../../src/traffic/engine-spec.js';
import type { LanePool } from '../../../src/traffic/lane-pool.js';
import { LIVE, allocLiveCounters } from '../../../src/traffic/live-counters.js';
import { OpenScheduler } from '../../../src/traffic/open-scheduler.js';
import { constantPacer } from '../../../src/traffic/pacer.js';
import type { Lane } from '../../../src/traffic/request-handler.js';
import type { SchedulerHost } from '../../../src/traffic/scheduler-host.js';

/** One request handed to the host: which lane, and the clock ms its latency counts from. */
interface Sent {
  lane: Lane;
  startMs: number;
}

/**
 * The open scheduler alone, on a clock the test moves: the host records what it is asked to send,
 * the pool holds enough idle lanes (stand-ins: the scheduler only passes them to the host).
 */
function harness(rate: number, lagToleranceMs = 50) {
  let now = 0;
  let reads = 0;
  const clock: Clock = { nowMs: () => (reads++, now), t0EpochMs: 0 };
  const sent: Sent[] = [];
  const host: SchedulerHost = {
    schedulingDone: false,
    sendLane: (lane, startMs) => sent.push({ lane, startMs }),
    endScheduling: () => {},
  };
  const idle = Array.from({ length: 5000 }, (_, i) => ({ id: i }) as unknown as Lane);
  const pool = { idle, rotate: false, lanes: new Set(idle), cap: idle.length, connecting: 0, add: () => undefined } as unknown as LanePool;
  // No send-ahead window: these tests pin down what a wake-up sends of what is already due.
  const spec = { maxInFlight: 100_000, durationMs: 60_000, lagToleranceMs, sendAheadMs: 0 } as EngineSpec;
  const live = allocLiveCounters(1, false);
  const recorder = new Recorder();
  const lag = new LagRecorder();
  const scheduler = new OpenScheduler(host, spec, constantPacer(rate), clock, live, pool, recorder, lag);
  return { scheduler, sent, recorder, lag, live, setNow: (ms: number) => (now = ms), ticks: () => reads };
}

describe('OpenScheduler: a wake-up sends every request due, each from its own scheduled time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the 21 requests due by 1 ms at 20,000/s in one wake-up, each stamped with its own due time', () => {
    const h = harness(20_000);
    h.setNow(1000.0); // the first tick runs 1 ms after the schedule's start
    h.scheduler.start(999);
    expect(h.sent).toHaveLength(21); // due at 0, 0.05, ..., 1.0 ms
    h.sent.forEach((s, i) => expect(s.startMs).toBeCloseTo(999 + i * 0.05, 9));
    expect(new Set(h.sent.map((s) => s.lane)).size).toBe(21); // one lane each
    h.scheduler.stop();
  });

  it('sleeps on a timer between wake-ups (no next-turn spin) and the next wake-up takes the requests due since', () => {
    const h = harness(20_000);
    h.setNow(0);
    h.scheduler.start(0); // request 0 is due at once; request 1 in 0.05 ms
    expect(h.sent).toHaveLength(1);
    // A next-turn re-arm (setImmediate) would spin here, the clock standing still; the scheduler
    // must be asleep on a timer instead.
    vi.advanceTimersByTime(0.5); // nothing within the timer's 1 ms...
    expect(h.ticks()).toBe(1);
    expect(h.sent).toHaveLength(1);
    h.setNow(2.6); // ...and the timer's wake-up (late, as timers are) finds 52 requests due since
    vi.advanceTimersByTime(1);
    expect(h.sent).toHaveLength(53);
    h.sent.forEach((s, i) => expect(s.startMs).toBeCloseTo(i * 0.05, 9));
    h.scheduler.stop();
  });

  it('records each batched request\'s lag from its own due time, and counts the ones past the tolerance unsent', () => {
    const h = harness(1000, 50);
    h.setNow(60); // requests due at 0..60 ms: 0..9 are more than 50 ms late
    h.scheduler.start(0);
    expect(h.live[LIVE.unsent]).toBe(10);
    expect(h.recorder.totals().unsent).toBe(10);
    expect(h.sent.map((s) => s.startMs)).toEqual(Array.from({ length: 51 }, (_, i) => 10 + i));
    const lag = h.lag.summary();
    expect(lag.count).toBe(61);
    expect(lag.maxMs).toBeCloseTo(60, 0);
    h.scheduler.stop();
  });
});
