import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CouldNotRunError, InvalidInputError, ZerodropError } from '../../../src/errors.js';
import { checkReachable, probeKindOf } from '../../../src/traffic/preflight.js';
import { startFaultServer } from '../../fixtures/fault-server.js';

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
