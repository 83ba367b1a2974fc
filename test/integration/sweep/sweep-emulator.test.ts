import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import type { Report } from '../../../src/report/model.js';
import { openClusterSession, type ClusterSession } from '../../../src/runner/cluster-session.js';
import { resolveScenario } from '../../../src/scenario/resolve.js';
import type { Scenario } from '../../../src/scenario/types.js';
import { specOf } from '../../../src/sweep/case-spec.js';
import type { CaseResult, SweepResult } from '../../../src/sweep/model.js';
import { runSweep, type SweepEnvironment } from '../../../src/sweep/run-sweep.js';
import { resolveSweepSpec, type SweepFlags } from '../../../src/sweep/sweep-spec.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');

/** A short scenario on the emulator: small rate, 1 s baseline and cooldown. */
function scenarioOf(data: Record<string, unknown>): Scenario {
  return resolveScenario(data, {}, { readText: (p) => readFileSync(p, 'utf8'), resolvePath: (p) => resolve(repo, p) });
}

function envOf(signal: AbortSignal, onStep?: SweepEnvironment['onStep']): SweepEnvironment {
  return {
    newClock: startClock,
    env: {},
    cwd: repo,
    signal,
    meta: { tool: { name: 'zerodrop', version: 'test' }, runId: 'sweep-test', commandLine: ['zerodrop', 'sweep'], scenarioDigest: 'sha256:test' },
    ...(onStep ? { onStep } : {}),
  };
}

const byLabel = (r: SweepResult, label: string): CaseResult => {
  const c = r.cases.find((x) => x.label === label);
  if (c === undefined) throw new Error(`no case ${label} in ${r.cases.map((x) => x.label).join(', ')}`);
  return c;
};
const describeCase = (c: CaseResult): string => `${c.label}: ${c.verdict} ${JSON.stringify(c.summary)} ${c.reasons.join(' | ')}`;

describe('sweep on the emulator: preStop', () => {
  const scenario = scenarioOf({
    name: 'sweep-prestop-test',
    kubernetes: {
      emulator: { manifests: ['scenarios/apps/demo-graceful.yaml'], proxyDelay: '1s' },
      deployment: 'demo-graceful',
      service: 'demo-graceful',
      rolloutTimeout: '1m',
    },
    // A new connection per request, so each request is routed afresh: without a preStop sleep,
    // some always reach a pod that stopped accepting (keep-alive pools may open none in that second).
    target: { path: '/', timeout: '2s', keepAlive: false },
    load: { rate: 150, warmup: '500ms' },
    trigger: { image: 'app=zerodrop/demo-app:v2', baseline: '1s', cooldown: '1500ms' },
  });
  const flags: SweepFlags = { vary: ['preStopSeconds=0,3', 'replicas=2', 'minReadySeconds=0'], settle: '1s' };
  let session: ClusterSession;
  let original: Record<string, unknown>;

  beforeAll(async () => {
    session = await openClusterSession(scenario.kubernetes as NonNullable<Scenario['kubernetes']>, scenario.target, { signal: new AbortController().signal });
    original = specOf(await session.cluster.getDeployment('demo-graceful', session.namespace));
  });
  afterAll(async () => {
    await session?.stop();
  });

  it('fails without a preStop sleep, drops nothing with one longer than propagation, and restores the Deployment', async () => {
    const result = await runSweep(scenario, resolveSweepSpec(undefined, flags), envOf(new AbortController().signal), { session });
    const none = byLabel(result, 'preStopSeconds=0');
    const safe = byLabel(result, 'preStopSeconds=3');
    expect(none.summary.failed, describeCase(none)).toBeGreaterThan(0);
    expect(none.verdict).toBe('fail');
    expect(Object.keys(none.summary.failures).some((k) => k === 'refused' || k === 'reset'), describeCase(none)).toBe(true);
    expect(safe.summary.failed, describeCase(safe)).toBe(0);
    expect(safe.summary.sent).toBeGreaterThan(500);
    expect(result.cases[0]?.label).toBe('preStopSeconds=3'); // sorted: the better verdict first
    expect(safe.report?.meta.cluster?.['sweepCase']).toMatchObject({ case: 2, repeat: 1, settings: { preStopSeconds: 3, replicas: 2, minReadySeconds: 0 } });
    // Each run's preflight is of the case's spec, not of the Deployment before the sweep.
    expect((none.report?.preflight ?? []).map((f) => f.id)).toContain('prestop-missing');
    expect((safe.report?.preflight ?? []).map((f) => f.id)).not.toContain('prestop-missing');
    expect(result.restore.status).toBe('restored');
    expect(specOf(await session.cluster.getDeployment('demo-graceful', session.namespace))).toEqual(original);
  });

  it('an interrupted sweep stops, keeps what it measured, and restores the Deployment', async () => {
    const controller = new AbortController();
    const result = await runSweep(
      scenario,
      resolveSweepSpec(undefined, flags),
      envOf(controller.signal, (step) => {
        if (step === 'measure') setTimeout(() => controller.abort(), 2000);
      }),
      { session },
    );
    expect(result.aborted).toBe(true);
    const first = byLabel(result, 'preStopSeconds=0');
    expect(first.repeats).toHaveLength(1);
    expect(first.repeats[0]?.aborted).toBe(true);
    expect(first.report).not.toBeNull();
    expect(['incomplete', 'fail']).toContain(first.verdict);
    expect(byLabel(result, 'preStopSeconds=3').verdict).toBe('not-run');
    expect(result.restore.status).toBe('restored');
    expect(specOf(await session.cluster.getDeployment('demo-graceful', session.namespace))).toEqual(original);
  });
});

describe('sweep on the emulator: capacity', () => {
  it('maxUnavailable 1 drops capacity under load (503 from the one pod left), 0 does not; invalid combinations are skipped', async () => {
    const scenario = scenarioOf({
      name: 'sweep-capacity-test',
      kubernetes: {
        emulator: {
          manifests: [join(here, 'capacity.yaml')],
          proxyDelay: '1s',
          images: { 'zerodrop/capacity-app:*': { command: [process.execPath, join(here, 'capacity-app.mjs')] } },
        },
        deployment: 'capacity',
        service: 'capacity',
        rolloutTimeout: '1m',
      },
      // A new connection per request: each request is balanced on its own, so the load splits
      // evenly (keep-alive connections pile up on the pods that stay longest).
      target: { path: '/', timeout: '2s', keepAlive: false },
      // About 60 requests in flight (120/s x 500 ms): 2 pods serve that (46 each, 4 standard
      // deviations above an even split), 1 pod does not.
      load: { rate: 120, warmup: '500ms' },
      trigger: { image: 'app=zerodrop/capacity-app:v2', baseline: '1s', cooldown: '1s' },
    });
    const reports: Report[] = [];
    const env = { ...envOf(new AbortController().signal), onReport: (_c: unknown, _r: number, report: Report) => (reports.push(report), undefined) };
    const result = await runSweep(scenario, resolveSweepSpec(undefined, { vary: ['maxUnavailable=0,1'], case: ['maxSurge=0,maxUnavailable=0'], settle: '1s' }), env);
    const zero = byLabel(result, 'maxUnavailable=0');
    const one = byLabel(result, 'maxUnavailable=1');
    const invalid = byLabel(result, 'maxSurge=0 maxUnavailable=0');
    expect(invalid.verdict).toBe('invalid');
    expect(invalid.reasons.join(' ')).toMatch(/both resolve to 0/);
    expect(invalid.repeats).toHaveLength(0);
    expect(one.summary.failures['http_5xx'] ?? 0, describeCase(one)).toBeGreaterThan(10);
    expect(one.verdict).toBe('fail');
    expect(zero.summary.failed * 4, `${describeCase(zero)}\n${describeCase(one)}`).toBeLessThan(one.summary.failed);
    expect(reports).toHaveLength(2);
    expect(result.restore.status).toBe('restored');
    expect(result.cases.map((c) => c.verdict).at(-1)).toBe('invalid');
  });
});
