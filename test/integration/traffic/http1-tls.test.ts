import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { classifyErrorCode, errorCodeOf } from '../../../src/traffic/classify.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { Http1Connection, http1TlsOf } from '../../../src/traffic/http1-connection.js';
import type { Http1Handler, Http1Tls } from '../../../src/traffic/http1-connection.js';
import { makeTestPki } from '../../helpers/tls-certs.js';
import type { TestPki } from '../../helpers/tls-certs.js';

/**
 * The lean HTTP/1.1 connection over TLS against real node:https and node:tls servers: trust (the
 * run's CA, insecure, the system CAs, a wrong CA, a name the certificate lacks), SNI and ALPN,
 * keep-alive and its end, session resumption, and the failure classes of the cleartext client.
 */

interface Outcome {
  status: number;
  /** 'complete' or the error's code. */
  end: string;
}

/** One request through the connection, resolved at its single completion or error. */
function send(conn: Http1Connection, path = '/'): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, end: '' };
    const handler: Http1Handler = {
      onConnect: () => {},
      onHeaders: (status) => {
        out.status = status;
        return true;
      },
      onComplete: () => {
        out.end = 'complete';
        resolve(out);
      },
      onError: (err) => {
        out.end = errorCodeOf(err);
        resolve(out);
      },
    };
    conn.dispatch({ origin: 'https://x', path, method: 'GET', headers: [] }, handler);
  });
}

/** What the https server saw of each TLS connection. */
interface Seen {
  servername: string | false;
  alpn: string | false;
  resumed: boolean;
}

let pki: TestPki;
let server: HttpsServer;
let port = 0;
const seen: Seen[] = [];
let requests = 0;

const conns: Http1Connection[] = [];
const rawServers: net.Server[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  const { certPem, keyPem } = pki.serving('DNS:localhost,IP:127.0.0.1');
  server = createHttpsServer({ key: keyPem, cert: certPem, ALPNProtocols: ['http/1.1'] }, (req, res) => {
    requests++;
    if (req.url === '/close') res.setHeader('connection', 'close');
    res.end('ok');
  });
  server.on('secureConnection', (s: tls.TLSSocket) => seen.push({ servername: s.servername || false, alpn: s.alpnProtocol || false, resumed: s.isSessionReused() }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  pki.remove();
});

afterEach(async () => {
  for (const c of conns.splice(0)) await c.destroy();
  for (const s of rawServers.splice(0)) await new Promise((r) => s.close(r));
});

function connect(origin: string, t: Http1Tls | undefined, connectTimeoutMs = 5000): Http1Connection {
  const c = new Http1Connection(origin, { connectTimeoutMs, idleTimeoutMs: 60_000, ...(t ? { tls: t } : {}) });
  conns.push(c);
  return c;
}

/**
 * A TLS server over a plain TCP one (so a test can reset the TCP connection under the TLS one),
 * with a test PKI certificate for 127.0.0.1; `onSocket` scripts what it does.
 */
async function rawTls(onSocket: (s: tls.TLSSocket, tcp: net.Socket) => void): Promise<number> {
  const { certPem, keyPem } = pki.serving('IP:127.0.0.1');
  const context = tls.createSecureContext({ key: keyPem, cert: certPem });
  const s = net.createServer((tcp) => {
    tcp.on('error', () => {});
    const sock = new tls.TLSSocket(tcp, { isServer: true, secureContext: context });
    sock.on('error', () => {});
    sock.once('secure', () => onSocket(sock, tcp));
  });
  rawServers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as net.AddressInfo).port;
}

const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok';

describe('Http1Connection over TLS: trust', () => {
  it('trusts the run CA: the request succeeds, with ALPN http/1.1', async () => {
    const before = seen.length;
    const c = connect(`https://127.0.0.1:${port}`, http1TlsOf({ ca: pki.caPem }));
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
    // Both over one connection, which negotiated HTTP/1.1 by ALPN.
    expect(seen.slice(before)).toEqual([{ servername: false, alpn: 'http/1.1', resumed: false }]);
  });

  it('insecure accepts a certificate nobody vouches for', async () => {
    const c = connect(`https://127.0.0.1:${port}`, http1TlsOf({ insecure: true }));
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
  });

  it.each([
    ['the system CAs (no ca given)', () => undefined, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['a wrong CA', () => http1TlsOf({ ca: pki.otherCaPem }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
  ])('%s: the handshake fails with the certificate error’s code, counted as other, and no request reaches the server', async (_name, tlsOf, code) => {
    const before = requests;
    const c = connect(`https://127.0.0.1:${port}`, tlsOf());
    const out = await send(c);
    expect(out).toEqual({ status: 0, end: code });
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.other);
    expect(requests).toBe(before);
    // Every try fails the same way: no certificate error is ever a success.
    expect(await send(c)).toEqual({ status: 0, end: code });
  });

  it('a certificate without the URL’s name fails with ERR_TLS_CERT_ALTNAME_INVALID (other)', async () => {
    const p = await rawTls((s) => s.on('data', () => s.write(OK)));
    // localhost resolves here, but this certificate names 127.0.0.1 only.
    const c = connect(`https://localhost:${p}`, http1TlsOf({ ca: pki.caPem }));
    const out = await send(c);
    expect(out).toEqual({ status: 0, end: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.other);
  });
});

describe('Http1Connection over TLS: SNI, keep-alive, resumption', () => {
  it('sends the host name as SNI (and none for an IP address)', async () => {
    const before = seen.length;
    expect(await send(connect(`https://localhost:${port}`, http1TlsOf({ ca: pki.caPem })))).toEqual({ status: 200, end: 'complete' });
    expect(await send(connect(`https://127.0.0.1:${port}`, http1TlsOf({ ca: pki.caPem })))).toEqual({ status: 200, end: 'complete' });
    expect(seen.slice(before).map((s) => s.servername)).toEqual(['localhost', false]);
  });

  it('a server closing keep-alive costs a new connection, not a failure, and the new one resumes the TLS session', async () => {
    const before = seen.length;
    const c = connect(`https://127.0.0.1:${port}`, http1TlsOf({ ca: pki.caPem }));
    expect(await send(c, '/close')).toEqual({ status: 200, end: 'complete' });
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
    expect(seen.slice(before).map((s) => s.resumed)).toEqual([false, true]);
  });

  it('an idle connection the server timed out is replaced without failing the next request', async () => {
    const p = await rawTls((s) => {
      // Answers one request, then closes the idle connection shortly after.
      s.once('data', () => {
        s.write(OK);
        setTimeout(() => s.end(), 20);
      });
    });
    const c = connect(`https://127.0.0.1:${p}`, http1TlsOf({ ca: pki.caPem }));
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await send(c)).toEqual({ status: 200, end: 'complete' });
  });
});

describe('Http1Connection over TLS: failures keep the cleartext classes', () => {
  it('a refused connect is ECONNREFUSED (refused)', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const p = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    const out = await send(connect(`https://127.0.0.1:${p}`, http1TlsOf({ ca: pki.caPem })));
    expect(out.end).toBe('ECONNREFUSED');
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.refused);
  });

  it('a handshake that never completes is UND_ERR_CONNECT_TIMEOUT (timeout): the connect timeout covers TLS', async () => {
    // Accepts TCP and says nothing (it reads, so it sees the client give up and close).
    const s = net.createServer((sock) => sock.on('error', () => {}).resume());
    rawServers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const out = await send(connect(`https://127.0.0.1:${(s.address() as net.AddressInfo).port}`, http1TlsOf({ ca: pki.caPem }), 300));
    expect(out.end).toBe('UND_ERR_CONNECT_TIMEOUT');
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.timeout);
  });

  it('a connection reset under a request, after the handshake, is a reset', async () => {
    const p = await rawTls((s, tcp) => s.on('data', () => tcp.resetAndDestroy()));
    const c = connect(`https://127.0.0.1:${p}`, http1TlsOf({ ca: pki.caPem }));
    const out = await send(c);
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.reset);
    expect(c.newConnection).toBe(true);
  });

  it('a cleartext HTTP server behind an https: URL fails the handshake with an SSL code (other)', async () => {
    const s = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.once('data', () => sock.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n'));
    });
    rawServers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const out = await send(connect(`https://127.0.0.1:${(s.address() as net.AddressInfo).port}`, http1TlsOf({ ca: pki.caPem })));
    expect(out.end).toMatch(/^ERR_SSL_/);
    expect(classifyErrorCode(out.end)).toBe(OUTCOME.other);
  });
});

describe('the engine over TLS with the lean client', () => {
  const base = (url: string, o: Partial<LoadOptions>): LoadOptions => ({ url, method: 'GET', headers: {}, model: 'closed', connections: 2, durationMs: 400, timeoutMs: 2000, keepAlive: true, workers: 1, ...o });
  const sum = (rows: Array<{ count: number }> | undefined): number => (rows ?? []).reduce((n, r) => n + r.count, 0);

  it.each([true, false])('auto runs https: on the lean client (keepAlive %s): every request answered', async (keepAlive) => {
    const before = requests;
    const r = await startLoad(base(`https://127.0.0.1:${port}/`, { ca: pki.caPem, keepAlive }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.succeeded).toBe(t.sent);
    expect(requests - before).toBe(t.sent);
    // Only the lean client can tell new-connection resets (undici leaves this undefined).
    expect(r.recorder.newConnectionResets()).toEqual([]);
  });

  it('resets on brand-new TLS connections count as new-connection resets; a reset on reuse does not', async () => {
    const resetOn = (answered: number) =>
      rawTls((s, tcp) => {
        let n = 0;
        s.on('data', () => {
          if (n++ < answered) s.write(OK);
          else tcp.resetAndDestroy();
        });
      });
    const fresh = await startLoad(base(`https://127.0.0.1:${await resetOn(0)}/`, { ca: pki.caPem }), startClock()).done;
    const freshResets = fresh.recorder.totals().failures.reset;
    expect(freshResets).toBeGreaterThan(0);
    expect(sum(fresh.recorder.newConnectionResets())).toBe(freshResets);

    const reused = await startLoad(base(`https://127.0.0.1:${await resetOn(1)}/`, { ca: pki.caPem }), startClock()).done;
    expect(reused.recorder.totals().succeeded).toBeGreaterThan(0);
    expect(reused.recorder.totals().failures.reset).toBeGreaterThan(0);
    expect(reused.recorder.newConnectionResets()).toEqual([]);
  });
});
