import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { LagRecorder } from '../../../src/metrics/lag-recorder.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import type { EngineSpec } from '../../../src/traffic/engine-spec.js';
import type { LanePool } from '../../../src/traffic/lane-pool.js';
import { LIVE, allocLiveCounters } from '../../../src/traffic/live-counters.js';
import { OpenScheduler } from '../../../src/traffic/open-scheduler.js';
import { constantPacer, stridedPacer } from '../../../src/traffic/pacer.js';
import type { Pacer } from '../../../src/traffic/pacer.js';
import type { Lane } from '../../../src/traffic/request-handler.js';
import type { SchedulerHost } from '../../../src/traffic/scheduler-host.js';
import { latencyStartMs, scheduleLagMs, sendsNow, waitForNextMs } from '../../../src/traffic/send-window.js';

describe('send-ahead window: the rule', () => {
  it.each([
    // due (elapsed ms), wake-up at, window, run end, sent on this wake-up?
    [10, 10, 0, 1000, true], // due now, no window
    [10.2, 10, 0, 1000, false], // due later, no window: the next wake-up
    [10.2, 10, 0.5, 1000, true], // within the window: goes out now, ahead of time
    [10.5, 10, 0.5, 1000, true], // the window's edge is inclusive
    [10.51, 10, 0.5, 1000, false], // past the window
    [3, 10, 0.5, 1000, true], // late: goes out at once, as without a window
    [999.8, 999.5, 0.5, 1000, true], // due before the end, within the window
    [1000, 999.5, 0.5, 1000, false], // due at the end: not the run's
    [1000.2, 999.9, 0.5, 1000, false], // after the end: never, window or not
  ])('request due at %f, wake-up at %f, window %f ms, end %f: sent now = %s', (due, now, window, end, sent) => {
    expect(sendsNow(due, now, window, end)).toBe(sent);
  });

  it.each([
    // scheduled, sent, latency counts from, lag
    [100, 100, 100, 0], // on time
    [100, 101.3, 100, 1.3], // late: from its schedule (coordinated omission impossible), lag = how late
    [100, 99.6, 99.6, 0], // early (sent ahead): from its actual send, never from the later schedule; no lag
    [100, 50, 50, 0],
  ])('scheduled %f, sent %f: latency from %f, lag %f', (scheduled, sent, start, lag) => {
    expect(latencyStartMs(scheduled, sent)).toBe(start);
    expect(latencyStartMs(scheduled, sent)).toBeLessThanOrEqual(sent); // never measured from after the send
    expect(scheduleLagMs(scheduled, sent)).toBeCloseTo(lag, 12);
  });

  it.each([
    // next due, now, window, end, wait
    [12, 10, 0, 1000, 2], // no window: until it is due
    [12, 10, 1, 1000, 1], // a window: until it enters the window
    [10.8, 10, 0.5, 1000, 0.3],
    [1000, 998, 0.5, 1000, 2], // nothing left before the end: until the end, not the window
    [1005, 998, 1, 1000, 2],
  ])('next due at %f, now %f, window %f, end %f: waits %f ms', (due, now, window, end, wait) => {
    expect(waitForNextMs(due, now, window, end)).toBeCloseTo(wait, 12);
  });
});

/** One request handed to the host: the clock ms it is booked at, the one its latency counts from, and the clock when it was sent. */
interface Sent {
  startMs: number;
  latencyFromMs: number;
  sentAtMs: number;
}

/** The open scheduler alone on a clock the test moves (as open-scheduler-batch.test.ts), with a send-ahead window. */
function harness(pacer: Pacer, sendAheadMs: number, durationMs = 60_000) {
  let now = 0;
  const clock: Clock = { nowMs: () => now, t0EpochMs: 0 };
  const sent: Sent[] = [];
  const host: SchedulerHost = {
    schedulingDone: false,
    sendLane: (_lane, startMs, latencyFromMs = startMs) => sent.push({ startMs, latencyFromMs, sentAtMs: now }),
    endScheduling: () => {},
  };
  const idle = Array.from({ length: 5000 }, (_, i) => ({ id: i }) as unknown as Lane);
  const pool = { idle, rotate: false, lanes: new Set(idle), cap: idle.length, connecting: 0, add: () => undefined } as unknown as LanePool;
  const spec = { maxInFlight: 100_000, durationMs, lagToleranceMs: 50, sendAheadMs } as EngineSpec;
  const live = allocLiveCounters(1, false);
  const lag = new LagRecorder();
  const scheduler = new OpenScheduler(host, spec, pacer, clock, live, pool, new Recorder(), lag);
  return { scheduler, sent, lag, live, setNow: (ms: number) => (now = ms) };
}

describe('OpenScheduler with a send-ahead window', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    // rate, window, wake-up at (elapsed ms), requests sent by then
    [5000, 0, 0, 1], // due at 0 only
    [5000, 1, 0, 6], // due at 0, 0.2, ..., 1.0
    [5000, 0.5, 0, 3], // 0, 0.2, 0.4
    [20_000, 1, 0, 21],
    [1000, 1, 0, 2], // 0 and 1.0
    [1000, 0.5, 0, 1],
    [5000, 1, 2, 16], // late wake-up: the 11 due by 2 ms plus the 5 within the window
  ])('%i/s, window %f ms, first wake-up at %f ms: %i requests go out', (rate, window, at, count) => {
    const h = harness(constantPacer(rate), window);
    h.setNow(at);
    h.scheduler.start(0);
    expect(h.sent).toHaveLength(count);
    h.scheduler.stop();
  });

  it('measures an early request from its actual send and a late one from its schedule, books both at their schedule; lag counts only lateness', () => {
    const h = harness(constantPacer(5000), 1);
    h.setNow(0.5); // due 0, 0.2, 0.4 (late) and 0.6 .. 1.4 (ahead, within 1 ms)
    h.scheduler.start(0);
    expect(h.sent.map((s) => s.latencyFromMs)).toEqual([0, 0.2, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5]);
    h.sent.forEach((s, i) => expect(s.startMs).toBeCloseTo(i * 0.2, 9)); // the interval it counts in: its scheduled start
    for (const s of h.sent) expect(s.latencyFromMs).toBeLessThanOrEqual(s.sentAtMs);
    const lag = h.lag.summary();
    expect(lag.count).toBe(8);
    expect(lag.maxMs).toBeCloseTo(0.5, 2);
    expect(h.lag.percentileMs(50)).toBe(0); // the five sent ahead were not late
    h.scheduler.stop();
  });

  it('asks to wake when the next request enters the window, and that wake-up sends it ahead of time', () => {
    const h = harness(constantPacer(100), 1); // a request every 10 ms
    h.setNow(0);
    h.scheduler.start(0);
    expect(h.sent).toHaveLength(1);
    vi.advanceTimersByTime(8.9); // the timer asked for 9 ms (10 - 1) has not fired
    expect(h.sent).toHaveLength(1);
    h.setNow(9.2);
    vi.advanceTimersByTime(0.2);
    expect(h.sent).toHaveLength(2);
    expect(h.sent[1]).toEqual({ startMs: 10, latencyFromMs: 9.2, sentAtMs: 9.2 }); // 0.8 ms ahead, measured from its send
    h.scheduler.stop();
  });

  it('sends exactly the schedule, each request once, whatever the window and the wake-ups; nothing at or after the end', () => {
    for (const window of [0, 0.5, 1, 1.5]) {
      const h = harness(constantPacer(5000), window, 100); // 500 requests due in [0, 100)
      h.setNow(0);
      h.scheduler.start(0);
      // Wake-ups at irregular times, as late timers give them.
      for (const t of [1.3, 2.1, 4.9, 5.0, 7.7, 12.4, 30, 30.1, 55.5, 80, 99.2, 99.9, 100.4, 120]) {
        h.setNow(t);
        vi.advanceTimersByTime(t);
      }
      expect(h.sent).toHaveLength(500);
      expect(h.live[LIVE.unsent]).toBe(0);
      h.sent.forEach((s, i) => expect(s.startMs).toBeCloseTo(i * 0.2, 9));
      for (const s of h.sent) expect(s.latencyFromMs).toBeLessThanOrEqual(s.sentAtMs);
      expect(h.lag.summary().count).toBe(500);
      h.scheduler.stop();
    }
  });

  it("keeps each worker to its own stride of the schedule: two strides with a window send the whole schedule once", () => {
    const starts: number[] = [];
    for (const index of [0, 1]) {
      const h = harness(stridedPacer(constantPacer(5000), index, 2), 1, 50); // 250 requests due in [0, 50)
      h.setNow(0);
      h.scheduler.start(0);
      for (let t = 0.7; t < 60; t += 1.3) {
        h.setNow(t);
        vi.advanceTimersByTime(2);
      }
      expect(h.sent).toHaveLength(125);
      starts.push(...h.sent.map((s) => s.startMs));
      h.scheduler.stop();
    }
    // The booked (scheduled) starts of both strides together are the schedule, each once.
    expect(starts.sort((a, b) => a - b).map((t) => Math.round(t * 10) / 10)).toEqual(Array.from({ length: 250 }, (_, i) => Math.round(i * 2) / 10));
  });
});
