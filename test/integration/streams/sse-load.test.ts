import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startStreamLoad } from '../../../src/streams/stream-load.js';
import { DEFAULT_RECONNECT, type StreamLoadOptions } from '../../../src/streams/stream-options.js';
import type { ConnectionEvent } from '../../../src/streams/connection-log.js';

// A real node:http server-sent-events endpoint on port 0: events at a cadence, a clean end, a torn stream, a stall.

interface SseServer {
  port: number;
  streams: Set<ServerResponse>;
  sent: () => number;
  /** Stop sending events (the streams stay open). */
  stall: (on: boolean) => void;
  close: () => Promise<void>;
}

const servers: SseServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sseServer(everyMs = 50): Promise<SseServer> {
  const streams = new Set<ServerResponse>();
  let sent = 0;
  let stalled = false;
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'x-pod-name': 'pod-a' });
    // A comment first: not an event.
    res.write(': hello\n\n');
    streams.add(res);
    const timer = setInterval(() => {
      if (stalled) return;
      sent++;
      res.write(`id: ${sent}\ndata: tick\n\n`);
    }, everyMs);
    res.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const s: SseServer = {
    port: (http.address() as AddressInfo).port,
    streams,
    sent: () => sent,
    stall: (on) => {
      stalled = on;
    },
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  servers.push(s);
  return s;
}

const options = (port: number, o: Partial<StreamLoadOptions> = {}): StreamLoadOptions => ({
  kind: 'sse',
  url: `http://127.0.0.1:${port}/events`,
  headers: {},
  connections: 2,
  messageRate: 0,
  messageBytes: 0,
  deadlineMs: 1000,
  connectTimeoutMs: 2000,
  reconnect: DEFAULT_RECONNECT,
  podHeader: 'x-pod-name',
  intervalMs: 100,
  durationMs: 60_000,
  ...o,
});

async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const count = (events: ConnectionEvent[], pick: (e: ConnectionEvent) => boolean): number => events.filter(pick).length;

describe('SSE load against a real server', () => {
  it('counts every event it waited for as answered, and a clean end as a graceful close with a reconnect', async () => {
    const server = await sseServer();
    const load = startStreamLoad(options(server.port), startClock());
    await until(() => load.progress().succeeded >= 20, '20 events');
    for (const res of server.streams) res.end();
    await until(() => count(load.connections().events, (e) => e.kind === 'open') === 4, 'two reconnects');
    await until(() => load.progress().succeeded >= 40, '40 events');
    load.stop();
    const result = await load.done;
    const rec = load.connections();
    const t = result.recorder.totals();
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(t.succeeded);
    expect(count(rec.events, (e) => e.kind === 'close' && e.close === 'graceful')).toBe(2);
    expect(rec.events.filter((e) => e.kind === 'open').every((e) => e.kind === 'open' && e.pod === 'pod-a')).toBe(true);
    // Each event answered one wait: never more answers than events the server wrote.
    expect(t.succeeded).toBeLessThanOrEqual(server.sent());
  });

  it('a torn stream is a cut, and the wait in progress on it is lost', async () => {
    const server = await sseServer();
    const load = startStreamLoad(options(server.port), startClock());
    await until(() => load.progress().succeeded >= 10, '10 events');
    for (const res of server.streams) res.socket?.destroy();
    await until(() => count(load.connections().events, (e) => e.kind === 'close') === 2, 'two closes');
    load.stop();
    const result = await load.done;
    const rec = load.connections();
    const closes = rec.events.filter((e) => e.kind === 'close');
    expect(closes.map((e) => e.kind === 'close' && e.close)).toEqual(['cut', 'cut']);
    const lost = closes.reduce((n, e) => n + (e.kind === 'close' ? e.lost : 0), 0);
    expect(lost).toBe(2);
    expect(result.recorder.totals().failures.reset).toBe(2);
  });

  it('a stalled stream times out its waits at the deadline, and waits again', async () => {
    const server = await sseServer();
    const load = startStreamLoad(options(server.port, { connections: 1, deadlineMs: 300 }), startClock());
    await until(() => load.progress().succeeded >= 5, '5 events');
    server.stall(true);
    await until(() => load.progress().failed >= 2, 'two timeouts');
    server.stall(false);
    await until(() => load.progress().succeeded >= 10, 'events again');
    load.stop();
    const result = await load.done;
    const t = result.recorder.totals();
    expect(t.failures.timeout).toBeGreaterThanOrEqual(2);
    expect(t.sent).toBe(t.succeeded + t.failed);
    expect(result.recorder.errorCodes()).toMatchObject({ EVENT_DEADLINE: t.failures.timeout });
  });
});
