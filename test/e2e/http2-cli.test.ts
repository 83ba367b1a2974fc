import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startH2FaultServer, type H2FaultServer } from '../fixtures/h2-fault-server.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-e2e-h2-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

beforeAll(() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('this test makes its certificate with openssl: install it (Debian: apt-get install openssl)');
  }
});

describe('zerodrop run --http2 (end to end)', () => {
  let server: H2FaultServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([['lean'], ['node-http2']] as const)('%s client: sessions x streams over TLS: GOAWAYs retried and shown, nothing lost, every answer counted', async (client) => {
    // Every session refuses its 11th stream and the later ones with GOAWAY(last-stream-id 19).
    server = await startH2FaultServer({ tls: true, goawayAtStream: 21, pod: 'web-1' });
    const dir = tmp();
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, server.ca!);
    const out = join(dir, 'out');
    const r = await runCli(['run', '--url', server.url, '--http2', '--ca', ca, '--connections', '2', '--streams', '4', '--duration', '2s', '--workers', '1', '--pod-header', 'x-pod-name', '--client', client, '--out', out]);
    const report = readReport(out);
    expect([0, 2], r.stderr + r.stdout).toContain(r.code);
    expect(report.totals.failed).toBe(0);
    // The reachability check sent one request before the run: the server served it too. Its
    // counters settle as its streams close (bounded poll).
    for (let i = 0; i < 200 && server.counts.served !== report.totals.succeeded + 1; i++) await new Promise((res) => setTimeout(res, 10));
    expect(report.totals.succeeded + 1).toBe(server.counts.served);
    expect(report.retried.byReason.goaway).toBeGreaterThan(0);
    expect(report.retried.total).toBe(report.retried.byReason.goaway);
    expect(report.timeline.goaways.length).toBe(server.counts.goaways);
    expect(report.timeline.goaways[0]).toMatchObject({ lastStreamId: 19, errorCode: 'NO_ERROR', pod: 'web-1' });
    expect(report.meta.load.http2).toEqual({ sessions: 2, streams: 4 });
    expect(report.meta.load.client).toBe(client);
    expect(r.stdout).toMatch(/retried \d[\d,]* \(goaway/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/\| GOAWAY at \| last-stream-id \|/);
  });

  it.each<[string, string[], RegExp]>([
    ['--streams without --http2', ['--url', 'http://127.0.0.1:1/', '--connections', '4', '--streams', '8'], /--streams \(load.streams\): streams per session are for HTTP\/2/],
    ['--streams 0', ['--url', 'https://127.0.0.1:1/', '--http2', '--connections', '4', '--streams', '0'], /--streams \(load.streams\)/],
    ['undici over cleartext HTTP/2', ['--url', 'http://127.0.0.1:1/', '--http2', '--client', 'undici', '--connections', '4'], /undici speaks HTTP\/2 over TLS only/],
    ['node-http2 without --http2', ['--url', 'http://127.0.0.1:1/', '--client', 'node-http2', '--connections', '4'], /node-http2 is an HTTP\/2 client: add --http2/],
  ])('refuses %s (exit 3, naming the flag)', async (_name, args, message) => {
    const r = await runCli(['run', ...args, '--duration', '1s', '--out', tmp()]);
    expect(r.code).toBe(3);
    expect(r.stderr + r.stdout).toMatch(message);
  });
});
