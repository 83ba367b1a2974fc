import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/emulator-with-ingress.ts', import.meta.url));
const demoApp = fileURLToPath(new URL('../../../../scenarios/apps/demo-app.mjs', import.meta.url));

let dir: string;
let emu: EmulatorHandle;

async function kubectl(...args: string[]): Promise<string> {
  const r = await run('kubectl', ['--kubeconfig', emu.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: dir }, timeout: 30_000 });
  return r.stdout;
}

const MANIFESTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: zerodrop/demo-app:v1
          ports: [{name: http, containerPort: 8080}]
          env:
            - {name: PORT, value: "8080"}
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
          readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
    - host: web.example.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`;

function get(port: number, host: string): Promise<{ status: number; pod: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, pod: res.headers['x-pod-name'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodrop-ingress-emu-'));
  emu = await startEmulator({ images: { 'zerodrop/demo-app:*': { command: [process.execPath, demoApp] } }, dataplane: 'userspace', ingressSyncDelayMs: 200 });
}, 60_000);

afterAll(async () => {
  await emu?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Ingress on the emulator', () => {
  it('kubectl applies, gets and describes an Ingress; the default IngressClass is nginx; traffic reaches the pods through nginx', async () => {
    await writeFile(join(dir, 'app.yaml'), MANIFESTS);
    expect(await kubectl('apply', '-f', join(dir, 'app.yaml'))).toMatch(/ingress.networking.k8s.io\/web created/);
    expect(await kubectl('get', 'ingressclass')).toMatch(/nginx\s+k8s.io\/ingress-nginx/);
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    const deadline = Date.now() + 30_000;
    let table = '';
    while (Date.now() < deadline) {
      table = await kubectl('get', 'ingress', 'web');
      if (/127\.0\.0\.1/.test(table)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const port = emu.ingress.port() as number;
    expect(table).toMatch(new RegExp(`web\\s+nginx\\s+web.example.test\\s+127.0.0.1\\s+${port}`));
    expect(await kubectl('describe', 'ingress', 'web')).toMatch(/RELOAD/);
    const pods = new Set<string>();
    const until = Date.now() + 30_000;
    while (pods.size < 2 && Date.now() < until) {
      const r = await get(port, 'web.example.test');
      if (r.status === 200 && r.pod !== undefined) pods.add(r.pod);
    }
    expect(pods.size).toBe(2);
    // kubectl apply again with a changed rule: a strategic merge patch on the Ingress.
    await writeFile(join(dir, 'app.yaml'), MANIFESTS.replace('web.example.test', 'shop.example.test'));
    expect(await kubectl('apply', '-f', join(dir, 'app.yaml'))).toMatch(/ingress.networking.k8s.io\/web configured/);
    expect(await kubectl('get', 'ingress', 'web', '-o', 'jsonpath={.spec.rules[0].host}')).toBe('shop.example.test');
  }, 120_000);

  it('serves @kubernetes/client-node NetworkingV1Api', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(emu.kubeconfigPath);
    const api = kc.makeApiClient(NetworkingV1Api);
    const list = await api.listNamespacedIngress({ namespace: 'default' });
    expect(list.items.map((i) => i.metadata?.name)).toContain('web');
    const ing = await api.readNamespacedIngress({ name: 'web', namespace: 'default' });
    expect(ing.status?.loadBalancer?.ingress?.[0]?.ip).toBe('127.0.0.1');
    expect(ing.status?.loadBalancer?.ingress?.[0]?.ports?.[0]?.port).toBe(emu.ingress.port());
    const classes = await api.listIngressClass();
    expect(classes.items.map((c) => c.spec?.controller)).toContain('k8s.io/ingress-nginx');
    await expect(api.createNamespacedIngress({ namespace: 'default', body: { metadata: { name: 'bad' }, spec: { rules: [{ http: { paths: [{ path: 'x', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } } })).rejects.toMatchObject({ code: 422 });
  }, 60_000);
});

describe('nginx after its emulator is killed', () => {
  it('is ended by its watchdog when the emulator process dies by SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(out.split('\n')[0]);
    expect(pid, 'the fixture never started nginx (apt-get install nginx-light)').toBeGreaterThan(0);
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    const until = Date.now() + 10_000;
    while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(alive()).toBe(false);
  }, 60_000);
});
