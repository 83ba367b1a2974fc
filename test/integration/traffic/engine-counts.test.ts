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

const TIMEOUT_MS = 250;

/** Every class the server can cause, interleaved, by request number. */
const MIXED_RULES = [
  { every: 10, action: { kind: 'status' as const, status: 503 } },
  { every: 13, action: { kind: 'drop' as const } },
  { every: 17, action: { kind: 'drop' as const, rst: true } },
  { every: 29, action: { kind: 'slow' as const, delayMs: TIMEOUT_MS * 3 } },
  { every: 31, action: { kind: 'status' as const, status: 404 } },
];

function base(url: string): Omit<LoadOptions, 'model' | 'keepAlive'> {
  return { url: `${url}/hello?x=1`, method: 'GET', headers: { 'x-test': 'zerodrop' }, durationMs: 1200, timeoutMs: TIMEOUT_MS };
}

describe.each([
  ['open', true],
  ['open', false],
  ['closed', true],
  ['closed', false],
] as const)('%s model, keepAlive=%s', (model, keepAlive) => {
  it('counts every class exactly as the server caused it', async () => {
    server = await startFaultServer({ rules: MIXED_RULES });
    const opts: LoadOptions = { ...base(server.url), model, keepAlive, ...(model === 'open' ? { rate: 400 } : { connections: 8 }) };
    const run = startLoad(opts, startClock());
    const r = await run.done;
    const t = r.recorder.totals();
    const c = server.counts;
    expect(t.sent).toBe(t.succeeded + t.failed);
    expect(t.sent).toBe(c.received);
    expect(t.succeeded).toBe(c.ok);
    expect(t.failures.http_5xx).toBe(c.status[503] ?? 0);
    expect(t.failures.http_4xx).toBe(c.status[404] ?? 0);
    expect(t.failures.reset).toBe(c.dropped);
    expect(t.failures.timeout).toBe(c.slow);
    expect(t.failures.refused).toBe(0);
    expect(t.failures.other).toBe(0);
    expect(t.unsent).toBe(0);
    expect(c.dropped).toBeGreaterThan(0);
    expect(c.slow).toBeGreaterThan(0);
    expect(r.recorder.statusCodes()).toEqual({ '200': c.ok, '404': c.status[404], '503': c.status[503] });
    expect(c.connectionClose).toBe(keepAlive ? 0 : c.received);
    if (model === 'open') {
      // 400/s for 1.2 s: exactly 480 requests scheduled.
      expect(t.sent + t.unsent).toBe(480);
      expect(r.health.scheduleLagP99Ms).not.toBeNull();
    }
    const p = run.progress();
    expect(p.inFlight).toBe(0);
    expect(p.sent).toBe(t.sent);
    expect(r.stoppedEarly).toBe(false);
  });
});
