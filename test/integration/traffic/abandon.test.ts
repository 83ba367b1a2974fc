import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { WorkerLoad } from '../../../src/traffic/worker-pool.js';
import { startFaultServer } from '../../fixtures/fault-server.js';
import type { FaultServer } from '../../fixtures/fault-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Every 5th request hangs for longer than the test; the request timeout is 40 s, so a plain
// stop() would wait that long for them. abandon() (a second Ctrl-C) must not.
const HANG_MS = 120_000;
const TIMEOUT_MS = 40_000;

function opts(url: string, o: Partial<LoadOptions>): LoadOptions {
  return { url, method: 'GET', headers: {}, model: 'open', rate: 100, connections: 8, durationMs: 60_000, timeoutMs: TIMEOUT_MS, keepAlive: true, ...o };
}

describe('abandon(): a second signal stops the wait for requests in flight', () => {
  it.each<[string, Partial<LoadOptions>]>([
    ['open model, in the calling thread', { model: 'open', workers: 1 }],
    ['closed model, in the calling thread', { model: 'closed', workers: 1 }],
    ['open model, 2 worker threads', { model: 'open', workers: 2 }],
  ])('%s: every hanging request counts as a timeout at once, and sent = succeeded + failed', async (_name, o) => {
    server = await startFaultServer({ rules: [{ every: 5, action: { kind: 'slow', delayMs: HANG_MS } }] });
    const run = startLoad(opts(server.url, o), startClock());
    // With threads, the workers (booting from the TypeScript sources) must have taken over, so
    // that the requests hanging are theirs too.
    if (run instanceof WorkerLoad) await run.started();
    const from = server.counts.slow;
    for (let i = 0; i < 300 && server.counts.slow < from + 3; i++) await sleep(100);
    expect(server.counts.slow).toBeGreaterThanOrEqual(from + 3);
    run.stop();
    run.abandon();
    run.abandon();
    // Well inside the 40 s request timeout a plain stop() would wait for.
    const r = await Promise.race([run.done, sleep(TIMEOUT_MS / 2).then(() => null)]);
    expect(r, 'done did not resolve after abandon()').not.toBeNull();
    const t = r!.recorder.totals();
    expect(r!.stoppedEarly).toBe(true);
    expect(t.sent).toBe(t.succeeded + t.failed);
    // Every request still in flight became a timeout: the hanging ones, and any still on its way
    // to the server (which may never have seen it, or answered it after we let go).
    expect(t.failed).toBe(t.failures.timeout);
    expect(t.failures.timeout).toBeGreaterThanOrEqual(server.counts.slow);
    expect(t.succeeded).toBeLessThanOrEqual(server.counts.ok);
    expect(t.sent).toBeGreaterThanOrEqual(server.counts.received);
    expect(run.progress().inFlight).toBe(0);
  });
});
