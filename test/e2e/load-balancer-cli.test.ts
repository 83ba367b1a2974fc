import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict, generatorFellBehind } from '../helpers/verdict.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-lb-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
const check = (report: any, id: string): string | undefined => report.checks.find((c: { id: string }) => c.id === id)?.status;
/** Demo pods of this checkout still running (the emulator runs them as `node <repo>/scenarios/apps/demo-app.mjs`). */
const demoPods = (): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(join(repoRoot, 'scenarios', 'apps', 'demo-app.mjs')));

describe('zerodrop run through the emulator\'s cloud load balancer', () => {
  it('passes the Deployment with the readiness gate and a preStop longer than the deregistration delay', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-lb-graceful.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    const why = `${r.stdout}${r.stderr}${JSON.stringify(report.failures)} ${JSON.stringify(report.statusCodes)}`;
    // Never an answer of the load balancer's own, never a refused or reset connection.
    expect(Object.keys(report.statusCodes), why).toEqual(['200']);
    expect(report.failures.refused + report.failures.reset + report.failures.other, why).toBe(0);
    expectSizedToPass(report);
    if (generatorFellBehind(report) && report.totals.failed > 0) {
      // A starved machine (the emulator, its load balancer and the generator share 2 loaded cores):
      // only timeouts, which the generator may have caused itself, so zerodrop says inconclusive.
      expect(report.failures.timeout, why).toBe(report.totals.failed);
      expect(report.verdict, why).toBe('inconclusive');
      expect(r.code, why).toBe(2);
    } else {
      expect(report.totals.failed, why).toBe(0);
      expectVerdict(report, r, 'pass');
    }
    expect(check(report, 'rollout-completed')).toBe('pass');
    // The traffic went to the load balancer's own address, published in the Service's status.
    expect(report.meta.target.url).toMatch(/^http:\/\/127\.201\.\d+\.\d+:80\//);
    const events = report.events as Array<{ tMs: number; type: string; object: string }>;
    const types = new Set(events.map((e) => e.type));
    for (const t of ['target-registered', 'target-healthy', 'target-draining', 'target-deregistered']) expect(types, [...types].join(',')).toContain(t);
    // The readiness gate: each new pod became Ready only after its target was healthy.
    const newReady = events.filter((e) => e.type === 'pod-ready');
    expect(newReady.length).toBeGreaterThanOrEqual(3);
    for (const ready of newReady) {
      const pod = ready.object.slice('pod/'.length);
      const healthy = events.find((e) => e.type === 'target-healthy' && e.object === `target/${pod}`);
      expect(healthy, `no target-healthy for ${pod}`).toBeDefined();
      expect(healthy!.tMs).toBeLessThanOrEqual(ready.tMs);
    }
    // Every answer came from a pod (none from the load balancer itself).
    const pods = report.pods as Array<{ pod: string; sent: number }>;
    expect(pods.reduce((n, p) => n + p.sent, 0)).toBe(report.totals.sent);
    expect(report.preflight.map((f: { id: string }) => f.id)).not.toContain('lb-readiness-gate-missing');
    expect(demoPods()).toEqual([]);
  });

  it('fails the naive Deployment with 5xx from the load balancer and names the causes', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-lb-naive.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    const report = readReport(out);
    expect(report.verdict).toBe('fail');
    expect(report.budget.observedFailureRate).toBeGreaterThan(0.001);
    // The failures are the load balancer's own answers: 502/503 that named no pod.
    const lb5xx = ['502', '503', '504'].reduce((n, c) => n + (report.statusCodes[c] ?? 0), 0);
    expect(lb5xx).toBeGreaterThan(0);
    expect(report.failures.http_5xx).toBe(lb5xx);
    const ids = report.diagnosis.map((d: { id: string }) => d.id);
    expect(ids[0], ids.join(',')).toMatch(/^lb-/);
    expect(ids).toEqual(expect.arrayContaining(['lb-target-not-healthy', 'lb-target-stopped-before-deregistered']));
    expect(ids).not.toContain('readiness-too-early');
    const notHealthy = report.diagnosis.find((d: { id: string }) => d.id === 'lb-target-not-healthy');
    expect(notHealthy.fix).toContain('elbv2.k8s.aws/pod-readiness-gate-inject=enabled');
    expect(notHealthy.evidence).toMatch(/named no pod: the load balancer answered/);
    const preflight = report.preflight.map((f: { id: string }) => f.id);
    expect(preflight).toEqual(expect.arrayContaining(['lb-readiness-gate-missing', 'lb-prestop-shorter-than-deregistration-delay']));
    expect(demoPods()).toEqual([]);
  });

  it('refuses a kubernetes.loadBalancer that is not of type LoadBalancer (exit 3)', async () => {
    const r = await runCli(['run', 'scenarios/emulator-graceful.yaml', '--load-balancer', 'demo-graceful', '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(/kubernetes\.loadBalancer.*type ClusterIP, not LoadBalancer/);
  });
});
