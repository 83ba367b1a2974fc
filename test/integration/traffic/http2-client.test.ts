import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import { checkReachable } from '../../../src/traffic/preflight.js';
import type { LoadOptions, LoadResult } from '../../../src/traffic/engine.js';
import { startH2FaultServer } from '../../fixtures/h2-fault-server.js';
import type { H2FaultServer } from '../../fixtures/h2-fault-server.js';

beforeAll(() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('these tests make their certificates with openssl: install it (Debian: apt-get install openssl)');
  }
});

let server: H2FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const base = { method: 'GET', headers: {}, model: 'closed' as const, connections: 2, streams: 4, durationMs: 600, timeoutMs: 2000, keepAlive: true, http2: true, podHeader: 'x-pod-name' };

async function runWith(s: H2FaultServer, extra: Partial<LoadOptions> = {}): Promise<LoadResult> {
  const opts: LoadOptions = { ...base, url: s.url, ...extra };
  if (s.ca !== undefined) opts.ca = s.ca;
  return startLoad(opts, startClock()).done;
}

/** The server's counters settle a moment after the client's outcomes (its stream close events): poll, bounded. */
async function settled(check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
}

/** Every case runs against both of zerodrop's HTTP/2 clients: the lean frames client (the default) and the one on node:http2. */
const CLIENTS = [['lean'], ['node-http2']] as const;

describe.each(CLIENTS)('zerodrop HTTP/2 client %s', (client) => {
describe.each([
  ['TLS (h2 by ALPN)', true],
  ['cleartext h2c (prior knowledge)', false],
])('over %s', (_name, tls) => {
  const run = (s: H2FaultServer, extra: Partial<LoadOptions> = {}): Promise<LoadResult> => runWith(s, { client, ...extra });

  it('answers every request: succeeded = served, one pod, sessions x streams', async () => {
    server = await startH2FaultServer({ tls });
    const r = await run(server);
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
    expect(server.counts.sessions).toBe(2);
    expect(r.recorder.retried().total).toBe(0);
    expect(r.recorder.pods().map((p) => p.pod)).toEqual(['pod-a']);
  });

  it('retries REFUSED_STREAM once and counts it apart; a second refusal fails as refused', async () => {
    // Every 5th stream refused: a retry may land on another 5th and be refused again.
    server = await startH2FaultServer({ tls, policy: (n) => (n % 5 === 0 ? 'refuse' : 'ok') });
    const r = await run(server);
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    const retried = r.recorder.retried();
    expect(retried.byReason['refused_stream']).toBeGreaterThan(0);
    expect(retried.total).toBe(retried.byReason['refused_stream']);
    // Every refusal the server made is a retry, or (for a retry refused again) one refused failure.
    expect(retried.total + t.failures.refused).toBe(c.refused);
    expect(t.failed).toBe(t.failures.refused);
    expect(r.recorder.errorCodes()['HTTP2_REFUSED_STREAM'] ?? 0).toBe(t.failures.refused);
    expect(t.succeeded).toBe(c.served);
    expect(t.sent).toBe(t.succeeded + t.failed);
  });

  it('a stream reset after the server began it is a failure (reset, by its code), never retried', async () => {
    server = await startH2FaultServer({ tls, policy: (n) => (n % 7 === 0 ? 'reset' : 'ok') });
    const r = await run(server);
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    expect(c.reset).toBeGreaterThan(0);
    expect(t.failures.reset).toBe(c.reset);
    expect(r.recorder.errorCodes()).toEqual({ HTTP2_RST_INTERNAL_ERROR: c.reset });
    expect(r.recorder.retried().total).toBe(0);
    expect(t.succeeded).toBe(c.served);
    expect(t.failed).toBe(c.reset);
  });

  it('a session torn down under streams the server had begun fails them (reset); only streams it never saw are retried', async () => {
    server = await startH2FaultServer({ tls, policy: (n) => (n === 40 ? 'kill' : 'ok') });
    const r = await run(server);
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    expect(c.killed).toBe(1);
    // The killed stream and any others in flight on that session: at least one, at most its streams.
    expect(t.failures.reset).toBeGreaterThanOrEqual(1);
    expect(t.failures.reset).toBeLessThanOrEqual(base.streams);
    expect(t.failed).toBe(t.failures.reset);
    // node:http2 ends a destroyed session with a GOAWAY naming the last stream it received:
    // streams above it never reached the server and are retried; none is counted refused_stream.
    const retried = r.recorder.retried();
    expect(retried.total).toBe(retried.byReason['goaway'] ?? 0);
    expect(t.failures.reset + retried.total).toBeLessThanOrEqual(base.streams);
    expect(t.succeeded).toBe(c.served);
    // node cancels the cut streams itself (rstCode CANCEL, no RST_STREAM from the server): the
    // failure is the session's, never a reset the server sent.
    expect(Object.keys(r.recorder.errorCodes())).not.toContain('HTTP2_RST_CANCEL');
  });

  it('times out a stream the server never answers: exactly one timeout each', async () => {
    server = await startH2FaultServer({ tls, policy: (n) => (n % 11 === 0 ? 'hang' : 'ok') });
    const r = await run(server, { timeoutMs: 300 });
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    expect(c.hung).toBeGreaterThan(0);
    expect(t.failures.timeout).toBe(c.hung);
    expect(t.failed).toBe(c.hung);
    expect(t.succeeded).toBe(c.served);
  });

  it('sends request bodies under the server\'s flow control (300 KB each, above its 64 KiB windows): every byte arrives', async () => {
    server = await startH2FaultServer({ tls });
    const body = 'x'.repeat(300_000);
    const r = await run(server, { method: 'POST', body, durationMs: 500 });
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(c.served);
    expect(c.bodyBytes).toBe(c.served * body.length);
  });

  it('opens its receive windows as response bodies arrive (5 MB each, above its stream and session windows)', async () => {
    server = await startH2FaultServer({ tls, responseBytes: 5_000_000 });
    const r = await run(server, { durationMs: 300, timeoutMs: 10_000 });
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    // Each response is above the 1 MiB stream window, and the first 4 on a session (20 MB) above
    // its 16 MiB session window: a client that sent no WINDOW_UPDATE of either kind would time out.
    expect(t.succeeded).toBeGreaterThanOrEqual(base.connections * base.streams);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
  });

  it('reads a response header block split into HEADERS + CONTINUATION (a 40 KB header), the pod header included, and answers PINGs', async () => {
    server = await startH2FaultServer({ tls, bigHeaderBytes: 40_000, ping: true });
    const r = await run(server, { durationMs: 400 });
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded && server!.counts.pingsAcked === 2);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
    expect(r.recorder.pods()).toEqual([expect.objectContaining({ pod: 'pod-a' })]);
    expect(server.counts.pingsAcked).toBe(2);
  });

  it('reads padded DATA and HEADERS frames', async () => {
    server = await startH2FaultServer({ tls, padding: true });
    const r = await run(server, { durationMs: 400 });
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
    expect(r.recorder.pods()).toEqual([expect.objectContaining({ pod: 'pod-a' })]);
  });

  it('keeps to the server\'s SETTINGS_MAX_CONCURRENT_STREAMS (2, below --streams 4): the rest wait in the session', async () => {
    server = await startH2FaultServer({ tls, maxConcurrentStreams: 2 });
    const r = await run(server, { durationMs: 500 });
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    expect(t.succeeded).toBe(server.counts.served);
    expect(server.counts.peakOpen).toBeLessThanOrEqual(2);
    if (client === 'lean') {
      // The lean client sends nothing before the server's SETTINGS: nothing refused, nothing retried.
      expect(t.failed).toBe(0);
      expect(r.recorder.retried().total).toBe(0);
    } else {
      // node:http2 sends the first streams with the preface, before the server's SETTINGS: those
      // above the limit are refused and retried (a retry that lands in a new session's first
      // burst may be refused again, and fails as refused).
      expect(t.failed).toBe(t.failures.refused);
    }
  });

  it('retries streams above a GOAWAY last-stream-id on a new session, records each GOAWAY, and loses nothing', async () => {
    // Each session refuses its 11th stream (id 21) and every later one with GOAWAY(last-stream-id 19).
    server = await startH2FaultServer({ tls, goawayAtStream: 21 });
    const r = await run(server, { durationMs: 800 });
    const t = r.recorder.totals();
    const c = server.counts;
    await settled(() => c.served === t.succeeded);
    expect(c.goaways).toBeGreaterThan(1);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(c.served);
    const retried = r.recorder.retried();
    expect(retried.total).toBe(retried.byReason['goaway']);
    // The server refused those it saw; others were on their way (the client refused them on the GOAWAY).
    expect(retried.total).toBeGreaterThanOrEqual(c.goawayRefused);
    const goaways = r.recorder.goaways();
    expect(goaways).toHaveLength(c.goaways);
    for (const g of goaways) expect(g).toMatchObject({ lastStreamId: 19, errorCode: 'NO_ERROR', pod: 'pod-a' });
  });
});

describe('sessions', () => {
  it.each<[string, Record<string, unknown>, (n: number) => boolean]>([
    ['closed model: --connections sessions', { connections: 3, streams: 2 }, (n) => n === 3],
    ['open model: one session by default', { model: 'open', rate: 200, connections: undefined, streams: undefined }, (n) => n === 1],
    ['open model: --min-connections sessions', { model: 'open', rate: 200, minConnections: 4, connections: undefined, streams: undefined }, (n) => n === 4],
  ])('%s', async (_name, extra, sessionsOk) => {
    server = await startH2FaultServer({ tls: false });
    const merged: Record<string, unknown> = { ...base, client, url: server.url, durationMs: 500, ...extra };
    for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
    const opts = merged as unknown as LoadOptions;
    const r = await startLoad(opts, startClock()).done;
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
    expect(sessionsOk(server.counts.sessions)).toBe(true);
  });

  it.each(['https', 'http'])('a refused connection (%s) is `refused` with ECONNREFUSED, as over HTTP/1.1', async (scheme) => {
    // A port nothing listens on: take one from a server, then close it.
    const probe = await startH2FaultServer({ tls: false });
    const port = new URL(probe.url).port;
    await probe.close();
    const r = await startLoad({ ...base, client, url: `${scheme}://127.0.0.1:${port}/`, durationMs: 200, insecure: true }, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failures.refused).toBe(t.sent);
    expect(r.recorder.errorCodes()).toEqual({ ECONNREFUSED: t.sent });
    expect(r.recorder.retried().total).toBe(0);
  });

  it('the reachability check sends its request over cleartext h2c too (zerodrop\'s client)', async () => {
    server = await startH2FaultServer({ tls: false });
    await expect(checkReachable({ ...base, client, url: server.url })).resolves.toMatchObject({ probe: 'request', requests: 1, lastStatus: 200 });
    await settled(() => server!.counts.served === 1);
    expect(server.counts.served).toBe(1);
  });

});
});

describe('zerodrop HTTP/2: undici', () => {
  it('undici (tuned) still serves HTTP/2 over TLS, and refuses cleartext h2c', async () => {
    server = await startH2FaultServer({ tls: true });
    const r = await runWith(server, { client: 'undici' });
    const t = r.recorder.totals();
    await settled(() => server!.counts.served === t.succeeded);
    expect(t.failed).toBe(0);
    expect(t.succeeded).toBe(server.counts.served);
    expect(() => startLoad({ ...base, url: 'http://127.0.0.1:1/', client: 'undici' }, startClock())).toThrow(/undici speaks HTTP\/2 over TLS only/);
  });
});

