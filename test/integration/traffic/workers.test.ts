import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { splitLoad, startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { WorkerLoad } from '../../../src/traffic/worker-pool.js';
import { startFaultServer } from '../../fixtures/fault-server.js';
import type { FaultServer } from '../../fixtures/fault-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Worker threads start from the TypeScript sources here (tsx in each worker: slow to boot on a
// loaded machine), so timeouts are generous and rates modest.
const TIMEOUT_MS = 1500;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const MIXED_RULES = [
  { every: 10, action: { kind: 'status' as const, status: 503 } },
  { every: 13, action: { kind: 'drop' as const } },
  { every: 17, action: { kind: 'drop' as const, rst: true } },
  { every: 29, action: { kind: 'slow' as const, delayMs: TIMEOUT_MS * 3 } },
];

function opts(url: string, o: Partial<LoadOptions>): LoadOptions {
  return { url: `${url}/w`, method: 'GET', headers: {}, model: 'closed', connections: 4, durationMs: 1000, timeoutMs: TIMEOUT_MS, keepAlive: true, workers: 2, ...o };
}

describe('worker threads', () => {
  it.each(['open', 'closed'] as const)('%s model, 2 workers: the merged recording equals the sum of its parts and the server’s own counts', async (model) => {
    server = await startFaultServer({ rules: MIXED_RULES });
    // Long enough that the workers (booting from the TypeScript sources) take over well before the end.
    const run = startLoad(opts(server.url, { model, rate: 200, durationMs: 6000 }), startClock());
    const r = await run.done;
    const t = r.recorder.totals();
    const c = server.counts;
    expect(r.health.workers).toHaveLength(2);
    expect(r.health.saturationReasons.filter((x) => x.includes('failed'))).toEqual([]);
    expect(t.sent).toBe(t.succeeded + t.failed);
    expect({ sent: t.sent, succeeded: t.succeeded, ...t.failures }).toEqual({
      sent: c.received,
      succeeded: c.ok,
      http_5xx: c.status[503] ?? 0,
      http_4xx: 0,
      reset: c.dropped,
      timeout: c.slow,
      refused: 0,
      other: 0,
    });
    // Each worker did its share; with the calling thread's share until they were up (the bridge),
    // the parts add up to the whole recorded above.
    for (const w of r.health.workers) expect(w.sent).toBeGreaterThan(0);
    expect(r.health.workers.reduce((n, w) => n + w.sent, 0)).toBeLessThanOrEqual(t.sent);
    expect(r.recorder.statusCodes()).toEqual({ '200': c.ok, '503': c.status[503] });
    expect(r.recorder.intervals().reduce((n, i) => n + i.sent, 0)).toBe(t.sent);
    if (model === 'open') expect(t.sent + t.unsent).toBe(1200);
    // The live counters end equal to the recording.
    const p = run.progress();
    expect({ sent: p.sent, succeeded: p.succeeded, failed: p.failed, unsent: p.unsent, inFlight: p.inFlight }).toEqual({
      sent: t.sent,
      succeeded: t.succeeded,
      failed: t.failed,
      unsent: t.unsent,
      inFlight: 0,
    });
  });

  it('open model, 2 workers at 1000 req/s: the union is the schedule, and the rate holds when the machine lets it', async () => {
    server = await startFaultServer();
    const clock = startClock();
    const run = startLoad(opts(server.url, { model: 'open', rate: 1000, durationMs: 3000 }), clock);
    const r = await run.done;
    const t = r.recorder.totals();
    // Accounting holds whatever the machine does: every scheduled request is sent or unsent.
    expect(t.sent + t.unsent).toBe(3000);
    expect(t.sent).toBe(server.counts.received);
    // The workers' shares of the schedule after the handover differ by at most one request.
    const shares = r.health.workers.map((w) => w.sent + w.unsent);
    expect(Math.abs(shares[0]! - shares[1]!)).toBeLessThanOrEqual(1);
    // Strictness only when the generator says it kept up (a loaded 2-core machine may not):
    // then nothing is unsent and every 100 ms interval holds 100 +- 2 requests (phase-staggered
    // workers, not two bursts), i.e. the rate is held to within 2% interval by interval.
    const healthy = !r.health.saturated && (r.health.eventLoopDelayMaxMs ?? 0) < 40 && (r.health.scheduleLagMaxMs ?? 0) < 40;
    if (healthy) {
      expect(t.unsent).toBe(0);
      const rel = Math.abs((t.sent * 1000) / r.durationMs - 1000) / 1000;
      expect(rel).toBeLessThan(0.02);
      const perInterval = r.recorder
        .intervals()
        .filter((i) => i.tMs >= r.startMs + 100 && i.tMs + 100 <= r.startMs + 2900)
        .map((i) => i.sent + i.unsent);
      for (const n of perInterval) expect(Math.abs(n - 100)).toBeLessThanOrEqual(2);
    } else {
      expect(r.health.saturationReasons.length + (r.health.eventLoopDelayMaxMs ?? 0) + (r.health.scheduleLagMaxMs ?? 0)).toBeGreaterThan(0);
    }
  });

  it('worker clocks are aligned to the parent clock; the load starts at once and workers take over at one instant', async () => {
    server = await startFaultServer();
    const clock = startClock();
    const o = opts(server.url, { model: 'open', rate: 50, durationMs: 60_000 });
    const startMs = clock.nowMs();
    const load = new WorkerLoad(splitLoad(o, 2), clock, { bridge: splitLoad(o, 1)[0]!, startMs });
    // Sending starts now, in the calling thread, before any worker is up: the first request at
    // once, and one more per 20 ms the construction took (a loaded machine may take longer).
    const sentAtOnce = load.progress().sent;
    expect(sentAtOnce).toBeGreaterThanOrEqual(1);
    expect(sentAtOnce).toBeLessThanOrEqual(1 + Math.ceil((clock.nowMs() - startMs) / 20));
    const handover = await load.started();
    expect(handover).toBeGreaterThan(startMs);
    for (const k of [0, 1]) {
      for (let i = 0; i < 3; i++) {
        const before = clock.nowMs();
        const w = await load.probeClock(k);
        const after = clock.nowMs();
        // The worker read its clock between our two readings (0.1 ms of slack for rounding).
        expect(w).toBeGreaterThanOrEqual(before - 0.1);
        expect(w).toBeLessThanOrEqual(after + 0.1);
      }
    }
    await sleep(300);
    load.stop();
    const r = await load.done;
    expect(r.startMs).toBe(startMs);
    // Requests are booked in the interval of their scheduled start on the parent's time line:
    // the first at the load's start, and the schedule has no hole at the handover (50/s: one
    // request every 20 ms, so every 100 ms interval from start to stop holds 5, give or take
    // the partial ones at both ends).
    const iv = r.recorder.intervals();
    expect(iv.findIndex((i) => i.sent + i.unsent > 0)).toBe(Math.floor(startMs / 100));
    const full = iv.filter((i) => i.tMs >= startMs + 100 && i.tMs + 100 <= startMs + r.durationMs - 100);
    for (const i of full) expect(i.sent + i.unsent).toBe(5);
  });

  it('stop() reaches every worker: scheduling ends early and every request still settles', async () => {
    server = await startFaultServer();
    for (const model of ['open', 'closed'] as const) {
      const clock = startClock();
      const o = opts(server.url, { model, rate: 300, durationMs: 60_000 });
      const run = new WorkerLoad(splitLoad(o, 2), clock, { bridge: splitLoad(o, 1)[0]!, startMs: clock.nowMs() });
      // Wait until the workers have taken over and sent some, then stop.
      await run.started();
      await sleep(300);
      expect(run.progress().sent).toBeGreaterThanOrEqual(20);
      const before = server.counts.received;
      run.stop();
      const r = await run.done;
      const t = r.recorder.totals();
      expect(r.stoppedEarly).toBe(true);
      expect(r.durationMs).toBeLessThan(30_000);
      expect(t.sent).toBe(t.succeeded + t.failed);
      expect(t.sent).toBeGreaterThanOrEqual(20);
      expect(r.health.workers.every((w) => w.sent > 0)).toBe(true);
      expect(server.counts.received).toBeGreaterThanOrEqual(before);
      expect(t.sent).toBe(server.counts.received);
      server.counts.received = 0;
      server.counts.ok = 0;
    }
  });

  it('progress() aggregates the workers’ live counters while they run', async () => {
    server = await startFaultServer();
    const run = startLoad(opts(server.url, { model: 'closed', connections: 4, durationMs: 2500 }), startClock());
    const seen: number[] = [];
    let sawP99 = false;
    for (let i = 0; i < 400; i++) {
      await sleep(50);
      const p = run.progress();
      seen.push(p.sent);
      if (p.recentP99Ms !== null) sawP99 = true;
      expect(p.sent).toBe(p.succeeded + p.failed + p.inFlight);
      if (p.elapsedMs > 2000) break;
    }
    const r = await run.done;
    // Rising while the workers run, ending at the recorded total.
    expect(seen.some((s) => s > 0)).toBe(true);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(run.progress().sent).toBe(r.recorder.totals().sent);
    expect(sawP99).toBe(true);
  });
});
