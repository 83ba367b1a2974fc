import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';
import { startLocalServer, type LocalServer } from '../helpers/local-server.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('zerodrop run (end to end)', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('fails (exit 1) when the trigger restarts the server abruptly', async () => {
    server = await startLocalServer({ RESTART_GAP_MS: '800' });
    const out = tmp();
    const r = await runCli(['run', '--url', server.url, '--rate', '1000', '--baseline', '1s', '--cooldown', '2s', '--trigger', `kill -USR2 ${server.pid}; sleep 1.5`, '--out', out]);
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const report = readReport(out);
    expect(report.verdict).toBe('fail');
    expect(report.failures.refused + report.failures.reset).toBeGreaterThan(0);
    expect(report.totals.sent).toBe(report.totals.succeeded + report.totals.failed);
    expect(report.trigger.exitCode).toBe(0);
    expect(report.outages.length).toBeGreaterThan(0);
    for (const f of ['junit.xml', 'summary.md', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(report.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(report.meta.machine.cpus).toBeGreaterThan(0);
    expect((await runCli(['verify', out])).code).toBe(0);
    const altered = readFileSync(join(out, 'report.json'), 'utf8').replace('"verdict": "fail"', '"verdict": "pass"');
    writeFileSync(join(out, 'report.json'), altered);
    const v = await runCli(['verify', out]);
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toMatch(/ALTERED/);
    expect(r.stdout).toMatch(/FAIL/);
  });

  it('passes (exit 0) when the trigger reloads the server gracefully', async () => {
    server = await startLocalServer();
    const out = tmp();
    // The window (rollout ~1.5 s + cooldown 2 s) at 1,500/s holds ~5,250 requests: above the 2,995 a pass needs.
    const r = await runCli(['run', '--url', server.url, '--rate', '1500', '--warmup', '1s', '--baseline', '1s', '--cooldown', '2s', '--trigger', `kill -HUP ${server.pid}; sleep 1.5`, '--out', out]);
    const report = readReport(out);
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    expect(report.totals.failed).toBe(0);
    expect(report.phases.map((p: { name: string }) => p.name)).toEqual(['warmup', 'baseline', 'rollout', 'cooldown']);
  });

  it('fails when the trigger command fails', async () => {
    server = await startLocalServer();
    const out = tmp();
    const r = await runCli(['run', '--url', server.url, '--rate', '200', '--baseline', '200ms', '--cooldown', '200ms', '--trigger', 'echo deploying; exit 3', '--out', out]);
    expect(r.code).toBe(1);
    const report = readReport(out);
    expect(report.trigger.exitCode).toBe(3);
    expect(report.trigger.output).toContain('deploying');
  });
});

describe('zerodrop run: exact counts', () => {
  let target: Server;
  let seen = 0;
  const seenByMethod: Record<string, number> = {};
  let url = '';
  beforeAll(async () => {
    target = createServer((req, res) => {
      seen++;
      seenByMethod[req.method ?? '?'] = (seenByMethod[req.method ?? '?'] ?? 0) + 1;
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(target.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((r) => target.close(() => r())));

  it('writes report.json whose counts match what the server saw, exactly', async () => {
    const out = tmp();
    const before = seen;
    // 2,000/s over 3 s: 6,000 requests in the window, twice the 2,995 a pass needs at 0.1%.
    const r = await runCli(['run', '--url', url, '--rate', '2000', '--warmup', '1s', '--duration', '3s', '--out', out, '--header', 'Authorization: Bearer s3cret-token', '--quiet']);
    const report = readReport(out);
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    // The reachability check's request is recorded, not hidden: the server saw exactly these.
    expect(report.reachability).toMatchObject({ method: 'GET', probe: 'request', requests: 1, lastStatus: 200 });
    expect(report.totals.sent + report.reachability.requests).toBe(seen - before);
    // The schedule: 2,000/s for 4 s, each request sent or counted unsent. The run stops the load
    // by its own timer, which may fire a fraction of a millisecond before the engine's end: the
    // last request (due at 3,999.5 ms) may then not be due yet.
    expect(report.totals.sent + report.totals.unsent).toBeGreaterThanOrEqual(7999);
    expect(report.totals.sent + report.totals.unsent).toBeLessThanOrEqual(8000);
    expect(report.totals.failed).toBe(0);
    const text = readFileSync(join(out, 'report.json'), 'utf8');
    expect(text).not.toContain('s3cret-token');
    expect(r.stdout).toMatch(report.verdict === 'pass' ? /PASS/ : /INCONCLUSIVE/);
  });

  it('POST: the target gets exactly the requests report.json counts, and none from the reachability check', async () => {
    const out = tmp();
    const before = { ...seenByMethod };
    const r = await runCli(['run', '--url', url, '--method', 'POST', '--body', '{"order":1}', '--rate', '200', '--duration', '1s', '--out', out, '--quiet']);
    const report = readReport(out);
    expect(r.code, r.stderr).not.toBe(4);
    expect(report.reachability).toMatchObject({ method: 'POST', probe: 'connect', attempts: 1, requests: 0, lastStatus: null });
    expect((seenByMethod['POST'] ?? 0) - (before['POST'] ?? 0)).toBe(report.totals.sent);
    expect(seenByMethod['GET'] ?? 0).toBe(before['GET'] ?? 0);
    expect(report.totals.sent).toBeGreaterThan(0);
  });

  it('re-renders a saved report and exits with its verdict code', async () => {
    const out = tmp();
    await runCli(['run', '--url', url, '--rate', '100', '--duration', '1s', '--out', out, '--quiet']);
    const r = await runCli(['report', join(out, 'report.json'), '--format', 'md']);
    // 100 requests cannot prove 0.1%: inconclusive, exit 2
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/INCONCLUSIVE/i);
  });

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('stops on %s (Ctrl-C, a CI cancel, a closed terminal), writes the report marked aborted, exits 130', async (signal) => {
    const out = tmp();
    const { child, result } = startCli(['run', '--url', url, '--rate', '500', '--duration', '60s', '--out', out]);
    // wait until traffic flows (the progress line says so), then interrupt
    let progress = '';
    child.stderr?.on('data', (d: Buffer) => (progress += d.toString()));
    for (let i = 0; i < 100 && !/sent [1-9]/.test(progress); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill(signal);
    const r = await result;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain(`${signal} received: stopping the traffic`);
    const report = readReport(out);
    expect(report.aborted).toBe(true);
    expect(report.verdict).not.toBe('pass');
    expect(report.totals.sent).toBeGreaterThan(0);
  });
});

describe('zerodrop run: bad input', () => {
  it('lists every problem with its field path and exits 3 before any traffic', async () => {
    const r = await runCli(['run', '--url', 'not a url', '--duration', '10x', '--budget', '200%']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/--url \(target\.url\)/);
    expect(r.stderr).toMatch(/--duration \(load\.duration\)/);
    expect(r.stderr).toMatch(/--budget \(budget\.maxFailureRate\)/);
    expect(r.stderr).toMatch(/hint:/);
  });

  it('rejects an unknown flag with exit 3', async () => {
    const r = await runCli(['run', '--url', 'http://127.0.0.1:1/', '--rat', '5']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/rat/);
  });

  it('exits 4 with a hint when the target is unreachable', async () => {
    const r = await runCli(['run', '--url', 'http://127.0.0.1:1/', '--rate', '10', '--duration', '1s']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(r.stderr).toMatch(/hint:/);
  });

  it('exits 3 for a missing scenario file', async () => {
    const r = await runCli(['run', 'no-such-file.yaml']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no scenario file/);
  });

  it('explains every option in --help', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--url', '--rate', '--connections', '--trigger', '--budget', '--confidence', '--keep-alive', '--format']) expect(r.stdout).toContain(flag);
  });
});
