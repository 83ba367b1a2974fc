import http from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { nftablesSupport, runNft } from '../../../../src/emulator/proxy/nft-dataplane.js';
import { startServiceProxy, type ServiceProxy } from '../../../../src/emulator/proxy/service-proxy.js';

const rnd = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
const nft = await nftablesSupport();

interface Backend {
  ip: string;
  port: number;
  server: http.Server;
  hits: number;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/**
 * An HTTP server on its own loopback IP that names itself in the body; on `fixedPort` when given
 * (backends that must share a port: another IP is tried when that address is taken).
 */
async function backend(fixedPort?: number): Promise<Backend> {
  for (let attempt = 1; ; attempt++) {
    if (attempt > 50) throw new Error(`no free loopback address for a test backend${fixedPort === undefined ? '' : ` on port ${fixedPort}`} after 50 tries`);
    const ip = `127.10.${rnd(200, 254)}.${rnd(1, 254)}`;
    const port = fixedPort ?? rnd(20000, 40000);
    const b: Backend = { ip, port, hits: 0, server: http.createServer((_req, res) => {
      b.hits++;
      res.end(ip);
    }) };
    const ok = await new Promise<boolean>((r) => {
      b.server.once('error', () => r(false));
      b.server.listen(port, ip, () => r(true));
    });
    if (ok) {
      cleanups.push(() => new Promise<void>((r) => { b.server.closeAllConnections(); b.server.close(() => r()); }));
      return b;
    }
  }
}

function service(name: string, clusterIP: string, type = 'ClusterIP'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type, clusterIP, selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

type Cond = { ready?: boolean; serving?: boolean; terminating?: boolean };
function slice(svc: string, port: number, eps: Array<{ ip: string } & Cond>): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port, protocol: 'TCP' }],
    endpoints: eps.map(({ ip, ...conditions }) => ({ addresses: [ip], conditions })),
  };
}

function setSlice(store: MemoryStore, s: KObject): void {
  const cur = store.get('endpointslices', 'default', s.metadata.name ?? '');
  if (cur) store.update('endpointslices', { ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata.resourceVersion ?? '' } });
  else store.create('endpointslices', s);
}

/** One request on a new connection; the body (backend IP) or the error code. */
function fresh(ip: string, port = 80): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: ip, port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/**
 * New connections until one answers `want` (the dataplane has caught up) or `withinMs` pass; the
 * last answer. The proxy programs the dataplane asynchronously (an `nft -f` process), so a fixed
 * sleep is a race on a loaded machine.
 */
async function freshUntil(ip: string, want: string, withinMs = 5000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const r = await fresh(ip);
    if (r === want || Date.now() - t0 > withinMs) return r;
    await new Promise((res) => setTimeout(res, 20));
  }
}

function randomClusterIP(): string {
  return `127.200.${rnd(100, 254)}.${rnd(1, 254)}`;
}

const planes = [
  ['userspace', true],
  ['nftables', nft.ok],
] as const;

describe.each(planes)('service proxy, %s dataplane', (plane, available) => {
  beforeAll(() => {
    if (!available) throw new Error(`the ${plane} dataplane is not available here: the nftables one needs root and nft (Debian: apt-get install nftables)`);
  });
  async function start(store: MemoryStore, proxyDelayMs: number): Promise<ServiceProxy> {
    const p = await startServiceProxy(store, { proxyDelayMs, dataplane: plane, instanceId: `t${rnd(0, 1e9)}` });
    cleanups.push(() => p.stop());
    expect(p.dataplane).toBe(plane);
    return p;
  }

  it('balances new connections across ready endpoints and marks the Service', async () => {
    const store = new MemoryStore();
    const bs = await Promise.all([backend(), backend(), backend()]);
    const ip = randomClusterIP();
    store.create('services', service('web', ip, 'LoadBalancer'));
    // the three backends listen on different ports; one slice per port keeps the test honest
    bs.forEach((b, i) => setSlice(store, { ...slice('web', b.port, [{ ip: b.ip, ready: true }]), metadata: { name: `web-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } } }));
    await start(store, 0);
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const r = await fresh(ip);
      seen.set(r, (seen.get(r) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(bs.map((b) => b.ip).sort());
    const svc = store.get('services', 'default', 'web');
    expect(svc?.metadata.annotations?.['zerodrop.dev/dataplane']).toBe(plane);
    // the address of a LoadBalancer Service is its load balancer's to publish, not the proxy's
    expect(svc?.status?.loadBalancer?.ingress).toBeUndefined();
  });

  it('applies an endpoint removal only after the propagation delay', async () => {
    const store = new MemoryStore();
    // both on one port so that a single slice port serves both
    const port = rnd(20000, 40000);
    const [a, b] = [await backend(port), await backend(port)];
    const ip = randomClusterIP();
    store.create('services', service('web', ip));
    setSlice(store, slice('web', port, [{ ip: a.ip, ready: true }, { ip: b.ip, ready: true }]));
    await start(store, 800);
    const t0 = Date.now();
    // a terminates: ready=false, serving=false, terminating=true
    setSlice(store, slice('web', port, [{ ip: a.ip, ready: false, serving: false, terminating: true }, { ip: b.ip, ready: true }]));
    const early = new Set<string>();
    while (Date.now() - t0 < 500) early.add(await fresh(ip));
    expect(early.has(a.ip)).toBe(true);
    // The removal is due at 800 ms; programming the dataplane (an `nft -f` process) takes its own
    // time on a loaded machine, so wait for it, within a bound, rather than for a fixed moment.
    await new Promise((r) => setTimeout(r, Math.max(0, 800 - (Date.now() - t0))));
    let streak = 0;
    const late = new Set<string>();
    while (streak < 30 && Date.now() - t0 < 5000) {
      const r = await fresh(ip);
      late.add(r);
      streak = r === b.ip ? streak + 1 : 0;
    }
    expect(streak, `answers after the delay: ${[...late].join(', ')}`).toBe(30);
  });

  it('keeps an established keep-alive connection on an endpoint that left', async () => {
    const store = new MemoryStore();
    const port = rnd(20000, 40000);
    const [a, b] = [await backend(port), await backend(port)];
    const ip = randomClusterIP();
    store.create('services', service('web', ip));
    setSlice(store, slice('web', port, [{ ip: a.ip, ready: true }]));
    await start(store, 0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(() => agent.destroy());
    const viaAgent = (): Promise<{ body: string; local: number | undefined }> =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: ip, port: 80, path: '/', agent }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ body, local: req.socket?.localPort }));
        });
        req.on('error', reject);
      });
    const first = await viaAgent();
    expect(first.body).toBe(a.ip);
    setSlice(store, slice('web', port, [{ ip: b.ip, ready: true }]));
    expect(await freshUntil(ip, b.ip)).toBe(b.ip);
    const again = await viaAgent();
    expect(again.local).toBe(first.local);
    expect(again.body).toBe(a.ip);
  });

  it('refuses new connections when no endpoint is usable, and falls back to serving terminating ones', async () => {
    const store = new MemoryStore();
    const a = await backend();
    const ip = randomClusterIP();
    store.create('services', service('web', ip));
    setSlice(store, slice('web', a.port, [{ ip: a.ip, ready: false, serving: true, terminating: true }]));
    await start(store, 0);
    expect(await fresh(ip)).toBe(a.ip);
    setSlice(store, slice('web', a.port, [{ ip: a.ip, ready: false, serving: false, terminating: true }]));
    expect(await freshUntil(ip, 'ECONNREFUSED')).toBe('ECONNREFUSED');
    const t0 = Date.now();
    expect(await fresh(ip)).toBe('ECONNREFUSED');
    expect(Date.now() - t0).toBeLessThan(200);
    // A Service without any EndpointSlice is refused too.
    const ip2 = randomClusterIP();
    store.create('services', service('lonely', ip2));
    expect(await freshUntil(ip2, 'ECONNREFUSED')).toBe('ECONNREFUSED');
  });

  it('a listed endpoint whose process is gone fails new connections (no retry elsewhere)', async () => {
    const store = new MemoryStore();
    const a = await backend();
    const ip = randomClusterIP();
    store.create('services', service('web', ip));
    setSlice(store, slice('web', a.port, [{ ip: a.ip, ready: true }]));
    await start(store, 0);
    expect(await fresh(ip)).toBe(a.ip);
    await new Promise<void>((r) => a.server.close(() => r()));
    // kernel: ECONNREFUSED from the endpoint; userspace: the accepted connection is reset
    expect(await fresh(ip)).toBe(plane === 'nftables' ? 'ECONNREFUSED' : 'ECONNRESET');
  });
});

describe('nftables table ownership', () => {
  beforeAll(() => {
    if (!nft.ok) throw new Error(`the nftables dataplane needs root and nft (Debian: apt-get install nftables): ${nft.ok ? "" : nft.reason}`);
  });
  it('removes tables of dead emulators, never others, and deletes its own on stop', async () => {
    const dead = 'zerodrop_gone_p999999';
    const foreign = `notzerodrop_${rnd(0, 1e6)}`;
    await runNft(['-f', '-'], `add table ip ${dead}\nadd table ip ${foreign}\n`);
    cleanups.push(() => runNft(['-f', '-'], `delete table ip ${foreign}\n`).then(() => undefined));
    const store = new MemoryStore();
    const p = await startServiceProxy(store, { proxyDelayMs: 0, dataplane: 'nftables', instanceId: 'own' });
    const tables = await runNft(['list', 'tables']);
    expect(tables).not.toContain(dead);
    expect(tables).toContain(foreign);
    expect(tables).toContain(`zerodrop_own_p${process.pid}`);
    await p.stop();
    expect(await runNft(['list', 'tables'])).not.toContain(`zerodrop_own_p${process.pid}`);
  });
});
