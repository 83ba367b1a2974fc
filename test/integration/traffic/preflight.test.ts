import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CouldNotRunError, InvalidInputError } from '../../../src/errors.js';
import { checkReachable } from '../../../src/traffic/preflight.js';
import { startFaultServer } from '../../fixtures/fault-server.js';

const base = { method: 'GET', headers: {}, timeoutMs: 1000 };

describe('checkReachable', () => {
  it('accepts any HTTP answer, even a 500', async () => {
    const s = await startFaultServer({ rules: [{ action: { kind: 'status', status: 500 } }] });
    try {
      await expect(checkReachable({ ...base, url: s.url })).resolves.toBeUndefined();
      expect(s.counts.received).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('names the URL and hints when the connection is refused', async () => {
    const s = await startFaultServer();
    const url = `${s.url}/health`;
    await s.close();
    const err = await checkReachable({ ...base, url }).catch((e: unknown) => e);
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
});
