import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import type { TestPki } from '../helpers/tls-certs.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-e2e-https-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

/** The built CLI against an https: target: the lean client runs it by default, over TLS. */
describe('zerodrop run against https (end to end)', () => {
  let pki: TestPki;
  let server: Server;
  let port = 0;
  let requests = 0;
  const servernames = new Set<string>();

  beforeAll(async () => {
    pki = makeTestPki();
    const { certPem, keyPem } = pki.serving('DNS:localhost,IP:127.0.0.1');
    server = createServer({ key: keyPem, cert: certPem }, (_req, res) => {
      requests++;
      res.end('ok');
    });
    server.on('secureConnection', (s: TLSSocket) => {
      if (typeof s.servername === 'string') servernames.add(s.servername);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    pki.remove();
  });

  it('auto runs an https target on the lean client, trusting --ca, SNI from the host name: the server got every request the report counts', async () => {
    const out = tmp();
    const before = requests;
    const r = await runCli(['run', '--url', `https://localhost:${port}/`, '--ca', pki.caFile, '--rate', '300', '--duration', '1s', '--out', out, '--quiet']);
    const report = readReport(out);
    expect(r.code, r.stderr).not.toBe(4);
    expect(report.meta.load.client).toBe('lean');
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(report.totals.failed).toBe(0);
    // The reachability check's one GET, then the run's requests.
    expect(requests - before).toBe(report.totals.sent + report.reachability.requests);
    expect(servernames.has('localhost')).toBe(true);
  });

  it('--client lean --insecure with a new connection per request: every handshake verified off, every request answered', async () => {
    const out = tmp();
    const r = await runCli(['run', '--url', `https://127.0.0.1:${port}/`, '--insecure', '--client', 'lean', '--no-keep-alive', '--rate', '100', '--duration', '1s', '--out', out, '--quiet']);
    const report = readReport(out);
    expect(r.code, r.stderr).not.toBe(4);
    expect(report.meta.load.client).toBe('lean');
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(report.totals.failed).toBe(0);
  });

  it('--client undici with cleartext HTTP/2 is refused (exit 3) naming the fix', async () => {
    const r = await runCli(['run', '--url', `http://127.0.0.1:${port}/`, '--http2', '--client', 'undici', '--duration', '1s']);
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).toMatch(/undici speaks HTTP\/2 over TLS only: use --client lean \(or auto\) for cleartext HTTP\/2/);
  });
});
