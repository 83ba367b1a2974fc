import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CouldNotRunError, InvalidInputError, ZerodropError } from '../../../src/errors.js';
import { checkReachable, probeKindOf } from '../../../src/traffic/preflight.js';
import { startFaultServer } from '../../fixtures/fault-server.js';
import { makeTestPki } from '../../helpers/tls-certs.js';
import type { TestPki } from '../../helpers/tls-certs.js';

const base = { method: 'GET', headers: {}, timeoutMs: 1000 };

/** Polls until `cond` holds (bounded), for counts a server updates as connections arrive. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

/** A port nothing listens on (bound, then closed). */
async function closedPortUrl(): Promise<string> {
  const s = await startFaultServer();
  const url = `${s.url}/health`;
  await s.close();
  return url;
}

describe('probeKindOf', () => {
  it.each([
    ['GET', 'request'],
    ['get', 'request'],
    ['HEAD', 'request'],
    ['OPTIONS', 'request'],
    ['POST', 'connect'],
    ['PUT', 'connect'],
    ['PATCH', 'connect'],
    ['DELETE', 'connect'],
    ['TRACE', 'connect'],
  ])('%s -> %s', (method, kind) => {
    expect(probeKindOf(method)).toBe(kind);
  });
});

describe('checkReachable', () => {
  it('accepts any HTTP answer, even a 500, and records the one request it sent', async () => {
    const s = await startFaultServer({ rules: [{ action: { kind: 'status', status: 500 } }] });
    try {
      await expect(checkReachable({ ...base, url: s.url })).resolves.toEqual({ probe: 'request', attempts: 1, requests: 1, lastStatus: 500 });
      expect(s.counts.received).toBe(1);
    } finally {
      await s.close();
    }
  });

  it.each(['HEAD', 'OPTIONS'])('sends a %s request (a safe method) and counts it', async (method) => {
    const s = await startFaultServer();
    try {
      await expect(checkReachable({ ...base, method, url: s.url })).resolves.toEqual({ probe: 'request', attempts: 1, requests: 1, lastStatus: 200 });
      expect(s.counts.received).toBe(1);
    } finally {
      await s.close();
    }
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('sends no %s request: it only connects', async (method) => {
    const s = await startFaultServer();
    try {
      await expect(checkReachable({ ...base, method, body: '{"order":1}', url: s.url })).resolves.toEqual({ probe: 'connect', attempts: 1, requests: 0, lastStatus: null });
      await until(() => s.counts.connections === 1, 'the connection');
      expect(s.counts.received).toBe(0);
    } finally {
      await s.close();
    }
  });

  it.each(['GET', 'POST'])('%s: names the URL and hints when the connection is refused', async (method) => {
    const url = await closedPortUrl();
    const err = await checkReachable({ ...base, method, url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CouldNotRunError);
    const e = err as CouldNotRunError;
    expect(e.code).toBe('E_TARGET_UNREACHABLE');
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain(url);
    expect(e.message).toContain('connection refused');
    expect(e.hint).toMatch(/listening/);
  });

  it('reports a target that never answers as a timeout', async () => {
    const s = createServer(() => undefined);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    try {
      const err = (await checkReachable({ ...base, url, timeoutMs: 200 }).catch((e: unknown) => e)) as CouldNotRunError;
      expect(err).toBeInstanceOf(CouldNotRunError);
      expect(err.message).toMatch(/no answer .* within 200 ms/);
    } finally {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('reports an unresolvable host name', async () => {
    const err = (await checkReachable({ ...base, url: 'http://zerodrop-no-such-host.invalid/' }).catch((e: unknown) => e)) as CouldNotRunError;
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.message).toMatch(/could not be resolved|failed/);
  });

  it('rejects a URL that is not http(s) as invalid input', async () => {
    await expect(checkReachable({ ...base, url: 'ftp://x/' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('with waitMs, retries until the target listens: refused tries send nothing, the answered one is counted', async () => {
    let served = 0;
    const s = createServer((_q, res) => {
      served++;
      res.end('ok');
    });
    // Take a free port, free it, and listen on it again a little later.
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const later = setTimeout(() => s.listen(port, '127.0.0.1'), 700);
    try {
      const probe = await checkReachable({ ...base, url: `http://127.0.0.1:${port}/` }, { waitMs: 60_000 });
      expect(probe.attempts).toBeGreaterThan(1);
      expect(probe.requests).toBe(1);
      expect(probe.requests).toBe(served);
      expect(probe.lastStatus).toBe(200);
    } finally {
      clearTimeout(later);
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('counts a request that got no answer, and the one that did, when waiting', async () => {
    // The first request is dropped without an answer (a reset after it was sent), the second answered.
    const s = await startFaultServer({ rules: [{ from: 1, to: 1, action: { kind: 'drop' } }] });
    try {
      const probe = await checkReachable({ ...base, url: s.url }, { waitMs: 60_000 });
      expect(probe).toEqual({ probe: 'request', attempts: 2, requests: 2, lastStatus: 200 });
      expect(s.counts.received).toBe(2);
    } finally {
      await s.close();
    }
  });

  it.each(['GET', 'POST'])('%s: an interrupt while waiting for a closed port ends the wait as interrupted (exit 130), not unreachable (4)', async (method) => {
    const url = await closedPortUrl();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const err = await checkReachable({ ...base, method, url }, { waitMs: 10 * 60_000, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZerodropError);
    expect(err).not.toBeInstanceOf(CouldNotRunError);
    expect((err as ZerodropError).exitCode).toBe(130);
    expect((err as ZerodropError).code).toBe('E_INTERRUPTED');
  });

  it('an interrupt while a request hangs ends the check as interrupted at once', async () => {
    const s = createServer(() => undefined);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    try {
      // The request would time out only after 10 minutes: only the interrupt can end this test.
      const err = (await checkReachable({ ...base, url, timeoutMs: 10 * 60_000 }, { signal: ac.signal }).catch((e: unknown) => e)) as ZerodropError;
      expect(err.exitCode).toBe(130);
    } finally {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });
});

/**
 * The check's request goes out on the run's own kind of client: node:http(s) for zerodrop's lean
 * HTTP/1.1 client (no WebAssembly parser to compile for one request), undici for undici. Both
 * must see the same target the same way.
 */
describe('checkReachable: the lean client\'s check (node:http) and undici\'s agree', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki.remove());

  /** An https server with a certificate for 127.0.0.1 signed by the test CA; records what it was sent. */
  async function tlsServer(): Promise<{ url: string; seen: { authorization?: string; servername?: string }[]; close: () => Promise<void> }> {
    const { certPem, keyPem } = pki.serving('DNS:localhost,IP:127.0.0.1');
    const seen: { authorization?: string; servername?: string }[] = [];
    const server = createHttpsServer({ cert: certPem, key: keyPem }, (req, res) => {
      const servername = (req.socket as TLSSocket).servername;
      seen.push({ ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }), ...(servername ? { servername } : {}) });
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => new Promise((r) => server.close(() => r())) };
  }

  it.each(['lean', 'undici'] as const)('%s: trusts the given CA, refuses an unknown one with the TLS hint, and skips verification only when told', async (client) => {
    const s = await tlsServer();
    try {
      await expect(checkReachable({ ...base, client, url: s.url, ca: pki.caPem })).resolves.toEqual({ probe: 'request', attempts: 1, requests: 1, lastStatus: 200 });
      const refused = checkReachable({ ...base, client, url: s.url, ca: pki.otherCaPem });
      await expect(refused).rejects.toThrow(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
      await expect(refused).rejects.toMatchObject({ hint: expect.stringMatching(/Trust the CA/) });
      await expect(checkReachable({ ...base, client, url: s.url, insecure: true })).resolves.toMatchObject({ lastStatus: 200 });
      // The refused handshake sent nothing; the two checks that connected sent one request each.
      expect(s.seen).toHaveLength(2);
    } finally {
      await s.close();
    }
  });

  it.each(['lean', 'undici'] as const)('%s: sends the URL\'s credentials as Basic auth, and SNI for a host name', async (client) => {
    const s = await tlsServer();
    try {
      const url = s.url.replace('https://127.0.0.1', 'https://user:p%40ss@localhost');
      await expect(checkReachable({ ...base, client, url, ca: pki.caPem })).resolves.toMatchObject({ lastStatus: 200, requests: 1 });
      expect(s.seen[0]?.authorization).toBe(`Basic ${Buffer.from('user:p@ss').toString('base64')}`);
      expect(s.seen[0]?.servername).toBe('localhost');
    } finally {
      await s.close();
    }
  });

  it('lean: plain http spoken to a TLS port names the scheme as the likely mistake', async () => {
    const s = await tlsServer();
    try {
      const err = await checkReachable({ ...base, client: 'lean', url: s.url.replace('https:', 'http:') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CouldNotRunError);
      expect((err as CouldNotRunError).hint).toMatch(/scheme \(http vs https\)/);
    } finally {
      await s.close();
    }
  });

  it('lean: an answer whose body stalls longer than the timeout is a timeout, not a hang', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('12345'); // and never the rest
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      await expect(checkReachable({ ...base, client: 'lean', url, timeoutMs: 300 })).rejects.toThrow(/no answer from 127\.0\.0\.1:\d+ within 300 ms \(ETIMEDOUT\)/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
