/**
 * No secret reaches an output: a real run against a node:http server, with a secret in every
 * place a user puts one (the URL's password, its query token and api_key, an Authorization
 * header, a custom secret header from the scenario file, the trigger's command line and what the
 * trigger prints), every report format, the console, the progress and error lines, the step
 * summary, and a sweep on the emulator with its sweep.json/md/html and case reports. The agents'
 * outputs are checked end to end with real agent pods (test/e2e/secrets-cli.test.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/main.js';
import { readReport, render, REPORT_FORMATS } from '../../../src/report/index.js';
import { repoRoot } from '../../helpers/cli.js';

/** Every secret, by where it was put. Each is long and unique, so finding it anywhere is a leak. */
const SECRETS = {
  urlPassword: 'urlpass-8a7b6c5d',
  queryToken: 'qtok-31337abcde',
  apiKeyParam: 'apikey-4242xyzw',
  bearer: 'bearer-9f8e7d6c5b',
  customHeader: 'customhdr-5150xyz',
  triggerToken: 'trigtok-24680ace',
  triggerPassword: 'trigpass-1357bdf',
  triggerSignature: 'trigsig-8642zyx',
  flagHeader: 'flaghdr-7777qqq',
} as const;

/** Texts of every file under a folder, by path. */
function filesUnder(dir: string): Array<[string, string]> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [[path, readFileSync(path, 'utf8')] as [string, string]];
  });
}

function leaksIn(where: string, text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => `${name} in ${where}`);
}

function testIo(cwd: string, env: Record<string, string> = {}): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    // stderr as a terminal: every progress update is written.
    stdout: { write: (s: string) => (o.out += s), isTTY: false, columns: 140 },
    stderr: { write: (s: string) => (o.err += s), isTTY: true },
    env: { NO_COLOR: '1', ...env },
    cwd,
    onInterrupt: () => () => undefined,
  };
  return o;
}

/** A target that remembers what it was sent: the traffic must still carry the real secrets. */
async function recordingServer(): Promise<{ port: number; seen: IncomingMessage[]; server: Server }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    if (seen.length < 5) seen.push(req);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen, server };
}

const S = SECRETS;
const secretUrl = (port: number): string => `http://alice:${S.urlPassword}@127.0.0.1:${port}/?token=${S.queryToken}&api_key=${S.apiKeyParam}&page=1`;
const trigger =
  `echo "deploying with DEPLOY_TOKEN=${S.triggerToken} to https://deployer:${S.triggerPassword}@example.invalid/?sig=${S.triggerSignature}"; ` +
  `echo "it sends Bearer ${S.bearer}, ${S.customHeader}, ${S.urlPassword}, ${S.queryToken} and ${S.apiKeyParam}"`;

describe('no secret in any output', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  let dir: string;
  beforeAll(async () => {
    target = await recordingServer();
    dir = mkdtempSync(join(tmpdir(), 'zerodrop-secrets-'));
    writeFileSync(join(dir, 'scenario.yaml'), ['name: secrets', 'target:', '  headers:', `    X-Custom-Secret: ${S.customHeader}`, '    Accept: text/plain'].join('\n'));
  });
  afterAll(async () => {
    target.server.closeAllConnections();
    await new Promise((r) => target.server.close(r));
  });

  it('a run with a secret in every place: every format, the console, the progress lines and the step summary hold none', async () => {
    const out = join(dir, 'out');
    const summary = join(dir, 'step-summary.md');
    const io = testIo(dir, { GITHUB_STEP_SUMMARY: summary });
    const code = await main(
      [
        'run', 'scenario.yaml',
        '--url', secretUrl(target.port),
        '--header', `Authorization: Bearer ${S.bearer}`,
        '-H', `X-Flag-Token: ${S.flagHeader}`,
        '--rate', '100', '--baseline', '1s', '--cooldown', '500ms',
        '--trigger', trigger,
        '--out', out,
        '--format', 'console,json,junit,md,html',
      ],
      io,
    );
    // 100 req/s over a 1.5 s window can never prove the 0.1% budget: the run is inconclusive, by size.
    expect(code, io.err + io.out).toBe(2);

    // The run really ran, with the trigger's output captured, and the traffic carried the real secrets.
    const report = readReport(join(out, 'report.json'));
    expect(report.totals.sent).toBeGreaterThan(50);
    expect(report.trigger?.output).toContain('deploying with DEPLOY_TOKEN=[redacted] to https://deployer:[redacted]@example.invalid/?sig=[redacted]');
    expect(report.trigger?.output).toContain('it sends [redacted], [redacted], [redacted], [redacted] and [redacted]');
    expect(report.meta.target.url).toBe(`http://alice:[redacted]@127.0.0.1:${target.port}/?token=[redacted]&api_key=[redacted]&page=1`);
    expect(JSON.stringify(report.meta.scenario)).toContain('"X-Custom-Secret":"[redacted]"');
    expect(report.meta.commandLine.join(' ')).toContain('Authorization: [redacted]');
    const sent = target.seen[0];
    expect(sent?.url).toBe(`/?token=${S.queryToken}&api_key=${S.apiKeyParam}&page=1`);
    expect(sent?.headers['authorization']).toBe(`Bearer ${S.bearer}`);
    expect(sent?.headers['x-custom-secret']).toBe(S.customHeader);
    expect(sent?.headers['x-flag-token']).toBe(S.flagHeader);

    // Every output: the files, the console, stderr (progress lines), the step summary, and every renderer again.
    expect(io.err).toMatch(/req\/s {2}sent \d+/);
    expect(io.out).toContain('[redacted]');
    const outputs: Array<[string, string]> = [...filesUnder(out), ['stdout', io.out], ['stderr', io.err], ['step summary', readFileSync(summary, 'utf8')]];
    for (const format of REPORT_FORMATS) outputs.push([`render ${format}`, render(report, format, { width: 140 })]);
    expect(outputs.map(([p]) => p.split('/').pop())).toEqual(expect.arrayContaining(['report.json', 'junit.xml', 'summary.md', 'report.html']));
    expect(outputs.flatMap(([where, text]) => leaksIn(where, text))).toEqual([]);
  });

  it.each([
    ['an unreachable target', () => ['--url', `http://alice:${S.urlPassword}@127.0.0.1:1/?token=${S.queryToken}`], 4, /cannot reach http:\/\/alice:\[redacted\]@127\.0\.0\.1:1\/\?token=\[redacted\]/],
    ['a URL that does not parse', () => ['--url', `http://alice:${S.urlPassword}@exa mple/?api_key=${S.apiKeyParam}`], 3, /"http:\/\/alice:\[redacted\]@exa mple\/\?api_key=\[redacted\]" is not a URL/],
  ])('the error line of %s names the URL without its secrets', async (_name, args, exit, message) => {
    const io = testIo(dir);
    const code = await main(['run', ...args(), '--duration', '1s', '--out', join(dir, 'err-out')], io);
    expect(code, io.err).toBe(exit);
    expect(io.err).toMatch(message);
    expect(leaksIn('stderr', io.err + io.out)).toEqual([]);
  });

  it('a sweep on the emulator: sweep.json, sweep.md, sweep.html, each case report and the console hold none', async () => {
    const out = join(dir, 'sweep-out');
    writeFileSync(
      join(dir, 'sweep.yaml'),
      [
        'name: sweep-secrets',
        'kubernetes:',
        `  emulator: {manifests: [${join(repoRoot, 'scenarios', 'apps', 'demo-graceful.yaml')}], proxyDelay: 500ms}`,
        '  deployment: demo-graceful',
        '  rolloutTimeout: 1m',
        'target:',
        `  url: "${secretUrl(target.port)}"`,
        `  headers: {X-Custom-Secret: ${S.customHeader}}`,
        'load: {rate: 50}',
        'trigger: {restart: true, baseline: 500ms, cooldown: 500ms}',
      ].join('\n'),
    );
    const io = testIo(dir);
    const code = await main(['sweep', 'sweep.yaml', '--vary', 'replicas=1', '--settle', '500ms', '--header', `Authorization: Bearer ${S.bearer}`, '--out', out], io);
    // 50 req/s over a short window cannot pass (too few requests), so no setting passed: exit 1.
    expect(code, io.err + io.out).toBe(1);
    const files = filesUnder(out);
    const names = files.map(([p]) => p.slice(out.length + 1));
    expect(names).toEqual(expect.arrayContaining(['sweep.json', 'sweep.md', 'sweep.html', expect.stringMatching(/^cases\/01-.*\/report\.json$/), expect.stringMatching(/^cases\/01-.*\/journal\.ndjson$/)]));
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { meta: { target: string; commandLine: string[] }; cases: Array<{ summary: { sent: number } }> };
    expect(sweep.meta.target).toBe(`http://alice:[redacted]@127.0.0.1:${target.port}/?token=[redacted]&api_key=[redacted]&page=1`);
    expect(sweep.meta.commandLine.join(' ')).toContain('Authorization: [redacted]');
    expect(sweep.cases[0]?.summary.sent).toBeGreaterThan(0);
    expect([...files, ['stdout', io.out], ['stderr', io.err]].flatMap(([where, text]) => leaksIn(where as string, text as string))).toEqual([]);
  }, 180_000);

});
