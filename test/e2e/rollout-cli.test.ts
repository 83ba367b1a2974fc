import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, startCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';

const exec = promisify(execFile);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-rollout-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
const check = (report: any, id: string): string | undefined => report.checks.find((c: { id: string }) => c.id === id)?.status;

describe('zerodrop run on the embedded emulator', () => {
  it('passes the well-configured Deployment with zero failed requests', async () => {
    const out = tmp();
    // --min-connections 32: the load reaches every pod (the default's few most-recently-used
    // connections may all sit on two or three of them), so the per-pod table has old and new pods.
    const r = await runCli(['run', 'scenarios/emulator-graceful.yaml', '--pod-header', 'x-pod-name', '--min-connections', '32', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    expect(report.totals.failed, `${r.stdout}${r.stderr}${JSON.stringify(report.failures)}`).toBe(0);
    // 500/s over the rollout and a 3 s cooldown: more than the 2,995 requests a pass needs. On a
    // loaded machine the generator may fall behind: then the run is honestly inconclusive (never
    // pass), and only when the generator itself says so.
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    expect(check(report, 'rollout-completed')).toBe('pass');
    const types = new Set(report.events.map((e: { type: string }) => e.type));
    for (const t of ['trigger-sent', 'replicaset-created', 'pod-ready', 'pod-terminating', 'endpoint-terminating', 'rollout-complete']) expect(types).toContain(t);
    expect(report.meta.cluster.deployment).toBe('demo-graceful');
    // per pod: old and new pods answered; old ones kept serving (keep-alive) while terminating
    const pods = report.pods as Array<{ pod: string; sent: number; servedWhileTerminating: number }>;
    expect(pods.length).toBeGreaterThanOrEqual(4);
    expect(pods.reduce((n, p) => n + p.sent, 0)).toBeGreaterThan(0);
    expect(pods.every((p) => p.pod.startsWith('demo-graceful-'))).toBe(true);
    expect(pods.some((p) => p.servedWhileTerminating > 0)).toBe(true);
    expect(report.meta.cluster.before.images).toEqual({ app: 'zerodrop/demo-app:v1' });
    expect(report.meta.cluster.after.images).toEqual({ app: 'zerodrop/demo-app:v2' });
  });

  it('fails the naive Deployment and names the causes', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-naive.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    const report = readReport(out);
    expect(report.verdict).toBe('fail');
    expect(report.budget.observedFailureRate).toBeGreaterThan(0.001);
    const ids = report.diagnosis.map((d: { id: string }) => d.id);
    expect(ids.some((id: string) => ['prestop-delay', 'readiness-too-early'].includes(id)), ids.join(',')).toBe(true);
    const preflight = report.preflight.map((f: { id: string }) => f.id);
    expect(preflight).toEqual(expect.arrayContaining(['readiness-probe-missing', 'prestop-missing']));
    expect(report.outages[0].nearbyEvents.length).toBeGreaterThan(0);
  });

  it('fails a stalled rollout on its progress deadline, and rolls back with --rollback-on-fail', async () => {
    const out = tmp();
    const patch = JSON.stringify({ spec: { progressDeadlineSeconds: 3, template: { spec: { containers: [{ name: 'app', image: 'zerodrop/no-such-image:v9' }] } } } });
    const r = await runCli(['run', 'scenarios/emulator-graceful.yaml', '--patch', patch, '--rate', '100', '--cooldown', '1s', '--rollback-on-fail', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    const report = readReport(out);
    expect(check(report, 'rollout-completed')).toBe('fail');
    expect(report.reasons.join('\n')).toMatch(/ProgressDeadlineExceeded|progress deadline/i);
    expect(report.events.some((e: { type: string }) => e.type === 'rollout-failed')).toBe(true);
    expect(report.rollback).toMatchObject({ toRevision: '1', status: 'complete' });
    expect(report.totals.failed).toBe(0); // the old pods kept serving: maxUnavailable 0
  });
});

describe('zerodrop run on the emulator: Ctrl-C before the traffic', () => {
  /** Demo pods of this checkout still running (the emulator runs them as `node <repo>/scenarios/apps/demo-app.mjs`). */
  const demoPods = (): string[] =>
    execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.includes(join(repoRoot, 'scenarios', 'apps', 'demo-app.mjs')));

  it('while it waits for a target that refuses, exits 130 (interrupted), not 4, and leaves no pod behind', async () => {
    const dir = tmp();
    // A port nothing listens on: the run waits for it up to the rollout timeout (5 minutes).
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const scenario = join(dir, 'scenario.yaml');
    writeFileSync(
      scenario,
      [
        'kubernetes:',
        `  emulator: {manifests: [${join(repoRoot, 'scenarios', 'apps', 'demo-graceful.yaml')}]}`,
        '  deployment: demo-graceful',
        '  rolloutTimeout: 5m',
        `target: {url: "http://127.0.0.1:${port}/", timeout: 1s}`,
        'load: {rate: 10, duration: 1s}',
      ].join('\n'),
    );
    const out = join(dir, 'out');
    const { child, result } = startCli(['run', scenario, '--out', out]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 900 && !/waiting up to 300 s for the target to answer/.test(stderr); i++) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/waiting up to 300 s for the target to answer/);
    // Let it retry a few times against the closed port, then interrupt.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const r = await result;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted while waiting for the target to answer/);
    expect(r.stderr).not.toMatch(/cannot reach/);
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(demoPods()).toEqual([]);
  });
});

describe('zerodrop run: bad Kubernetes input', () => {
  it.each<[string, string[], number, RegExp]>([
    ['a missing Deployment', ['--deployment', 'nope'], 3, /nope.*(demo-graceful)/s],
    ['a container that does not exist', ['--image', 'sidecar=x:1'], 3, /container "sidecar" not found.*app/s],
    ['a release action without a Deployment', ['--url', 'http://127.0.0.1:1/', '--restart'], 3, /--deployment/],
  ])('%s', async (_name, extra, code, message) => {
    const args = extra.includes('--url') ? ['run', ...extra] : ['run', 'scenarios/emulator-graceful.yaml', ...extra, '--quiet'];
    const r = await runCli(args);
    expect(r.code, r.stdout + r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('a wrong context exits 3 and lists the contexts', async () => {
    const dir = tmp();
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: real, context: {cluster: c, user: u}}]\ncurrent-context: real\n');
    const r = await runCli(['run', '--kubeconfig', kubeconfig, '--context', 'wrong', '--deployment', 'web', '--service', 'web', '--restart']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/wrong/);
    expect(r.stderr).toMatch(/real/);
  });

  it('an unreachable API server exits 4 with a hint', async () => {
    const dir = tmp();
    const kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: real, context: {cluster: c, user: u}}]\ncurrent-context: real\n');
    const r = await runCli(['run', '--kubeconfig', kubeconfig, '--deployment', 'web', '--service', 'web', '--restart']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/127\.0\.0\.1:1/);
    expect(r.stderr).toMatch(/hint:/);
  });
});

describe('zerodrop run --watch: a rollout someone else starts', () => {
  const dir = tmp();
  const kubeconfig = join(dir, 'kubeconfig');
  let emulator: ReturnType<typeof startCli>;
  const kubectl = (...args: string[]) => exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: repoRoot, timeout: 90_000 });

  beforeAll(async () => {
    emulator = startCli(['emulator', 'start', '--kubeconfig', kubeconfig]);
    let out = '';
    emulator.child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 300 && !out.includes('kubeconfig:'); i++) await new Promise((r) => setTimeout(r, 100));
    await kubectl('apply', '-f', 'scenarios/apps/demo-graceful.yaml');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=60s');
  });
  afterAll(async () => {
    emulator.child.kill('SIGINT');
    await emulator.result;
  });

  it('verifies a rollout started by kubectl', async () => {
    const out = tmp();
    // 500/s with a 7 s cooldown: the cooldown alone holds 3,500 requests, above the 2,995 a pass needs.
    const run = startCli(['run', '--kubeconfig', kubeconfig, '--deployment', 'demo-graceful', '--service', 'demo-graceful', '--watch', '--rate', '500', '--baseline', '1s', '--cooldown', '7s', '--out', out, '--quiet']);
    await new Promise((r) => setTimeout(r, 3000));
    await kubectl('rollout', 'restart', 'deployment/demo-graceful');
    const r = await run.result;
    const report = readReport(out);
    expect(report.totals.failed, r.stderr).toBe(0);
    expect(check(report, 'rollout-completed')).toBe('pass');
    expect(report.events.some((e: { type: string }) => e.type === 'replicaset-created')).toBe(true);
    expect(report.events.some((e: { type: string }) => e.type === 'rollout-complete')).toBe(true);
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
  });
});
