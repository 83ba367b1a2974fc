import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import type { Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { CouldNotRunError } from '../../../src/errors.js';
import { startLoad } from '../../../src/traffic/engine.js';
import { checkReachable } from '../../../src/traffic/preflight.js';

let hasOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  hasOpenssl = false;
}

/** A TLS server that speaks h2 and HTTP/1.1 and counts requests per protocol version. */
describe('TLS and HTTP/2', () => {
  beforeAll(() => {
    if (!hasOpenssl) throw new Error('these tests make their certificates with openssl: install it (Debian: apt-get install openssl)');
  });
  let dir = '';
  let cert = '';
  let server: Http2SecureServer;
  let url = '';
  const versions: Record<string, number> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zerodrop-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createSecureServer({ key: readFileSync(join(dir, 'key.pem')), cert, allowHTTP1: true }, (req, res) => {
      versions[req.httpVersion] = (versions[req.httpVersion] ?? 0) + 1;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const load = { method: 'GET', headers: {}, model: 'closed' as const, connections: 4, durationMs: 300, timeoutMs: 2000, keepAlive: true };

  it('preflight refuses an untrusted certificate with a TLS hint, and passes with the CA', async () => {
    const err = (await checkReachable({ ...load, url }).catch((e: unknown) => e)) as CouldNotRunError;
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.message).toMatch(/TLS/);
    expect(err.hint).toMatch(/insecure/);
    await expect(checkReachable({ ...load, url, ca: cert })).resolves.toMatchObject({ probe: 'request', requests: 1, lastStatus: 200 });
    await expect(checkReachable({ ...load, url, insecure: true })).resolves.toMatchObject({ probe: 'request', requests: 1, lastStatus: 200 });
  });

  it.each([false, true])('preflight of a POST (http2=%s) only connects: TLS checked, no request sent', async (http2) => {
    const post = { ...load, method: 'POST', body: '{"a":1}', http2 };
    const err = (await checkReachable({ ...post, url }).catch((e: unknown) => e)) as CouldNotRunError;
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.message).toMatch(/TLS/);
    const before = { ...versions };
    let sessions = 0;
    const onSession = (): void => {
      sessions++;
    };
    server.on('session', onSession);
    try {
      await expect(checkReachable({ ...post, url, ca: cert })).resolves.toEqual({ probe: 'connect', attempts: 1, requests: 0, lastStatus: null });
    } finally {
      server.off('session', onSession);
    }
    expect(versions).toEqual(before);
    // With http2 the check sets up the h2 session itself (the server saw one), still without a request.
    if (http2) expect(sessions).toBe(1);
  });

  it('counts an untrusted certificate as `other` with its code during a run', async () => {
    const r = await startLoad({ ...load, url }, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failures.other).toBe(t.sent);
    expect(Object.keys(r.recorder.errorCodes())).toEqual(['DEPTH_ZERO_SELF_SIGNED_CERT']);
  });

  it.each([
    [false, '1.1'],
    [true, '2.0'],
  ])('http2=%s speaks HTTP/%s with the given CA', async (http2, version) => {
    const before = versions[version] ?? 0;
    const r = await startLoad({ ...load, url, ca: cert, http2 }, startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.succeeded).toBe(t.sent);
    expect((versions[version] ?? 0) - before).toBe(t.sent);
  });
});
