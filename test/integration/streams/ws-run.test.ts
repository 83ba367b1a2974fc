import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { executeRun } from '../../../src/runner/execute-run.js';
import { compareReports } from '../../../src/runner/journal/compare.js';
import { parseJournal } from '../../../src/runner/journal/read.js';
import { rebuildReport } from '../../../src/runner/journal/rebuild.js';
import { envOf, scenarioOf } from '../runner/run-fixtures.js';

// A whole run (executeRun, as `zerodrop run --load-kind websocket` does) against a real ws server
// that closes every client with 1001 halfway: the report counts it, and the journal rebuilds it.

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

async function echoServer(): Promise<{ port: number; wss: WebSocketServer; received: () => number }> {
  const http = createServer((_req, res) => res.end('ok'));
  const wss = new WebSocketServer({ server: http });
  let received = 0;
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      received++;
      if (ws.readyState === ws.OPEN) ws.send(data.toString());
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  stops.push(async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });
  return { port: (http.address() as AddressInfo).port, wss, received: () => received };
}

describe('a WebSocket run through the runner', () => {
  it('reports messages and connections, and its journal rebuilds the same report', async () => {
    const server = await echoServer();
    const scenario = scenarioOf({ url: `ws://127.0.0.1:${server.port}/`, loadKind: 'websocket', connections: 4, messageRate: 20, duration: '2s' });
    const lines: string[] = [];
    const sink = { write: (t: string) => void lines.push(t), sync: () => undefined, close: () => undefined };
    const closer = setTimeout(() => {
      for (const ws of server.wss.clients) ws.close(1001, 'going away');
    }, 1000);
    const { report } = await executeRun(scenario, envOf({ journal: sink }));
    clearTimeout(closer);
    const c = report.connections;
    if (c === undefined) throw new Error('no connections section');
    expect(c.kind).toBe('websocket');
    expect(c.closedGracefully).toBe(4);
    expect(c.cut).toBe(0);
    expect(c.reconnect.count).toBe(4);
    expect(c.opened).toBe(8);
    expect(c.closedAtEnd).toBe(4);
    expect(report.totals.failed).toBe(0);
    // Messages the server received: every message sent once, plus the ones sent again after the close.
    expect(server.received()).toBeGreaterThanOrEqual(report.totals.sent);
    expect(server.received()).toBeLessThanOrEqual(report.totals.sent + c.messages.resent);
    expect(report.meta.load.kind).toBe('websocket');

    const rebuilt = rebuildReport(parseJournal(lines.join('')));
    expect(rebuilt.complete).toBe(true);
    expect(compareReports(report, rebuilt.report)).toEqual([]);
    expect(rebuilt.report.connections).toEqual(report.connections);
  });
});
