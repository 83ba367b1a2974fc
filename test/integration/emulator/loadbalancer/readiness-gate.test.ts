import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyManifests } from '../../../../src/emulator/apply-manifests.js';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { repoRoot } from '../../../helpers/cli.js';

const run = promisify(execFile);
let h: EmulatorHandle | undefined;

beforeAll(async () => {
  h = await startEmulator({ images: {}, dataplane: 'userspace', proxyDelayMs: 500 });
});
afterAll(async () => {
  await h?.stop();
});

async function until<T>(f: () => T | undefined | Promise<T | undefined>, withinMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function get(url: string): Promise<{ status: number; server: string | undefined; pod: string | undefined } | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: res.headers.server === undefined ? undefined : String(res.headers.server), pod: res.headers['x-pod-name'] === undefined ? undefined : String(res.headers['x-pod-name']) }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

const GATE_PREFIX = 'target-health.elbv2.k8s.aws/';
const pods = (): KObject[] => h!.store.list('pods', 'default', { labelSelector: 'app=demo-lb-graceful' }).items;
const condition = (p: KObject, type: string): { status?: string; reason?: string } | undefined => (p.status?.conditions ?? []).find((c: { type: string }) => c.type === type);

describe('a LoadBalancer Service on the emulator, with the pod readiness gate', () => {
  it('injects the gate, holds each pod until its target is healthy, and serves through the published address', async () => {
    const text = readFileSync(join(repoRoot, 'scenarios', 'apps', 'demo-lb-graceful.yaml'), 'utf8');
    applyManifests(h!.store, text, 'demo-lb-graceful.yaml');
    const ready = await until(() => {
      const ps = pods();
      return ps.length === 3 && ps.every((p) => condition(p, 'Ready')?.status === 'True') ? ps : undefined;
    });
    for (const p of ready) {
      const gates = (p.spec?.readinessGates ?? []) as Array<{ conditionType: string }>;
      expect(gates).toHaveLength(1);
      expect(gates[0]?.conditionType.startsWith(GATE_PREFIX)).toBe(true);
      expect(condition(p, gates[0]!.conditionType)?.status).toBe('True');
    }
    // kubectl shows the load balancer's address as the Service's EXTERNAL-IP.
    const { stdout } = await run('kubectl', ['--kubeconfig', h!.kubeconfigPath, 'get', 'svc', 'demo-lb-graceful', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    expect(stdout).toMatch(/^127\.201\.\d+\.\d+$/);
    const ans = await get(`http://${stdout}/`);
    expect(ans).toMatchObject({ status: 200 });
    expect((ans as { pod: string }).pod).toMatch(/^demo-lb-graceful-/);
    const reasons = h!.store.list('events', 'default').items.filter((e) => (e['involvedObject'] as { name?: string }).name === 'demo-lb-graceful').map((e) => e['reason']);
    expect(reasons).toEqual(expect.arrayContaining(['TargetRegistered', 'TargetHealthy']));
    // The readiness gate's condition held the pod: it turned True only after registration.
    const { stdout: described } = await run('kubectl', ['--kubeconfig', h!.kubeconfigPath, 'describe', 'svc', 'demo-lb-graceful']);
    expect(described).toMatch(/TargetHealthy/);
  });

  it('a pod whose target fails its health checks stays not Ready', async () => {
    // A pod the Service selects whose health check path (/ready) keeps answering 503.
    applyManifests(
      h!.store,
      `apiVersion: v1
kind: Pod
metadata:
  name: stray
  labels: {app: demo-lb-graceful}
spec:
  containers:
    - name: app
      image: zerodrop/demo-app:v1
      ports: [{name: http, containerPort: 8080}]
      env: [{name: READY_DELAY_MS, value: "600000"}]
`,
      'stray.yaml',
    );
    const gate = await until(() => (h!.store.get('pods', 'default', 'stray')?.spec?.readinessGates?.[0]?.conditionType as string | undefined));
    const c = await until(() => {
      const p = h!.store.get('pods', 'default', 'stray');
      const g = p === undefined ? undefined : condition(p, gate);
      return g?.status === 'False' && g.reason?.startsWith('Target.') === true ? g : undefined;
    });
    expect(c.reason).toBe('Target.ResponseCodeMismatch');
    const p = h!.store.get('pods', 'default', 'stray')!;
    expect(condition(p, 'ContainersReady')?.status).toBe('True');
    expect(condition(p, 'Ready')).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady' });
  });

  it('leaves nothing listening once the emulator stops', async () => {
    const ip = h!.store.get('services', 'default', 'demo-lb-graceful')?.status?.loadBalancer?.ingress?.[0]?.ip as string;
    await h!.stop();
    expect(await get(`http://${ip}/`)).toBe('ECONNREFUSED');
  });
});
