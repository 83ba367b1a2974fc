import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';

// The emulator's ingress controller runs the real nginx (Debian: nginx-light), as these runs do.
const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-ingress-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('zerodrop run through an Ingress on the emulator (real nginx)', () => {
  it('passes the Deployment configured for the ingress, with the ingress reloads in the timeline', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-ingress-graceful.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    expect(report.totals.failed, `${r.stdout}${r.stderr}${JSON.stringify(report.statusCodes)}`).toBe(0);
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    // The traffic went to nginx with the rule's Host, and nginx to the pods (the pod header names them).
    expect(report.meta.target.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(report.pods.every((p: { pod: string }) => p.pod.startsWith('demo-ingress-'))).toBe(true);
    const reloads = report.events.filter((e: { type: string }) => e.type === 'ingress-reload');
    expect(reloads.length).toBeGreaterThanOrEqual(3);
    expect(reloads.some((e: { message?: string }) => /endpoints removed: demo-ingress-/.test(e.message ?? ''))).toBe(true);
    // Each old pod left the ingress before it stopped: the preStop sleep outlasted the sync delay.
    for (const e of report.events.filter((x: { type: string }) => x.type === 'pod-deleted')) {
      const pod = e.object.slice(4);
      const removed = reloads.find((x: { message?: string }) => (x.message ?? '').includes(pod));
      expect(removed?.tMs, `${pod} was never removed from the ingress`).toBeLessThan(e.tMs);
    }
  }, 300_000);

  it('fails the naive Deployment with 502s from the ingress, and the diagnosis names the ingress and the fix', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-ingress-naive.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    expectVerdict(report, r, 'fail');
    expect(report.statusCodes['502'], JSON.stringify(report.statusCodes)).toBeGreaterThan(0);
    // Every failure is the ingress's own answer: no pod named a 5xx.
    expect(report.pods.every((p: { failures: Record<string, number> }) => (p.failures['http_5xx'] ?? 0) === 0)).toBe(true);
    const first = report.diagnosis[0];
    expect(first.id, report.diagnosis.map((d: { id: string }) => d.id).join(',')).toBe('ingress-stale-endpoint');
    expect(first.cause).toMatch(/ingress\/demo-ingress/);
    expect(first.evidence).toMatch(/answered by the ingress itself/);
    expect(first.fix).toMatch(/preStop sleep longer than the ingress controller's sync delay/);
    expect(report.preflight.map((f: { id: string }) => f.id)).toContain('prestop-missing');
  }, 300_000);

  it('refuses an Ingress that does not exist, naming the ones that do (exit 3)', async () => {
    const r = await runCli(['run', 'scenarios/emulator-ingress-graceful.yaml', '--ingress', 'nope', '--out', tmp(), '--quiet']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/Ingress "nope" not found.*Ingresses there: demo-ingress/s);
  }, 300_000);
});
