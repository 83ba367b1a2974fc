import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { MAX_SEND_AHEAD_MS } from '../../../src/traffic/send-window.js';

/** Every answer leaves at least this long (ms, monotonic) after its request arrived. */
const HOLD_MS = 3;

/**
 * A target that holds every request at least HOLD_MS by the monotonic clock before it answers
 * (a timer alone may fire early by the monotonic clock, so it re-arms until the time is up), and
 * counts what it received. So no request can truly take less than HOLD_MS: a latency below it
 * was measured from after the request's actual send.
 */
async function startHoldingServer(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    const arrived = performance.now();
    received++;
    req.resume();
    const answer = (): void => {
      const left = arrived + HOLD_MS - performance.now();
      if (left > 0) {
        setTimeout(answer, Math.ceil(left));
        return;
      }
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    };
    answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let server: Awaited<ReturnType<typeof startHoldingServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// Modest rates and a lag tolerance far above this shared machine's stalls: every scheduled
// request is sent, so the counts are exact whatever the machine does.
function opts(url: string, o: Partial<LoadOptions>): LoadOptions {
  return { url, method: 'GET', headers: {}, model: 'open', keepAlive: true, durationMs: 1000, timeoutMs: 5000, lagToleranceMs: 5000, ...o };
}

describe('open model with a send-ahead window, against a real server', () => {
  it.each([
    ['lean', 1, 0],
    ['lean', 1, MAX_SEND_AHEAD_MS],
    ['undici', 1, MAX_SEND_AHEAD_MS],
  ] as const)('%s client, %i worker, window %f ms: exact counts, each request booked at its schedule, no latency shorter than the server held it', async (client, workers, sendAheadMs) => {
    server = await startHoldingServer();
    const r = await startLoad(opts(server.url, { rate: 1000, client, workers, sendAheadMs }), startClock()).done;
    const t = r.recorder.totals();
    // The schedule has exactly 1,000 requests; each is sent once or counted unsent, and every sent
    // one has exactly one outcome, the one the server saw.
    expect(t.sent + t.unsent).toBe(1000);
    expect(t.unsent).toBe(0);
    expect({ sent: t.sent, succeeded: t.succeeded, failed: t.failed }).toEqual({ sent: server.received(), succeeded: server.received(), failed: 0 });
    // A request sent up to the window ahead of its schedule counts from its actual send: measured
    // from its later scheduled time, fast answers would read shorter than HOLD_MS.
    const latency = r.recorder.summarize(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    expect(latency.count).toBe(t.succeeded);
    expect(latency.minMs).toBeGreaterThanOrEqual(HOLD_MS * 0.999); // the histogram's 3 significant digits
    // Each request is booked at its scheduled start, sent ahead or not: every whole 100 ms
    // interval of the run holds exactly the 100 requests the schedule puts there.
    const full = r.recorder.intervals().filter((i) => i.tMs >= r.startMs && i.tMs + 100 <= r.startMs + r.durationMs);
    expect(full.length).toBeGreaterThanOrEqual(8);
    for (const i of full) expect(i.sent + i.unsent).toBe(100);
  });

  it('2 workers with a window: each sends its own stride, the union is the schedule exactly once', async () => {
    server = await startHoldingServer();
    // Long enough that the workers (booting from the TypeScript sources) take over well before the end.
    const r = await startLoad(opts(server.url, { rate: 200, durationMs: 6000, workers: 2, sendAheadMs: 1 }), startClock()).done;
    const t = r.recorder.totals();
    expect(r.health.workers).toHaveLength(2);
    expect(t.sent + t.unsent).toBe(1200);
    expect(t.unsent).toBe(0);
    expect({ sent: t.sent, succeeded: t.succeeded }).toEqual({ sent: server.received(), succeeded: server.received() });
    expect(r.recorder.summarize(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY).minMs).toBeGreaterThanOrEqual(HOLD_MS * 0.999);
  }, 60_000);

  it('refuses a window outside 0..MAX_SEND_AHEAD_MS, naming the field', () => {
    expect(() => startLoad(opts('http://127.0.0.1:1/', { rate: 10, sendAheadMs: MAX_SEND_AHEAD_MS + 1 }), startClock())).toThrow(/sendAheadMs.*between 0 and 5 ms/);
    expect(() => startLoad(opts('http://127.0.0.1:1/', { rate: 10, sendAheadMs: -0.5 }), startClock())).toThrow(/sendAheadMs/);
  });
});
