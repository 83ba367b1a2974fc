import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { prepareGrpcCall } from '../../../src/traffic/grpc-message.js';
import { DEMO_PROTO, startGrpcServer, type GrpcTestServer } from '../../fixtures/grpc-server.js';

const METHOD = 'zerodrop.demo.Greeter/SayHello';

function grpcLoad(port: number, message: object, more: Partial<LoadOptions> = {}, scheme = 'http'): LoadOptions {
  const call = prepareGrpcCall({ protoFile: DEMO_PROTO, method: METHOD, message });
  return {
    url: `${scheme}://127.0.0.1:${port}${call.path}`,
    method: 'POST',
    headers: { 'grpc-timeout': '2000m' },
    body: call.frame,
    grpc: true,
    model: 'closed',
    connections: 4,
    durationMs: 400,
    timeoutMs: 2000,
    keepAlive: true,
    ...more,
  };
}

describe('gRPC unary load against a grpc-js server', () => {
  let srv: GrpcTestServer;
  beforeAll(async () => {
    srv = await startGrpcServer({ pod: 'pod-a' });
  });
  afterAll(() => srv.stop());

  it.each([1, 2])('counts every call the server saw, OK by name, per pod from the metadata key (%i workers)', async (workers) => {
    srv.calls.clear();
    const r = await startLoad(grpcLoad(srv.port, { name: 'ok' }, { podHeader: 'x-pod-name', workers }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(srv.total());
    expect(r.recorder.statusCodes()).toEqual({ OK: t.sent });
    const pods = r.recorder.pods();
    expect(pods.map((p) => p.pod)).toEqual(['pod-a']);
    expect(pods[0]!.intervals.reduce((n, i) => n + (i.outcomes[0] ?? 0), 0)).toBe(t.sent);
  });

  it.each([
    [14, 'UNAVAILABLE', 'http_5xx'],
    [13, 'INTERNAL', 'http_5xx'],
    [2, 'UNKNOWN', 'http_5xx'],
    [8, 'RESOURCE_EXHAUSTED', 'http_4xx'],
    [1, 'CANCELLED', 'http_4xx'],
    [4, 'DEADLINE_EXCEEDED', 'timeout'],
  ])('counts status %i as %s, class %s, for every call the server answered so', async (code, name, cls) => {
    srv.calls.clear();
    const { connections: _closed, ...open } = grpcLoad(srv.port, { name: `fail:${code}` });
    const r = await startLoad({ ...open, model: 'open', rate: 200 }, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBe(srv.total());
    expect(t.failed).toBe(t.sent);
    expect(r.recorder.statusCodes()).toEqual({ [name]: t.sent });
    expect(r.recorder.totals().failures).toMatchObject({ [cls]: t.sent });
  });

  it('sends the deadline: a call the server holds past it ends DEADLINE_EXCEEDED (a timeout) before our own timer', async () => {
    srv.calls.clear();
    const opts = grpcLoad(srv.port, { name: 'slow', delay_ms: 500 }, { headers: { 'grpc-timeout': '50m' }, connections: 2, durationMs: 300 });
    const r = await startLoad(opts, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBe(srv.total());
    expect(r.recorder.statusCodes()).toEqual({ DEADLINE_EXCEEDED: t.sent });
    expect(r.recorder.totals().failures.timeout).toBe(t.sent);
  });

  it('times a call out itself when the server holds it past our timeout', async () => {
    srv.calls.clear();
    const opts = grpcLoad(srv.port, { name: 'slow', delay_ms: 1500 }, { timeoutMs: 100, headers: { 'grpc-timeout': '10S' }, connections: 2, durationMs: 200 });
    const r = await startLoad(opts, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.sent).toBe(srv.total());
    expect(r.recorder.errorCodes()).toEqual({ ZD_TIMEOUT: t.sent });
  });
});

describe('gRPC transport failures', () => {
  it('counts calls to a closed port as refused', async () => {
    const s = await startGrpcServer();
    const port = s.port;
    await s.stop();
    const r = await startLoad(grpcLoad(port, { name: 'x' }, { connections: 2, durationMs: 200 }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(r.recorder.totals().failures.refused).toBe(t.sent);
    expect(r.recorder.errorCodes()).toEqual({ ECONNREFUSED: t.sent });
  });

  it('counts calls cut by a server that dies without GOAWAY as resets, on the pod of their connection', async () => {
    const s = await startGrpcServer({ pod: 'dying' });
    setTimeout(() => s.server.forceShutdown(), 150);
    const r = await startLoad(grpcLoad(s.port, { name: 'slow', delay_ms: 1000 }, { connections: 3, durationMs: 100, podHeader: 'x-pod-name' }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBe(3);
    expect(s.total()).toBe(3);
    expect(r.recorder.totals().failures.reset).toBe(3);
    // grpc-js's forceShutdown closes its sessions with an error code (a GOAWAY with CANCEL).
    expect(r.recorder.errorCodes()).toEqual({ ERR_HTTP2_SESSION_ERROR: 3 });
  });

  it('counts calls cut by a server whose socket just goes away (a killed process: no GOAWAY, no RST_STREAM) as HTTP2_SESSION_CLOSED resets', async () => {
    let seen = 0;
    const server = http2.createServer();
    // The raw sockets (the session's own is a proxy that refuses to be destroyed).
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => sockets.add(socket));
    server.on('stream', (stream) => {
      // A stream the server refuses or cuts errors on its side too: not the test's failure.
      stream.on('error', () => {});
      seen++;
      stream.on('data', () => {});
      // The call began (headers sent), then the process "dies": its sockets end under the calls.
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 10);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const r = await startLoad(grpcLoad(port, { name: 'x' }, { connections: 2, durationMs: 150 }), startClock()).done;
    server.close();
    const t = r.recorder.totals();
    // Every call the server saw is counted; a call sent on a connection as the server destroyed
    // every socket may never reach it, and is a reset all the same.
    expect(t.sent, JSON.stringify([t, r.recorder.errorCodes(), r.recorder.statusCodes()])).toBeGreaterThanOrEqual(seen);
    expect(t.failures.reset, JSON.stringify([t, r.recorder.errorCodes(), r.recorder.statusCodes()])).toBe(t.sent);
    expect(Object.keys(r.recorder.errorCodes()).filter((c) => c !== 'HTTP2_SESSION_CLOSED' && c !== 'ECONNRESET')).toEqual([]);
  });
});

/** A bare node:http2 gRPC server that refuses the first `refuse` streams (REFUSED_STREAM) or answers OK. */
async function refusingServer(refuse: number): Promise<{ port: number; seen: () => number; sessions: () => number; close: () => void }> {
  let seen = 0;
  let sessions = 0;
  const server = http2.createServer();
  server.on('session', () => sessions++);
  server.on('stream', (stream) => {
    // A stream the server refuses or cuts errors on its side too: not the test's failure.
    stream.on('error', () => {});
    if (seen < refuse) {
      seen++;
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    seen++;
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen: () => seen, sessions: () => sessions, close: () => server.close() };
}

describe('refused calls, as well-behaved gRPC clients see them', () => {
  it('sends a call refused with REFUSED_STREAM once more on a new connection, counts it retried, judges the retry', async () => {
    const s = await refusingServer(1);
    const r = await startLoad(grpcLoad(s.port, { name: 'x' }, { connections: 1, durationMs: 200 }), startClock()).done;
    s.close();
    const t = r.recorder.totals();
    expect(t.failed).toBe(0);
    // The server saw every call once, the refused one twice.
    expect(s.seen()).toBe(t.sent + 1);
    expect(r.recorder.retried()).toEqual({ total: 1, byReason: { refused_stream: 1 } });
    expect(s.sessions()).toBe(2);
  });

  it('fails a call refused twice as refused (HTTP2_REFUSED_STREAM)', async () => {
    const s = await refusingServer(2);
    const r = await startLoad(grpcLoad(s.port, { name: 'x' }, { connections: 1, durationMs: 100 }), startClock()).done;
    s.close();
    expect(r.recorder.errorCodes()).toEqual({ HTTP2_REFUSED_STREAM: 1 });
    expect(r.recorder.totals().failures.refused).toBe(1);
    expect(r.recorder.retried().total).toBe(1);
  });

  it('retries a call above a GOAWAY\'s last stream id on a new connection, and keeps one GOAWAY per connection for the timeline', async () => {
    // Each session answers its first call; on its second, the server sends GOAWAY with the first
    // call's id as the last stream (twice, as a server closing gracefully does) and leaves the
    // second call unprocessed: the client must send it again on a new connection.
    let answered = 0;
    let goaways = 0;
    const server = http2.createServer();
    const firstOf = new WeakMap<object, number>();
    server.on('stream', (stream) => {
      // A stream the server refuses or cuts errors on its side too: not the test's failure.
      stream.on('error', () => {});
      const session = stream.session!;
      const first = firstOf.get(session);
      if (first === undefined) {
        firstOf.set(session, stream.id!);
        stream.on('data', () => {});
        stream.on('end', () => {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'x-pod-name': 'p' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => {
            stream.sendTrailers({ 'grpc-status': '0' });
            answered++;
          });
          stream.end(Buffer.from([0, 0, 0, 0, 0]));
        });
      } else {
        goaways++;
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, first);
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, first);
        setTimeout(() => session.destroy(), 20);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const r = await startLoad(grpcLoad(port, { name: 'x' }, { connections: 1, durationMs: 300, podHeader: 'x-pod-name' }), startClock()).done;
    server.close();
    const t = r.recorder.totals();
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(answered);
    expect(goaways).toBeGreaterThan(0);
    // Every refused call was retried once (the last may have been refused as the run ended).
    expect(r.recorder.retried().byReason).toEqual({ goaway: goaways });
    expect(r.recorder.goaways().length).toBe(goaways);
    expect(r.recorder.goaways()[0]).toMatchObject({ errorCode: 'NO_ERROR', pod: 'p', refused: 1 });
  });
});

describe('GOAWAYs on the timeline', () => {
  it('keeps one GOAWAY per connection when the server sends it twice (as a graceful close does)', async () => {
    let sessions = 0;
    const server = http2.createServer();
    server.on('session', () => sessions++);
    server.on('stream', (stream) => {
      // A stream the server refuses or cuts errors on its side too: not the test's failure.
      stream.on('error', () => {});
      const session = stream.session!;
      stream.on('data', () => {});
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => {
          stream.sendTrailers({ 'grpc-status': '0' });
          session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id!);
          session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id!);
        });
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const r = await startLoad(grpcLoad(port, { name: 'x' }, { connections: 1, durationMs: 200 }), startClock()).done;
    server.close();
    expect(r.recorder.totals().failed).toBe(0);
    // A new connection per call (each got its GOAWAY), one GOAWAY kept for each.
    expect(r.recorder.goaways().length).toBe(sessions);
  });
});

describe('gRPC over TLS', () => {
  let dir = '';
  let srv: GrpcTestServer;
  let ca = '';
  beforeAll(async () => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      throw new Error('this test makes its certificate with openssl: install it (Debian: apt-get install openssl)');
    }
    dir = mkdtempSync(join(tmpdir(), 'zerodrop-grpc-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const creds = grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(join(dir, 'key.pem')), cert_chain: Buffer.from(ca) }]);
    srv = await startGrpcServer({ pod: 'tls-pod', credentials: creds });
  });
  afterAll(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls over TLS with the CA given, every call counted', async () => {
    srv.calls.clear();
    const r = await startLoad(grpcLoad(srv.port, { name: 'tls' }, { ca }, 'https'), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(srv.total());
  });

  it('fails every call when the certificate is not trusted, and succeeds with insecure', async () => {
    const bad = await startLoad(grpcLoad(srv.port, { name: 'tls' }, { connections: 1, durationMs: 100 }, 'https'), startClock()).done;
    expect(bad.recorder.totals().succeeded).toBe(0);
    expect(Object.keys(bad.recorder.errorCodes())).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT']);
    srv.calls.clear();
    const ok = await startLoad(grpcLoad(srv.port, { name: 'tls' }, { insecure: true, connections: 1, durationMs: 100 }, 'https'), startClock()).done;
    expect(ok.recorder.totals().failed).toBe(0);
    expect(ok.recorder.totals().sent).toBe(srv.total());
  });
});
