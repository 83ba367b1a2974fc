import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import { IDLE_LANE_TRIM_AFTER_MS } from '../../../src/traffic/load-engine.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * A server that is slow for its first `slowForMs` (every answer waits `delayMs`), then instant,
 * and counts the connections open at any moment. keepAliveTimeout is long so that the server
 * never closes an idle connection itself: every close seen during the run is the client's.
 */
async function slowThenFastServer(slowForMs: number, delayMs: number): Promise<{ url: string; open: () => number; peak: () => number; received: () => number }> {
  let open = 0;
  let peak = 0;
  let received = 0;
  const t0 = Date.now();
  const s = createServer((req, res) => {
    received++;
    const answer = (): void => {
      res.end('ok');
    };
    if (Date.now() - t0 < slowForMs) setTimeout(answer, delayMs);
    else answer();
  });
  s.keepAliveTimeout = 60_000;
  s.on('connection', (socket) => {
    open++;
    peak = Math.max(peak, open);
    socket.on('close', () => open--);
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  server = s;
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, open: () => open, peak: () => peak, received: () => received };
}

describe('open model: surplus idle connections', () => {
  it('are closed by the engine a few at a time once idle, without failing a request', async () => {
    // 400/s while answers take 250 ms: ~100 connections in flight; then answers are instant and
    // a handful of connections carry the whole rate. The rest must be closed during the run.
    const target = await slowThenFastServer(400, 250);
    // The slow spell, the idle time before a lane counts as surplus, then time to close ~100 of
    // them at <= 100/s, with room to spare on a loaded machine.
    const durationMs = 400 + 250 + IDLE_LANE_TRIM_AFTER_MS + 2000;
    const run = startLoad({ url: target.url, method: 'GET', headers: {}, model: 'open', rate: 400, durationMs, timeoutMs: 2000, keepAlive: true }, startClock());
    // Sampled before the run ends (the end closes every connection anyway).
    const openNearEnd = new Promise<number>((resolve) => setTimeout(() => resolve(target.open()), durationMs - 200));
    const r = await run.done;
    const t = r.recorder.totals();
    const near = await openNearEnd;
    expect(target.peak()).toBeGreaterThanOrEqual(50);
    expect(near).toBeLessThan(target.peak() / 2);
    // Nothing was lost to a closing connection: every request sent was answered, exactly.
    expect(t.sent).toBe(target.received());
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(t.sent);
  });
});
