import { afterEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { type Cluster, deployment, startCluster, waitFor, waitForComplete } from './harness.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

function service(name: string, selector: Record<string, string> | undefined, targetPort: number | string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { team: 'x' } },
    spec: { ...(selector === undefined ? {} : { selector }), ports: [{ name: 'web', port: 80, targetPort }] },
  };
}

function slicesOf(store: Cluster['store'], svc: string): KObject[] {
  return store.list('endpointslices', 'default', { labelSelector: `kubernetes.io/service-name=${svc}` }).items;
}

interface Ep {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  targetRef: { kind: string; name: string; uid: string; namespace: string };
}

describe('EndpointSlice controller', () => {
  it('lists the selected pods with their IPs, resolved named target port, node and conditions', async () => {
    cluster = startCluster({ readyAfterMs: 10, goneAfterMs: 300 });
    const { store } = cluster;
    store.create('services', service('web', { app: 'web' }, 'http'));
    // A placeholder slice first: the Service has no pod yet.
    const placeholder = await waitFor(() => slicesOf(store, 'web')[0], 'placeholder slice');
    expect(placeholder['endpoints']).toEqual([]);

    store.create('deployments', deployment('web', 3, { type: 'RollingUpdate' }));
    await waitForComplete(store, 'web');
    const slice = await waitFor(() => {
      const s = slicesOf(store, 'web');
      const eps = (s[0]?.['endpoints'] ?? []) as Ep[];
      return s.length === 1 && eps.length === 3 && eps.every((e) => e.conditions.ready) ? s[0] : undefined;
    }, '3 ready endpoints');
    expect(slice.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(slice.metadata.labels).toMatchObject({ 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', team: 'x' });
    expect(slice.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'web', controller: true });
    expect(slice['addressType']).toBe('IPv4');
    expect(slice['ports']).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    const pods = store.list('pods', 'default').items;
    const eps = slice['endpoints'] as Ep[];
    for (const ep of eps) {
      const pod = pods.find((p) => p.metadata.uid === ep.targetRef.uid);
      expect(pod).toBeDefined();
      expect(ep.addresses).toEqual([pod?.status.podIP]);
      expect(ep.nodeName).toBe(store.nodeName);
      expect(ep.targetRef).toEqual({ kind: 'Pod', namespace: 'default', name: pod?.metadata.name, uid: pod?.metadata.uid });
      expect(ep.conditions).toEqual({ ready: true, serving: true, terminating: false });
    }

    // A terminating pod stays listed: not ready, still serving, terminating.
    const victim = eps[0]?.targetRef.name ?? '';
    store.delete('pods', 'default', victim);
    await waitFor(() => {
      const e = (slicesOf(store, 'web')[0]?.['endpoints'] as Ep[]).find((x) => x.targetRef.name === victim);
      return e?.conditions.terminating === true ? e : undefined;
    }, 'terminating endpoint').then((e) => expect(e.conditions).toEqual({ ready: false, serving: true, terminating: true }));
    // ...until the pod object is gone.
    await waitFor(() => !(slicesOf(store, 'web')[0]?.['endpoints'] as Ep[]).some((x) => x.targetRef.name === victim), 'endpoint removed');
  });

  it('resolves a numeric target port, ignores Services without a selector, and deletes slices with the Service', async () => {
    cluster = startCluster({ readyAfterMs: 10 });
    const { store } = cluster;
    store.create('deployments', deployment('api', 1, { type: 'RollingUpdate' }));
    store.create('services', service('api', { app: 'api' }, 9090));
    store.create('services', service('manual', undefined, 80));
    await waitFor(() => ((slicesOf(store, 'api')[0]?.['endpoints'] ?? []) as Ep[]).some((e) => e.conditions.ready), 'ready endpoint');
    expect(slicesOf(store, 'api')[0]?.['ports']).toEqual([{ name: 'web', port: 9090, protocol: 'TCP' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(slicesOf(store, 'manual')).toEqual([]);
    store.delete('services', 'default', 'api');
    await waitFor(() => slicesOf(store, 'api').length === 0, 'slices deleted');
  });
});
