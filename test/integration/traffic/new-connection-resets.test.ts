import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';

/**
 * A reset on a connection that never answered (a userspace proxy whose dial to the pod was
 * refused) against a reset on a kept-alive connection (an app that cut it under reuse): the
 * diagnosis needs the engine to tell them apart.
 */
let server: net.Server | undefined;
afterEach(async () => {
  const s = server;
  server = undefined;
  if (s) await new Promise<void>((r) => s.close(() => r()));
});

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok';

/** A raw TCP server: each connection answers `answered` requests, then resets on the next one. */
async function serve(answered: number): Promise<string> {
  const s = net.createServer((sock) => {
    let n = 0;
    sock.on('error', () => {});
    sock.on('data', () => {
      if (n++ < answered) sock.write(OK);
      else sock.resetAndDestroy();
    });
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as net.AddressInfo).port}/`;
}

function opts(url: string, o: Partial<LoadOptions>): LoadOptions {
  return { url, method: 'GET', headers: {}, model: 'closed', connections: 2, durationMs: 400, timeoutMs: 2000, keepAlive: true, workers: 1, ...o };
}

const sum = (rows: Array<{ count: number }> | undefined): number => (rows ?? []).reduce((n, r) => n + r.count, 0);

describe('resets on new connections', () => {
  it('lean client: a connection reset before any answer counts as a new-connection reset', async () => {
    const url = await serve(0);
    const r = await startLoad(opts(url, { client: 'lean' }), startClock()).done;
    const resets = r.recorder.totals().failures.reset;
    expect(resets).toBeGreaterThan(0);
    expect(sum(r.recorder.newConnectionResets())).toBe(resets);
  });

  it('lean client: a kept-alive connection reset on reuse does not', async () => {
    const url = await serve(1);
    const r = await startLoad(opts(url, { client: 'lean' }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.succeeded).toBeGreaterThan(0);
    expect(t.failures.reset).toBeGreaterThan(0);
    expect(r.recorder.newConnectionResets()).toEqual([]);
  });

  it('undici cannot tell: unknown, not zero', async () => {
    const url = await serve(0);
    const r = await startLoad(opts(url, { client: 'undici' }), startClock()).done;
    expect(r.recorder.totals().failures.reset).toBeGreaterThan(0);
    expect(r.recorder.newConnectionResets()).toBeUndefined();
  });

  it('worker threads carry the counts to the parent', async () => {
    const url = await serve(0);
    const r = await startLoad(opts(url, { client: 'lean', workers: 2 }), startClock()).done;
    expect(sum(r.recorder.newConnectionResets())).toBe(r.recorder.totals().failures.reset);
  });
});
