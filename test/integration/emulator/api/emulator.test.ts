import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';

const run = promisify(execFile);
let h: EmulatorHandle;
let startMs = 0;
const logs: string[] = [];

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const t0 = performance.now();
  h = await startEmulator({ images: {}, dataplane: 'userspace', proxyDelayMs: 0 }, { log: (m) => logs.push(m) });
  startMs = performance.now() - t0;
});

afterAll(async () => {
  await h?.stop();
});

describe('startEmulator', () => {
  it('is ready well under 2 s with a 0600 kubeconfig', async () => {
    expect(startMs).toBeLessThan(2000);
    expect((await stat(h.kubeconfigPath)).mode & 0o777).toBe(0o600);
    expect(h.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(h.dataplane).toBe('userspace');
  });

  it('runs a Deployment behind a Service end to end, and serves its logs to kubectl', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(h.kubeconfigPath);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'demo' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'demo' } },
          template: {
            metadata: { labels: { app: 'demo' } },
            spec: { containers: [{ name: 'app', image: 'zerodrop/demo-app:v1', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 } }] },
          },
        },
      },
    });
    const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'demo' }, spec: { selector: { app: 'demo' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    await expect
      .poll(async () => (await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' })).status?.availableReplicas ?? 0, { timeout: 15_000, interval: 100 })
      .toBe(1);
    const ip = svc.spec?.clusterIP ?? '';
    await expect.poll(async () => (await httpGet(`http://${ip}:80/`).catch(() => ({ status: 0, body: '' }))).status, { timeout: 10_000, interval: 100 }).toBe(200);

    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=demo' });
    const name = pods.items[0]?.metadata?.name ?? '';
    expect(name).toMatch(/^demo-/);
    const dir = dirname(h.kubeconfigPath);
    const out = await run('kubectl', ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(dir, 'cache'), 'logs', name], { timeout: 20_000, env: { PATH: process.env['PATH'] ?? '', HOME: dir } });
    expect(out.stderr).toBe('');
    expect(out.stdout.length).toBeGreaterThan(0);
  });

  it('stops idempotently and removes its temporary kubeconfig', async () => {
    const path = h.kubeconfigPath;
    await Promise.all([h.stop(), h.stop()]);
    await h.stop();
    expect(existsSync(path)).toBe(false);
  });
});
