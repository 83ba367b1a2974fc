import http from 'node:http';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject, Store } from '../../../../src/emulator/api/store-types.js';
import { defaultImages } from '../../../../src/emulator/kubelet/default-images.js';
import { startKubelet } from '../../../../src/emulator/kubelet/kubelet.js';
import type { PodAddressing } from '../../../../src/emulator/kubelet/pod-addressing.js';
import { nftablesSupport } from '../../../../src/emulator/proxy/nft-dataplane.js';
import { startServiceProxy } from '../../../../src/emulator/proxy/service-proxy.js';
import { waitFor } from '../kubelet/helpers.js';

const nft = await nftablesSupport();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** A minimal stand-in for the EndpointSlice controller: one slice mirroring the app's pods. */
function mirrorSlices(store: Store, app: string): () => void {
  const write = (): void => {
    const pods = store.list('pods', 'default').items.filter((p) => p.metadata.labels?.['app'] === app && p.status?.podIP);
    const ready = (p: KObject): boolean => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
    const slice: KObject = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `${app}-mirror`, namespace: 'default', labels: { 'kubernetes.io/service-name': app } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: pods.map((p) => ({
        addresses: [p.status.podIP],
        conditions: { ready: ready(p) && p.metadata.deletionTimestamp === undefined, serving: ready(p), terminating: p.metadata.deletionTimestamp !== undefined },
        targetRef: { kind: 'Pod', namespace: 'default', name: p.metadata.name },
      })),
    };
    const cur = store.get('endpointslices', 'default', `${app}-mirror`);
    if (!cur) store.create('endpointslices', slice);
    else if (JSON.stringify(cur['endpoints']) !== JSON.stringify(slice['endpoints'])) store.update('endpointslices', { ...slice, metadata: { ...slice.metadata, resourceVersion: cur.metadata.resourceVersion ?? '' } });
  };
  write();
  return store.watch('pods', 'default', undefined, () => queueMicrotask(write));
}

function pod(name: string, app: string, env: Record<string, string>, lifecycle?: unknown): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app } },
    spec: {
      nodeName: 'n1',
      terminationGracePeriodSeconds: 10,
      containers: [
        {
          name: 'app',
          image: 'zerodrop/demo-app:v1',
          ports: [{ name: 'http', containerPort: 8080 }],
          env: Object.entries(env).map(([name, value]) => ({ name, value })),
          readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          ...(lifecycle ? { lifecycle } : {}),
        },
      ],
    },
  };
}

/** Sends requests on new connections every 10 ms for `ms`; counts outcomes. */
async function hammer(ip: string, port: number, ms: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const end = Date.now() + ms;
  const one = (): Promise<string> =>
    new Promise((resolve) => {
      const req = http.get({ host: ip, port, path: '/', agent: false, timeout: 3000 }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', () => resolve('reset'));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
  const inflight: Array<Promise<void>> = [];
  while (Date.now() < end) {
    inflight.push(one().then((r) => void out.set(r, (out.get(r) ?? 0) + 1)));
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inflight);
  return out;
}

async function scenario(dataplane: 'nftables' | 'userspace', addressing: PodAddressing, graceful: boolean): Promise<Map<string, number>> {
  const store = new MemoryStore();
  const kubelet = startKubelet(store, { nodeName: 'n1', images: defaultImages(), podAddressing: addressing });
  cleanups.push(() => kubelet.stop());
  const app = graceful ? 'good' : 'bad';
  cleanups.push(mirrorSlices(store, app));
  const svc = store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: 'default' }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
  const proxy = await startServiceProxy(store, { proxyDelayMs: 1000, dataplane, instanceId: `race${process.pid}${app}` });
  cleanups.push(() => proxy.stop());
  const env = graceful ? { ON_SIGTERM: 'drain' } : { ON_SIGTERM: 'exit' };
  const lifecycle = graceful ? { preStop: { sleep: { seconds: 2 } } } : undefined;
  for (const n of ['p1', 'p2']) store.create('pods', pod(`${app}-${n}`, app, env, lifecycle));
  let target = { ip: String(svc.spec.clusterIP), port: 80 };
  await waitFor('both pods reachable through the service', () => {
    const s = store.get('services', 'default', app);
    const moved = s?.metadata.annotations?.['zerodrop.dev/proxy-address'];
    if (moved) {
      const [ip, port] = moved.split('=')[1]!.split(':');
      target = { ip: ip!, port: Number(port) };
    }
    const eps = store.get('endpointslices', 'default', `${app}-mirror`)?.['endpoints'] as Array<{ conditions: { ready: boolean } }> | undefined;
    return eps?.length === 2 && eps.every((e) => e.conditions.ready);
  }, 15_000);
  // Let the proxy see the ready endpoints: the delay, then however long programming the dataplane
  // takes on this machine (an answer through the Service says it is done).
  await new Promise((r) => setTimeout(r, 1000));
  for (const end = Date.now() + 10_000; (await hammer(target.ip, target.port, 1)).get('200') !== 1; ) {
    if (Date.now() > end) throw new Error('timed out waiting for the proxy to route to the ready pods');
  }
  const results = hammer(target.ip, target.port, 2500);
  await new Promise((r) => setTimeout(r, 200));
  store.delete('pods', 'default', `${app}-p1`);
  return results;
}

const cases = [
  ['nftables', nft.ok],
  ['userspace', true],
] as const;

describe.each(cases)('the SIGTERM / endpoint-removal race through the %s dataplane', (dataplane, available) => {
  beforeAll(() => {
    if (!available) throw new Error(`the ${dataplane} dataplane is not available here: the nftables one needs root and nft (Debian: apt-get install nftables)`);
  });
  it('drops requests when the app exits on SIGTERM before the proxy catches up', async () => {
    const r = await scenario(dataplane, 'loopback-ip', false);
    const failed = [...r].filter(([k]) => k !== '200').reduce((a, [, n]) => a + n, 0);
    expect(failed).toBeGreaterThan(0);
    // kernel: refused by the dead endpoint; userspace: the accepted connection is reset
    expect(r.get(dataplane === 'nftables' ? 'ECONNREFUSED' : 'ECONNRESET') ?? 0).toBeGreaterThan(0);
  });

  it('drops nothing with a preStop sleep longer than the propagation delay and a graceful drain', async () => {
    const r = await scenario(dataplane, 'loopback-ip', true);
    expect([...r.keys()]).toEqual(['200']);
  });
});

describe('port addressing (non-Linux fallback)', () => {
  it('serves through kubelet-chosen ports mapped by the proxy', async () => {
    const r = await scenario('userspace', 'port', true);
    expect([...r.keys()]).toEqual(['200']);
  });
});
