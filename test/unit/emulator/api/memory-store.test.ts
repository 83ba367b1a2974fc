import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject, StoreEvent } from '../../../../src/emulator/api/store-types.js';

function deployment(name: string, labels: Record<string, string> = { app: name }): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'demo:1' }] } },
    },
  };
}

function pod(name: string, extra: Partial<KObject['metadata']> = {}, nodeName?: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' }, ...extra },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'demo:1' }] },
  };
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return undefined;
}

describe('MemoryStore', () => {
  it('starts with default and kube-system namespaces and one Ready node', () => {
    const s = new MemoryStore({ nodeName: 'n1' });
    expect(s.get('namespaces', undefined, 'default')?.status?.phase).toBe('Active');
    expect(s.get('namespaces', undefined, 'kube-system')).toBeDefined();
    const node = s.get('nodes', undefined, 'n1');
    expect(node?.status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True' });
  });

  it('fills uid, creationTimestamp, resourceVersion, generation and defaults on create', () => {
    const s = new MemoryStore();
    const before = s.currentResourceVersion();
    const d = s.create('deployments', deployment('web'));
    expect(d.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(d.metadata.resourceVersion)).toBe(before + 1);
    expect(d.metadata.generation).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('answers deep copies', () => {
    const s = new MemoryStore();
    const d = s.create('deployments', deployment('web'));
    d.spec.replicas = 99;
    const got = s.get('deployments', 'default', 'web');
    expect(got?.spec.replicas).toBe(2);
    if (got) got.metadata.labels = { x: 'y' };
    expect(s.get('deployments', 'default', 'web')?.metadata.labels).toBeUndefined();
  });

  it('generates names from generateName', () => {
    const s = new MemoryStore();
    const p = s.create('pods', { ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } });
    expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
  });

  it('rejects duplicates (409), unknown namespaces (404) and invalid objects (422)', () => {
    const s = new MemoryStore();
    s.create('deployments', deployment('web'));
    expect(codeOf(() => s.create('deployments', deployment('web')))).toBe(409);
    expect(codeOf(() => s.create('pods', { ...pod('x'), metadata: { name: 'x', namespace: 'nope' } }))).toBe(404);
    const bad = deployment('bad');
    delete bad.spec.selector;
    expect(codeOf(() => s.create('deployments', bad))).toBe(422);
  });

  it('uses optimistic concurrency and bumps generation only on spec changes', () => {
    const s = new MemoryStore();
    const d = s.create('deployments', deployment('web'));
    const stale = structuredClone(d);
    d.metadata.labels = { tier: 'front' };
    const d2 = s.update('deployments', d);
    expect(d2.metadata.generation).toBe(1);
    expect(codeOf(() => s.update('deployments', stale))).toBe(409);
    d2.spec.replicas = 5;
    const d3 = s.update('deployments', d2);
    expect(d3.metadata.generation).toBe(2);
    // status writes go through the status subresource and do not bump generation
    d3.status = { observedGeneration: 2 };
    d3.spec.replicas = 7;
    const d4 = s.update('deployments', d3, { subresource: 'status' });
    expect(d4.status).toEqual({ observedGeneration: 2 });
    expect(d4.spec.replicas).toBe(5);
    expect(d4.metadata.generation).toBe(2);
    // a plain update keeps the stored status
    d4.status = { observedGeneration: 1 };
    expect(s.update('deployments', d4).status).toEqual({ observedGeneration: 2 });
  });

  it('does not bump resourceVersion for a no-op update', () => {
    const s = new MemoryStore();
    const d = s.create('deployments', deployment('web'));
    const rv = s.currentResourceVersion();
    expect(s.update('deployments', d).metadata.resourceVersion).toBe(d.metadata.resourceVersion);
    expect(s.currentResourceVersion()).toBe(rv);
  });

  it('allocates ClusterIPs sequentially from 127.200.0.0/16 and releases them', () => {
    const s = new MemoryStore();
    const svc = (name: string, clusterIP?: string): KObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'default' },
      spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ port: 80 }] },
    });
    const a = s.create('services', svc('a')).spec.clusterIP as string;
    expect(a).toMatch(/^127\.200\.\d+\.\d+$/);
    expect(s.create('services', svc('b')).spec.clusterIP).not.toBe(a);
    expect(s.create('services', svc('h', 'None')).spec.clusterIP).toBe('None');
    const b = s.get('services', 'default', 'b');
    expect(b?.spec.ports[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(codeOf(() => s.create('services', svc('c', a)))).toBe(422);
  });

  it('deletes pods gracefully when scheduled, at once when not', () => {
    const s = new MemoryStore({ now: () => new Date('2025-01-01T00:00:00Z') });
    s.create('pods', pod('unscheduled'));
    s.delete('pods', 'default', 'unscheduled');
    expect(s.get('pods', 'default', 'unscheduled')).toBeUndefined();

    const p = s.create('pods', { ...pod('p1'), spec: { nodeName: 'zerodrop-node', terminationGracePeriodSeconds: 5, containers: [{ name: 'a', image: 'i' }] } });
    const marked = s.delete('pods', 'default', 'p1');
    expect(marked?.metadata.deletionTimestamp).toBe('2025-01-01T00:00:05Z');
    expect(marked?.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(Number(marked?.metadata.resourceVersion)).toBeGreaterThan(Number(p.metadata.resourceVersion));
    expect(s.get('pods', 'default', 'p1')).toBeDefined();
    s.delete('pods', 'default', 'p1', { gracePeriodSeconds: 0 });
    expect(s.get('pods', 'default', 'p1')).toBeUndefined();

    s.create('pods', pod('p2', {}, 'zerodrop-node'));
    expect(s.delete('pods', 'default', 'p2', { gracePeriodSeconds: 3 })?.metadata.deletionGracePeriodSeconds).toBe(3);
    expect(() => s.delete('pods', 'default', 'nope')).toThrow(ApiError);
  });

  it('garbage-collects dependents through ownerReferences, pods gracefully', () => {
    const s = new MemoryStore();
    const d = s.create('deployments', deployment('web'));
    const rs = s.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid ?? '', controller: true }] },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'i' }] } } },
    });
    const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: rs.metadata.uid ?? '', controller: true }];
    s.create('pods', pod('web-abc-1', { ownerReferences: owner }, 'zerodrop-node'));
    s.create('pods', pod('web-abc-2', { ownerReferences: owner }));
    s.delete('deployments', 'default', 'web');
    expect(s.get('replicasets', 'default', 'web-abc')).toBeUndefined();
    expect(s.get('pods', 'default', 'web-abc-1')?.metadata.deletionTimestamp).toBeDefined();
    expect(s.get('pods', 'default', 'web-abc-2')).toBeUndefined();
  });

  it('orphans dependents with propagationPolicy Orphan', () => {
    const s = new MemoryStore();
    const d = s.create('deployments', deployment('web'));
    s.create('pods', pod('p', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid ?? '' }] }));
    s.delete('deployments', 'default', 'web', { propagationPolicy: 'Orphan' });
    expect(s.get('pods', 'default', 'p')?.metadata.ownerReferences).toBeUndefined();
  });

  it('lists with namespace, label and field selectors', () => {
    const s = new MemoryStore();
    s.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    s.create('pods', pod('a', { labels: { app: 'web', track: 'stable' } }, 'zerodrop-node'));
    s.create('pods', pod('b', { labels: { app: 'web', track: 'canary' } }));
    s.create('pods', { ...pod('c'), metadata: { name: 'c', namespace: 'other', labels: { app: 'db' } } });
    const names = (ns: string | undefined, opts = {}): string[] => s.list('pods', ns, opts).items.map((p) => p.metadata.name ?? '');
    expect(names(undefined)).toEqual(['a', 'b', 'c']);
    expect(names('default')).toEqual(['a', 'b']);
    expect(names(undefined, { labelSelector: 'app=web,track!=canary' })).toEqual(['a']);
    expect(names(undefined, { labelSelector: 'track in (canary,stable)' })).toEqual(['a', 'b']);
    expect(names(undefined, { fieldSelector: 'spec.nodeName=zerodrop-node' })).toEqual(['a']);
    expect(names(undefined, { fieldSelector: 'metadata.namespace=other' })).toEqual(['c']);
    expect(s.list('pods', undefined).items[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    expect(s.list('pods', undefined).resourceVersion).toBe(String(s.currentResourceVersion()));
  });

  it('watches: replays from a resourceVersion, filters, and delivers in order while listeners write', () => {
    const s = new MemoryStore();
    const start = s.currentResourceVersion();
    s.create('pods', pod('a'));
    const seen: StoreEvent[] = [];
    const stop = s.watch('pods', 'default', start, (e) => {
      seen.push(e);
      if (e.type === 'ADDED' && e.object.metadata.name === 'b') s.create('pods', pod('c'));
    });
    s.create('pods', pod('b'));
    expect(seen.map((e) => `${e.type}:${e.object.metadata.name ?? ''}`)).toEqual(['ADDED:a', 'ADDED:b', 'ADDED:c']);
    const rvs = seen.map((e) => e.resourceVersion);
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    stop();
    s.create('pods', pod('d'));
    expect(seen).toHaveLength(3);
  });

  it('watches with a label selector see objects enter and leave it', () => {
    const s = new MemoryStore();
    const seen: string[] = [];
    s.watch('pods', undefined, undefined, (e) => seen.push(`${e.type}:${e.object.metadata.name ?? ''}`), { labelSelector: 'ready=yes' });
    const p = s.create('pods', pod('a'));
    p.metadata.labels = { ready: 'yes' };
    const p2 = s.update('pods', p);
    p2.metadata.labels = { ready: 'no' };
    s.update('pods', p2);
    expect(seen).toEqual(['ADDED:a', 'DELETED:a']);
  });

  it('throws 410 Expired for a resourceVersion older than the kept history', () => {
    const s = new MemoryStore({ historySize: 3 });
    const start = s.currentResourceVersion();
    for (let i = 0; i < 5; i++) s.create('pods', pod(`p${i}`));
    expect(codeOf(() => s.watch('pods', undefined, start, () => {}))).toBe(410);
    const seen: string[] = [];
    s.watch('pods', undefined, s.currentResourceVersion() - 2, (e) => seen.push(e.object.metadata.name ?? ''));
    expect(seen).toEqual(['p3', 'p4']);
  });

  it('does not let a listener error fail the write', () => {
    const errors: unknown[] = [];
    const s = new MemoryStore({ onListenerError: (e) => errors.push(e) });
    s.watch('pods', undefined, undefined, () => {
      throw new Error('boom');
    });
    expect(s.create('pods', pod('a')).metadata.name).toBe('a');
    expect(errors).toHaveLength(1);
  });

  it('keeps objects with finalizers until the last finalizer is removed', () => {
    const s = new MemoryStore();
    s.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', finalizers: ['x/y'] } });
    const marked = s.delete('configmaps', 'default', 'c');
    expect(marked?.metadata.deletionTimestamp).toBeDefined();
    const c = s.get('configmaps', 'default', 'c');
    if (c) c.metadata.finalizers = [];
    if (c) s.update('configmaps', c);
    expect(s.get('configmaps', 'default', 'c')).toBeUndefined();
  });
});
