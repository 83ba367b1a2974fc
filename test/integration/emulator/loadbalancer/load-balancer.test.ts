import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { startLoadBalancers, type LoadBalancers } from '../../../../src/emulator/loadbalancer/index.js';

const rnd = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

interface Backend {
  ip: string;
  port: number;
  server: http.Server;
  /** What /health answers (status). */
  health: number;
  hits: number;
  /** Health checks received. */
  checks: number;
}

/** An app on its own loopback IP: `/health` answers `health`, `/slow?ms=N` answers after N ms, anything else its IP. */
async function backend(): Promise<Backend> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const ip = `127.10.${rnd(200, 254)}.${rnd(1, 254)}`;
    const port = rnd(20000, 40000);
    const b: Backend = {
      ip,
      port,
      health: 200,
      hits: 0,
      checks: 0,
      server: http.createServer((req, res) => {
        if (req.url === '/health') {
          b.checks++;
          res.statusCode = b.health;
          res.end();
          return;
        }
        b.hits++;
        if (req.url === '/half') {
          // Headers and part of the body, then the connection is cut (the app died mid-answer).
          res.writeHead(200, { 'content-length': '100' });
          res.write('partial');
          setTimeout(() => req.socket.destroy(), 50);
          return;
        }
        const slow = /^\/slow\?ms=(\d+)/.exec(req.url ?? '');
        if (slow) setTimeout(() => res.end(ip), Number(slow[1]));
        else {
          res.setHeader('x-pod-name', ip);
          res.end(ip);
        }
      }),
    };
    const ok = await new Promise<boolean>((r) => {
      b.server.once('error', () => r(false));
      b.server.listen(port, ip, () => r(true));
    });
    if (ok) {
      cleanups.push(() => new Promise<void>((r) => {
        b.server.closeAllConnections();
        b.server.close(() => r());
      }));
      return b;
    }
  }
  throw new Error('no free loopback address for a test backend after 50 tries');
}

const FAST = {
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'HTTP',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/health',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval': '1',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-timeout': '1',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold': '2',
  'service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold': '2',
};

function service(annotations: Record<string, string>): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', annotations },
    spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

type Cond = { ready?: boolean; serving?: boolean; terminating?: boolean };
function setSlice(store: MemoryStore, eps: Array<{ b: Backend } & Cond>): void {
  // One slice per port: each backend has its own port.
  for (const [i, { b, ...conditions }] of eps.entries()) {
    const s: KObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `web-${i}`, namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: b.port, protocol: 'TCP' }],
      endpoints: [{ addresses: [b.ip], conditions }],
    };
    const cur = store.get('endpointslices', 'default', s.metadata.name ?? '');
    if (cur) store.update('endpointslices', { ...s, metadata: { ...s.metadata, resourceVersion: cur.metadata.resourceVersion ?? '' } });
    else store.create('endpointslices', s);
  }
}

async function start(store: MemoryStore, delayMs = 0): Promise<LoadBalancers> {
  const lbs = await startLoadBalancers(store, { delayMs, addressPrefix: `127.${rnd(211, 229)}` });
  cleanups.push(() => lbs.stop());
  return lbs;
}

/** Polls until `f` returns a value (not undefined) or `withinMs` pass. */
async function until<T>(f: () => T | undefined | Promise<T | undefined>, withinMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > withinMs) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Answer {
  status: number;
  server: string | undefined;
  body: string;
}

function get(host: string, port: number, path = '/'): Promise<Answer | string> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, server: res.headers.server === undefined ? undefined : String(res.headers.server), body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

function address(store: MemoryStore): { host: string; port: number } | undefined {
  const ing = store.get('services', 'default', 'web')?.status?.loadBalancer?.ingress?.[0];
  return ing === undefined ? undefined : { host: ing.ip, port: ing.ports?.[0]?.port ?? 80 };
}

function reasons(store: MemoryStore): string[] {
  return store
    .list('events', 'default')
    .items.filter((e) => e['involvedObject'] && (e['involvedObject'] as { name?: string }).name === 'web')
    .map((e) => String(e['reason']));
}

describe('emulated cloud load balancer', () => {
  it('publishes its own address in the Service status and answers 503 while no target is healthy', async () => {
    const store = new MemoryStore();
    store.create('services', service(FAST));
    await start(store);
    const at = await until(() => address(store));
    expect(at.host).toMatch(/^127\.2\d\d\.0\.1$/);
    expect(store.get('services', 'default', 'web')?.status.loadBalancer.ingress[0].ipMode).toBe('Proxy');
    const a = await get(at.host, at.port);
    expect(a).toMatchObject({ status: 503, server: 'awselb/2.0' });
  });

  it('serves a target only once it passed the healthy threshold, and stops when it fails the unhealthy one', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service(FAST));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    const t = await until(() => tg.get(`${b.ip}:${b.port}`));
    expect(['initial', 'healthy']).toContain(t.state.health);
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    expect(await get(at.host, at.port)).toMatchObject({ status: 200, body: b.ip });
    // Failing checks: unhealthy after two, and then the ALB fails open (the only target still gets requests).
    b.health = 500;
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'unhealthy' ? true : undefined));
    expect(tg.get(`${b.ip}:${b.port}`)?.state.reason).toBe('Target.ResponseCodeMismatch');
    expect(await get(at.host, at.port)).toMatchObject({ status: 200, body: b.ip });
    b.health = 200;
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    expect(reasons(store)).toEqual(expect.arrayContaining(['TargetRegistered', 'TargetHealthy', 'TargetUnhealthy']));
  });

  it('sends new requests only to healthy targets when some are', async () => {
    const store = new MemoryStore();
    const [a, b] = [await backend(), await backend()];
    b.health = 503;
    store.create('services', service(FAST));
    setSlice(store, [{ b: a, ready: true }, { b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${a.ip}:${a.port}`)?.state.health === 'healthy' && tg.get(`${b.ip}:${b.port}`)?.state.health === 'unhealthy' ? true : undefined));
    for (let i = 0; i < 10; i++) expect(await get(at.host, at.port)).toMatchObject({ status: 200, body: a.ip });
    expect(b.hits).toBe(0);
  });

  it('answers 502 when the target refuses the connection, with no header of the app', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service(FAST));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    // The app exits while the load balancer still has it healthy (it learns on its next checks).
    b.server.closeAllConnections();
    await new Promise<void>((r) => b.server.close(() => r()));
    const ans = await get(at.host, at.port);
    expect(ans).toMatchObject({ status: 502, server: 'awselb/2.0' });
    expect((ans as Answer).body).toContain('502 Bad Gateway');
    expect(lbs.listener('default', 'web', 80)?.counters[502]).toBeGreaterThanOrEqual(1);
  });

  it('cuts the client\'s answer when the target dies mid-body, and keeps serving', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service(FAST));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    const cut = await new Promise<string>((resolve) => {
      const req = http.get({ host: at.host, port: at.port, path: '/half', agent: false }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('complete'));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        res.on('aborted', () => resolve('aborted'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(cut).not.toBe('complete');
    expect(await get(at.host, at.port)).toMatchObject({ status: 200, body: b.ip });
  });

  it('answers 504 when the target does not answer within the idle timeout', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service({ ...FAST, 'service.beta.kubernetes.io/aws-load-balancer-attributes': 'idle_timeout.timeout_seconds=1' }));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    expect(await get(at.host, at.port, '/slow?ms=3000')).toMatchObject({ status: 504, server: 'awselb/2.0' });
  });

  it('drains a deregistered target: no new requests, in-flight ones finish within the delay', async () => {
    const store = new MemoryStore();
    const [a, b] = [await backend(), await backend()];
    store.create('services', service({ ...FAST, 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=5' }));
    setSlice(store, [{ b: a, ready: true }, { b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.list().filter((t) => t.state.health === 'healthy').length === 2 ? true : undefined));
    // Start slow requests until one lands on b, then deregister b.
    const slow: Array<Promise<Answer | string>> = [];
    for (let i = 0; i < 4; i++) slow.push(get(at.host, at.port, '/slow?ms=1500'));
    await until(() => ((tg.get(`${b.ip}:${b.port}`)?.inFlight.size ?? 0) > 0 ? true : undefined));
    setSlice(store, [{ b: a, ready: true }, { b, ready: false, serving: true, terminating: true }]);
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'draining' ? true : undefined));
    const hitsBefore = b.hits;
    for (let i = 0; i < 6; i++) expect(await get(at.host, at.port)).toMatchObject({ status: 200, body: a.ip });
    expect(b.hits).toBe(hitsBefore);
    // In-flight requests finish (the delay is longer than they take), then the target is deregistered.
    for (const r of await Promise.all(slow)) expect(r).toMatchObject({ status: 200 });
    await until(() => (tg.get(`${b.ip}:${b.port}`) === undefined ? true : undefined));
    expect(reasons(store)).toEqual(expect.arrayContaining(['TargetDraining', 'TargetDeregistered']));
  });

  it('cuts requests still in flight when the deregistration delay ends: the client gets 502', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service({ ...FAST, 'service.beta.kubernetes.io/aws-load-balancer-target-group-attributes': 'deregistration_delay.timeout_seconds=1' }));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await start(store);
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    const slow = get(at.host, at.port, '/slow?ms=4000');
    await until(() => ((tg.get(`${b.ip}:${b.port}`)?.inFlight.size ?? 0) > 0 ? true : undefined));
    setSlice(store, [{ b, ready: false, serving: true, terminating: true }]);
    expect(await slow).toMatchObject({ status: 502, server: 'awselb/2.0' });
    const ev = store.list('events', 'default').items.find((e) => e['reason'] === 'TargetDeregistered');
    expect(String(ev?.['message'])).toContain('cut 1 in-flight request');
  });

  it('follows endpoint changes only after its delay', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service(FAST));
    const lbs = await start(store, 1500);
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    const t0 = Date.now();
    setSlice(store, [{ b, ready: true }]);
    await until(() => tg.get(`${b.ip}:${b.port}`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it('reports a bad annotation as a Warning event and keeps the default', async () => {
    const store = new MemoryStore();
    store.create('services', service({ ...FAST, 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold': 'many' }));
    const lbs = await start(store);
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    expect(tg.current().healthyThreshold).toBe(3);
    const ev = store.list('events', 'default').items.find((e) => e['reason'] === 'InvalidAnnotation');
    expect(ev?.['type']).toBe('Warning');
    expect(String(ev?.['message'])).toContain('healthcheck-healthy-threshold');
  });

  it('follows a change of its annotations, and ignores other annotations', async () => {
    const store = new MemoryStore();
    store.create('services', service({ ...FAST, 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold': 'many' }));
    const lbs = await start(store);
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    const warnings = (): number => store.list('events', 'default').items.filter((e) => e['reason'] === 'InvalidAnnotation').length;
    expect(warnings()).toBe(1);
    const annotate = (extra: Record<string, string>): void => {
      const cur = store.get('services', 'default', 'web')!;
      store.update('services', { ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...extra } } });
    };
    annotate({ 'zerodrop.dev/dataplane': 'userspace' });
    // Let the controller see that change on its own before the next one.
    await new Promise((r) => setTimeout(r, 200));
    expect(warnings()).toBe(1);
    annotate({ 'service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold': '5' });
    await until(() => (tg.current().healthyThreshold === 5 ? true : undefined));
    expect(warnings()).toBe(1);
  });

  it('leaves nothing behind when stopped: the address refuses, the targets lose their connections', async () => {
    const store = new MemoryStore();
    const b = await backend();
    store.create('services', service(FAST));
    setSlice(store, [{ b, ready: true }]);
    const lbs = await startLoadBalancers(store, { delayMs: 0, addressPrefix: `127.${rnd(211, 229)}` });
    const at = await until(() => address(store));
    const tg = await until(() => lbs.targetGroup('default', 'web', 80));
    await until(() => (tg.get(`${b.ip}:${b.port}`)?.state.health === 'healthy' ? true : undefined));
    expect(await get(at.host, at.port)).toMatchObject({ status: 200 });
    await lbs.stop();
    expect(await get(at.host, at.port)).toBe('ECONNREFUSED');
    // The target sees its kept-alive connection from the load balancer close (asynchronously).
    await until(async () => ((await new Promise<number>((r) => b.server.getConnections((_e, n) => r(n)))) === 0 ? true : undefined), 5000);
    // No health check runs after the stop.
    const checks = b.checks;
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.checks).toBe(checks);
    const s = net.connect({ host: at.host, port: at.port });
    expect(await new Promise((r) => s.on('error', (e: NodeJS.ErrnoException) => r(e.code)))).toBe('ECONNREFUSED');
  });
});
