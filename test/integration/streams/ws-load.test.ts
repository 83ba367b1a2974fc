import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startClock } from '../../../src/clock.js';
import { DEFAULT_RECONNECT, type StreamLoadOptions } from '../../../src/streams/stream-options.js';
import { startStreamLoad } from '../../../src/streams/stream-load.js';
import type { ConnectionEvent } from '../../../src/streams/connection-log.js';

// Real `ws` servers on port 0, and the load's exact accounting against what the server saw.

/** A WebSocket echo server that counts what it received and can close, cut or hold its clients. */
class EchoServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly clients = new Set<WebSocket>();
  received = 0;
  /** Messages received and deliberately never answered. */
  held = 0;
  /** Answer nothing (messages are held until the connection goes). */
  hold = false;
  /** Cut a connection (no close frame) when it has received this many messages. */
  cutAfter: number | undefined;
  cuts = 0;
  connections = 0;

  constructor() {
    this.http = createServer((_req, res) => res.end('ok'));
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
    this.wss.on('headers', (headers) => headers.push('x-pod-name: pod-a'));
    this.wss.on('connection', (ws) => {
      this.connections++;
      this.clients.add(ws);
      let n = 0;
      ws.on('close', () => this.clients.delete(ws));
      ws.on('message', (data) => {
        this.received++;
        n++;
        if (this.hold) this.held++;
        else if (ws.readyState === ws.OPEN) ws.send(data.toString());
        if (this.cutAfter !== undefined && n === this.cutAfter) {
          this.cuts++;
          ws.terminate();
        }
      });
    });
  }

  async listen(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.http.listen(port, '127.0.0.1', resolve));
    return (this.http.address() as AddressInfo).port;
  }

  /** Stops listening (new connections refused) without touching the open ones. */
  async unlisten(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  async close(): Promise<void> {
    for (const ws of this.clients) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    if (this.http.listening) await this.unlisten();
  }
}

const servers: EchoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function options(port: number, o: Partial<StreamLoadOptions> = {}): StreamLoadOptions {
  return {
    kind: 'websocket',
    url: `ws://127.0.0.1:${port}/`,
    headers: {},
    connections: 4,
    messageRate: 20,
    messageBytes: 32,
    deadlineMs: 2000,
    connectTimeoutMs: 2000,
    reconnect: DEFAULT_RECONNECT,
    podHeader: 'x-pod-name',
    intervalMs: 100,
    durationMs: 60_000,
    ...o,
  };
}

/** Polls until `ok` holds (bounded: fails the test rather than hanging). */
async function until(ok: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const count = (events: ConnectionEvent[], pick: (e: ConnectionEvent) => boolean): number => events.filter(pick).length;

describe('WebSocket load against a real ws server', () => {
  it('counts exactly: the messages the server received are the messages sent, all answered', async () => {
    const server = new EchoServer();
    servers.push(server);
    const port = await server.listen();
    const load = startStreamLoad(options(port), startClock());
    await until(() => load.progress().sent >= 40, '40 messages');
    load.stop();
    const result = await load.done;
    const totals = result.recorder.totals();
    const rec = load.connections();
    expect(totals.sent).toBe(server.received);
    expect(totals.succeeded).toBe(totals.sent);
    expect(totals.failed).toBe(0);
    expect(count(rec.events, (e) => e.kind === 'open')).toBe(4);
    expect(count(rec.events, (e) => e.kind === 'close')).toBe(0);
    expect(rec.closedAtEnd).toBe(4);
    expect(rec.events.every((e) => e.kind !== 'open' || e.pod === 'pod-a')).toBe(true);
    // Per-pod counts come from the upgrade's pod header.
    expect(result.recorder.pods().map((p) => p.pod)).toEqual(['pod-a']);
    await until(() => server.clients.size === 0, 'the clients to close');
  });

  it('a graceful close (1001) is followed by a reconnect, and the unanswered messages are sent again: nothing lost', async () => {
    const server = new EchoServer();
    servers.push(server);
    const port = await server.listen();
    const load = startStreamLoad(options(port), startClock());
    await until(() => server.clients.size === 4 && load.progress().sent >= 20, 'four connections carrying messages');
    // Hold the answers, so the close leaves messages unanswered on every connection.
    server.hold = true;
    await until(() => server.held >= 8, 'held messages');
    server.hold = false;
    for (const ws of server.clients) ws.close(1001, 'going away');
    await until(() => count(load.connections().events, (e) => e.kind === 'open') === 8, 'four reconnects');
    const sentAtReconnect = load.progress().sent;
    await until(() => load.progress().sent >= sentAtReconnect + 20, 'messages on the new connections');
    load.stop();
    const result = await load.done;
    const rec = load.connections();
    const totals = result.recorder.totals();
    expect(count(rec.events, (e) => e.kind === 'close' && e.close === 'graceful' && e.code === 1001)).toBe(4);
    expect(count(rec.events, (e) => e.kind === 'close' && e.close !== 'graceful')).toBe(0);
    const reconnects = rec.events.filter((e) => e.kind === 'open' && e.reconnectMs !== undefined);
    expect(reconnects).toHaveLength(4);
    expect(reconnects.every((e) => e.kind === 'open' && e.after === 'graceful' && (e.reconnectMs ?? -1) >= 0)).toBe(true);
    expect(rec.resent).toBeGreaterThanOrEqual(8);
    expect(totals.failed).toBe(0);
    expect(totals.succeeded).toBe(totals.sent);
  });

  it('an abrupt cut (no close frame, 1006) loses exactly the messages the server held', async () => {
    const server = new EchoServer();
    servers.push(server);
    server.hold = true;
    server.cutAfter = 3;
    const port = await server.listen();
    // 5 messages/s: the cut on the 3rd message comes long before the client's 4th.
    const load = startStreamLoad(options(port, { connections: 2, messageRate: 5 }), startClock());
    await until(() => server.cuts >= 2, 'two cuts');
    // No more cuts once the connections are back: answer from now on.
    server.cutAfter = undefined;
    server.hold = false;
    await until(() => count(load.connections().events, (e) => e.kind === 'open') === 4, 'two reconnects');
    load.stop();
    const result = await load.done;
    const rec = load.connections();
    const totals = result.recorder.totals();
    const closes = rec.events.filter((e) => e.kind === 'close');
    expect(closes.map((e) => e.kind === 'close' && [e.close, e.code])).toEqual([['cut', 1006], ['cut', 1006]]);
    const lost = closes.reduce((n, e) => n + (e.kind === 'close' ? e.lost : 0), 0);
    expect(lost).toBe(server.held);
    expect(totals.failures.reset).toBe(server.held);
    expect(totals.sent).toBe(server.received);
    expect(totals.sent).toBe(totals.succeeded + totals.failed);
    expect(result.recorder.errorCodes()).toMatchObject({ WS_CLOSED_1006: server.held });
  });

  it('measures the time to reconnect across a window where connections are refused', async () => {
    const server = new EchoServer();
    servers.push(server);
    const port = await server.listen();
    const clock = startClock();
    const load = startStreamLoad(options(port, { connections: 2 }), clock);
    await until(() => server.clients.size === 2, 'two connections');
    // Stop listening first (the close completes once the upgraded connections are gone too).
    const unlistened = server.unlisten();
    for (const ws of server.clients) ws.close(1001);
    await unlistened;
    await until(() => load.connections().events.filter((e) => e.kind === 'connect-failed').length >= 2, 'refused attempts');
    const upAtMs = clock.nowMs();
    await server.listen(port);
    await until(() => count(load.connections().events, (e) => e.kind === 'open') === 4, 'two reconnects');
    load.stop();
    await load.done;
    const rec = load.connections();
    const failedConnects = rec.events.filter((e) => e.kind === 'connect-failed');
    expect(failedConnects.every((e) => e.kind === 'connect-failed' && e.reason === 'refused')).toBe(true);
    for (const client of [0, 1]) {
      const mine = rec.events.filter((e) => e.client === client);
      const close = mine.find((e) => e.kind === 'close');
      const reopen = mine.filter((e) => e.kind === 'open')[1];
      if (close?.kind !== 'close' || reopen?.kind !== 'open') throw new Error(`client ${client}: no close and reopen in ${JSON.stringify(mine)}`);
      // The reconnect time is the gap from the close to the new connection, which came after the server listened again.
      expect(reopen.reconnectMs).toBeCloseTo(reopen.tMs - close.tMs, 6);
      expect(reopen.tMs).toBeGreaterThanOrEqual(upAtMs);
      expect(reopen.after).toBe('graceful');
    }
  });
});
