import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { startFaultServer } from '../../fixtures/fault-server.js';
import type { FaultServer } from '../../fixtures/fault-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Generous, and rates modest: the test machine is shared (2 cores, other suites running) and this
// process is both client and server; an ordinary answer must never come near the timeout.
const TIMEOUT_MS = 1500;

/** Every class the server can cause, interleaved, by request number. */
const MIXED_RULES = [
  { every: 10, action: { kind: 'status' as const, status: 503 } },
  { every: 13, action: { kind: 'drop' as const } },
  { every: 17, action: { kind: 'drop' as const, rst: true } },
  { every: 29, action: { kind: 'slow' as const, delayMs: TIMEOUT_MS * 3 } },
  { every: 31, action: { kind: 'status' as const, status: 404 } },
];

function base(url: string): Omit<LoadOptions, 'model' | 'keepAlive'> {
  return { url: `${url}/hello?x=1`, method: 'GET', headers: { 'x-test': 'zerodrop' }, durationMs: 1000, timeoutMs: TIMEOUT_MS };
}

// Both HTTP clients must count alike: the lean one (the default for http:) and undici.
describe.each([
  ['open', true, 'lean'],
  ['open', false, 'lean'],
  ['closed', true, 'lean'],
  ['closed', false, 'lean'],
  ['open', true, 'undici'],
  ['closed', false, 'undici'],
] as const)('%s model, keepAlive=%s, %s client', (model, keepAlive, client) => {
  it('counts every class exactly as the server caused it', async () => {
    server = await startFaultServer({ rules: MIXED_RULES });
    // Open model: a lag tolerance far above any stall of this shared machine, so that every one of
    // the 150 scheduled requests is sent and counted (unsent under stalls: engine-faults.test.ts).
    const opts: LoadOptions = { ...base(server.url), model, keepAlive, client, ...(model === 'open' ? { rate: 150, lagToleranceMs: 1000 } : { connections: 4 }) };
    const run = startLoad(opts, startClock());
    const r = await run.done;
    const t = r.recorder.totals();
    const c = server.counts;
    expect(t.sent).toBe(t.succeeded + t.failed);
    // Class by class, as one object so a failure shows every class at once.
    expect({ sent: t.sent, succeeded: t.succeeded, ...t.failures }).toEqual({
      sent: c.received,
      succeeded: c.ok,
      http_5xx: c.status[503] ?? 0,
      http_4xx: c.status[404] ?? 0,
      reset: c.dropped,
      timeout: c.slow,
      refused: 0,
      other: 0,
    });
    expect(c.dropped).toBeGreaterThan(0);
    expect(c.slow).toBeGreaterThan(0);
    expect(r.recorder.statusCodes()).toEqual({ '200': c.ok, '404': c.status[404], '503': c.status[503] });
    expect(c.connectionClose).toBe(keepAlive ? 0 : c.received);
    if (model === 'open') {
      // 150/s for 1 s: exactly 150 requests scheduled.
      expect(t.sent + t.unsent).toBe(150);
      if (t.unsent > 0) expect(r.health.scheduleLagMaxMs).toBeGreaterThan(1000);
      expect(r.health.scheduleLagP99Ms).not.toBeNull();
    }
    const p = run.progress();
    expect(p.inFlight).toBe(0);
    expect(p.sent).toBe(t.sent);
    expect(r.stoppedEarly).toBe(false);
  });
});
