import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { findNginx, NGINX_MISSING_REASON, RELOAD_REASON, startIngressController, UPSTREAM_HEADER, type IngressController } from '../../../../src/emulator/ingress/index.js';

const rnd = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

const NGINX = findNginx(process.env['PATH']);
if (NGINX === undefined) throw new Error('nginx is needed by these tests: apt-get install nginx-light');

interface Backend {
  ip: string;
  port: number;
  name: string;
}

/** An HTTP server on its own loopback IP that answers with its name in the x-pod-name header. */
async function backend(name: string): Promise<Backend> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const ip = `127.11.${rnd(1, 254)}.${rnd(1, 254)}`;
    const port = rnd(20000, 40000);
    const server = http.createServer((_req, res) => {
      res.setHeader('x-pod-name', name);
      res.end(name);
    });
    const ok = await new Promise<boolean>((r) => {
      server.once('error', () => r(false));
      server.listen(port, ip, () => r(true));
    });
    if (ok) {
      cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
      return { ip, port, name };
    }
  }
  throw new Error('no free loopback address for a test backend');
}

function service(name: string): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: '10.96.0.50', selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

function slice(svc: string, eps: Array<Backend & { ready?: boolean }>): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    // A slice has one port for all its endpoints: the tests give a slice one backend at a time.
    ports: [{ name: 'http', port: eps[0]?.port ?? 8080, protocol: 'TCP' }],
    endpoints: eps.map((b) => ({ addresses: [b.ip], conditions: { ready: b.ready ?? true }, targetRef: { kind: 'Pod', namespace: 'default', name: b.name } })),
  };
}

function ingress(name: string, host: string, svc: string): KObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: 'default' },
    spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }] },
  };
}

async function get(port: number, host: string, path = '/'): Promise<{ status: number; pod: string | undefined; upstream: string | undefined; server: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, pod: res.headers['x-pod-name'] as string | undefined, upstream: res.headers[UPSTREAM_HEADER.toLowerCase()] as string | undefined, server: res.headers["server"] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, withinMs = 30_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function eventsOf(store: MemoryStore, ing: string, reason: string): KObject[] {
  return store.list('events', 'default').items.filter((e) => (e as any).involvedObject?.name === ing && (e as any).reason === reason);
}

async function start(store: MemoryStore, syncDelayMs: number, extra: { nginxPath?: string } = {}): Promise<IngressController> {
  const dir = await mkdtemp(join(tmpdir(), 'zerodrop-ingress-test-'));
  const c = startIngressController(store, { syncDelayMs, workDir: dir, ...(process.env['PATH'] === undefined ? {} : { searchPath: process.env['PATH'] }), runAsRoot: process.getuid?.() === 0, ...extra });
  cleanups.push(async () => {
    await c.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return c;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the emulator ingress controller (real nginx)', () => {
  it('renders the rules and ready endpoints into nginx, publishes its address in the Ingress status, and proxies to the pods by host', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    const a = await backend('pod-a');
    store.create('services', service('web'));
    store.create('endpointslices', slice('web', [a]));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    const c = await start(store, 200);
    const status = await until('the ingress address in the status', () => store.get('ingresses', 'default', 'web')?.status?.loadBalancer?.ingress?.[0]);
    expect(status.ip).toBe('127.0.0.1');
    expect(status.ports[0].port).toBe(c.port());
    const r = await get(status.ports[0].port, 'web.example.test');
    expect(r).toMatchObject({ status: 200, pod: 'pod-a', upstream: `${a.ip}:${a.port}` });
    // A host no rule names falls to the default server: ingress-nginx's 404, from nginx itself.
    const other = await get(status.ports[0].port, 'other.example.test');
    expect(other.status).toBe(404);
    expect(other.pod).toBeUndefined();
    expect(other.server).toMatch(/^nginx/);
    expect(eventsOf(store, 'web', RELOAD_REASON).map((e) => (e as any).message)).toEqual([expect.stringContaining('endpoints added: pod-a')]);
  }, 60_000);

  it('reloads after the sync delay, not before, and the reload event names the endpoints added and removed', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    const a = await backend('pod-a');
    store.create('services', service('web'));
    store.create('endpointslices', slice('web', [a]));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    const syncDelayMs = 1500;
    const c = await start(store, syncDelayMs);
    await until('first reload', () => (eventsOf(store, 'web', RELOAD_REASON).length === 1 ? true : undefined));
    const port = c.port() as number;
    // The pod moves to another address (a new pod b replaces a): the ingress still routes to a until it syncs.
    const b = await backend('pod-b');
    const changedAt = Date.now();
    const cur = store.get('endpointslices', 'default', 'web-abc') as KObject;
    store.update('endpointslices', { ...cur, ...slice('web', [b]), metadata: cur.metadata });
    expect((await get(port, 'web.example.test')).pod).toBe('pod-a');
    const reload = await until('the second reload', () => eventsOf(store, 'web', RELOAD_REASON)[1]);
    expect(Date.parse(String((reload as any).lastTimestamp))).toBeGreaterThanOrEqual(Math.floor((changedAt + syncDelayMs) / 1000) * 1000);
    expect((reload as any).message).toMatch(/endpoints added: pod-b; endpoints removed: pod-a/);
    await until('traffic to pod-b', async () => ((await get(port, 'web.example.test')).pod === 'pod-b' ? true : undefined));
  }, 60_000);

  it('answers 503 itself for a backend without ready endpoints', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    const a = await backend('pod-a');
    store.create('services', service('web'));
    store.create('endpointslices', slice('web', [{ ...a, ready: false }]));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    const c = await start(store, 100);
    await until('nginx', () => c.port());
    const r = await until('an answer', () => get(c.port() as number, 'web.example.test').catch(() => undefined));
    expect(r.status).toBe(503);
    expect(r.pod).toBeUndefined();
  }, 60_000);

  it('without nginx, says on the Ingress what to install', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    store.create('services', service('web'));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    await start(store, 50, { nginxPath: '/nonexistent/nginx' });
    const ev = await until('the warning event', () => eventsOf(store, 'web', NGINX_MISSING_REASON)[0]);
    expect((ev as any).type).toBe('Warning');
    expect((ev as any).message).toMatch(/apt-get install nginx-light/);
  }, 30_000);

  it('starts nginx again on the same port when it dies', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    const a = await backend('pod-a');
    store.create('services', service('web'));
    store.create('endpointslices', slice('web', [a]));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    const c = await start(store, 50);
    const pid = await until('nginx', () => c.nginxPid());
    const port = c.port() as number;
    process.kill(-pid, 'SIGKILL');
    await until('a new nginx', () => (c.nginxPid() !== undefined && c.nginxPid() !== pid ? true : undefined));
    expect(c.port()).toBe(port);
    expect((await until('an answer', () => get(port, 'web.example.test').catch(() => undefined))).pod).toBe('pod-a');
  }, 60_000);

  it('ends nginx with its stop', async () => {
    const store = new MemoryStore({ nodeName: 'n' });
    const a = await backend('pod-a');
    store.create('services', service('web'));
    store.create('endpointslices', slice('web', [a]));
    store.create('ingresses', ingress('web', 'web.example.test', 'web'));
    const c = await start(store, 50);
    const pid = await until('nginx', () => c.nginxPid());
    expect(pidAlive(pid)).toBe(true);
    await c.stop();
    expect(pidAlive(pid)).toBe(false);
  }, 30_000);
});
