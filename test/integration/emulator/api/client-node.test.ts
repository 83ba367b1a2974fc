import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../../src/emulator/api/kubeconfig.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { startApiServer, type ApiServer } from '../../../../src/emulator/api/server.js';

let dir: string;
let store: MemoryStore;
let server: ApiServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

const ns = 'default';

function deployment(name: string): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'demo:1', env: [{ name: 'A', value: '1' }] }] } },
    },
  };
}

function pod(name: string, labels: Record<string, string> = { app: 'p' }): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'demo:1' }] } };
}

async function apiCode(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
  return 200;
}

/** A raw HTTPS request against the server (trusting its CA), for what the client does not expose. */
function raw(method: string, path: string, opts: { token?: string | null; body?: string; contentType?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? server.token : opts.token;
    if (token !== null) headers['Authorization'] = `Bearer ${token}`;
    if (opts.contentType) headers['Content-Type'] = opts.contentType;
    const req = httpsRequest(`${server.url}${path}`, { method, headers, ca: server.caPem }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zd-api-'));
  store = new MemoryStore({ historySize: 20 });
  server = await startApiServer({ store, bookmarkIntervalMs: 100 });
  await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token: server.token, caPem: server.caPem ?? '' });
  kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('API server with @kubernetes/client-node', () => {
  it('writes the kubeconfig with mode 0600, an https URL and the context', async () => {
    const st = await stat(join(dir, 'kubeconfig'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(kc.getCurrentContext()).toBe('zerodrop-emulator');
    expect(kc.getCurrentCluster()?.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('listens on 127.0.0.1 only and requires the bearer token', async () => {
    expect(server.url.startsWith('https://127.0.0.1:')).toBe(true);
    expect((await raw('GET', '/api/v1/namespaces', { token: null })).status).toBe(401);
    const wrong = await raw('GET', '/api/v1/namespaces', { token: 'nope' });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    expect((await raw('GET', '/api/v1/namespaces')).status).toBe(200);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal);
    if (external !== undefined) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = connect(server.port, external.address);
        s.on('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.on('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
    const bad = new KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: 'c', server: server.url, caData: Buffer.from(server.caPem ?? '').toString('base64') }],
      users: [{ name: 'u', token: 'wrong' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(await apiCode(bad.makeApiClient(CoreV1Api).listNamespace())).toBe(401);
  });

  it('serves discovery and version', async () => {
    const v = JSON.parse((await raw('GET', '/version')).body) as { major: string; minor: string; gitVersion: string };
    expect(v).toMatchObject({ major: '1', minor: '32' });
    const apiV1 = JSON.parse((await raw('GET', '/api/v1')).body) as { resources: Array<{ name: string; shortNames?: string[] }> };
    expect(apiV1.resources.find((r) => r.name === 'pods')?.shortNames).toEqual(['po']);
    expect(apiV1.resources.some((r) => r.name === 'pods/log')).toBe(true);
    const appsV1 = JSON.parse((await raw('GET', '/apis/apps/v1')).body) as { resources: Array<{ name: string; group?: string; kind: string }> };
    expect(appsV1.resources.find((r) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', kind: 'Scale' });
    const groups = JSON.parse((await raw('GET', '/apis')).body) as { groups: Array<{ name: string }> };
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['apps', 'discovery.k8s.io', 'batch', 'autoscaling']));
  });

  it('creates, reads, lists, updates and deletes a Deployment', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('crud') });
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec?.strategy?.type).toBe('RollingUpdate');
    expect(await apiCode(apps.createNamespacedDeployment({ namespace: ns, body: deployment('crud') }))).toBe(409);
    const got = await apps.readNamespacedDeployment({ name: 'crud', namespace: ns });
    expect(got.metadata?.uid).toBe(created.metadata?.uid);
    const list = await apps.listNamespacedDeployment({ namespace: ns });
    expect(list.items.map((d) => d.metadata?.name)).toContain('crud');
    expect(list.metadata?.resourceVersion).toMatch(/^\d+$/);
    got.spec!.replicas = 4;
    const updated = await apps.replaceNamespacedDeployment({ name: 'crud', namespace: ns, body: got });
    expect(updated.metadata?.generation).toBe(2);
    // stale resourceVersion -> 409 Conflict
    expect(await apiCode(apps.replaceNamespacedDeployment({ name: 'crud', namespace: ns, body: got }))).toBe(409);
    await apps.deleteNamespacedDeployment({ name: 'crud', namespace: ns });
    expect(await apiCode(apps.readNamespacedDeployment({ name: 'crud', namespace: ns }))).toBe(404);
  });

  it('answers 422 Invalid with causes for a Deployment whose selector does not match its template', async () => {
    const d = deployment('bad');
    d.spec!.template.metadata!.labels = { app: 'other' };
    d.spec!.template.spec!.containers[0]!.image = '';
    try {
      await apps.createNamespacedDeployment({ namespace: ns, body: d });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiException);
      const e = err as ApiException<string>;
      expect(e.code).toBe(422);
      const status = JSON.parse(e.body) as { reason: string; details: { causes: Array<{ field: string }> } };
      expect(status.reason).toBe('Invalid');
      expect(status.details.causes.map((c) => c.field)).toEqual(['spec.template.metadata.labels', 'spec.template.spec.containers[0].image']);
    }
  });

  it('patches a Deployment with strategic merge, merge and JSON patches', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('pt') });
    const smp = await apps.patchNamespacedDeployment(
      { name: 'pt', namespace: ns, body: { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(['A', 'B']);
    expect(smp.spec?.template.spec?.containers[0]?.image).toBe('demo:1');
    const mp = await apps.patchNamespacedDeployment({ name: 'pt', namespace: ns, body: { metadata: { labels: { x: 'y' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(mp.metadata?.labels).toEqual({ x: 'y' });
    const jp = await apps.patchNamespacedDeployment({ name: 'pt', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 3 }] });
    expect(jp.spec?.replicas).toBe(3);
    expect(await apiCode(apps.patchNamespacedDeployment({ name: 'pt', namespace: ns, body: [{ op: 'test', path: '/spec/replicas', value: 99 }] }))).toBe(422);
    const bad = await raw('PATCH', '/apis/apps/v1/namespaces/default/deployments/pt', { body: '{}', contentType: 'application/json' });
    expect(bad.status).toBe(415);
  });

  it('serves the scale and status subresources', async () => {
    await apps.createNamespacedDeployment({ namespace: ns, body: deployment('sc') });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'sc', namespace: ns });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=sc' } });
    const patched = await apps.patchNamespacedDeploymentScale({ name: 'sc', namespace: ns, body: { spec: { replicas: 7 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    expect(patched.spec?.replicas).toBe(7);
    expect((await apps.readNamespacedDeployment({ name: 'sc', namespace: ns })).spec?.replicas).toBe(7);
    const withStatus = await apps.patchNamespacedDeploymentStatus(
      { name: 'sc', namespace: ns, body: { status: { observedGeneration: 2, replicas: 7 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(withStatus.status).toEqual({ observedGeneration: 2, replicas: 7 });
    expect(withStatus.metadata?.generation).toBe(2);
  });

  it('creates Services with loopback ClusterIPs and patches ports by port', async () => {
    const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] } } });
    expect(svc.spec?.clusterIP).toMatch(/^127\.200\.\d+\.\d+$/);
    const p = await core.patchNamespacedService({ name: 'web', namespace: ns, body: { spec: { ports: [{ port: 80, targetPort: 9090 }] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(p.spec?.ports?.map((x) => `${x.port}->${String(x.targetPort)}`)).toEqual(['80->9090', '443->443']);
    expect(p.spec?.clusterIP).toBe(svc.spec?.clusterIP);
  });

  it('stores EndpointSlices, Events and Jobs', async () => {
    const disc = kc.makeApiClient(DiscoveryV1Api);
    await disc.createNamespacedEndpointSlice({ namespace: ns, body: { metadata: { name: 'web-abc', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['127.10.0.1'], conditions: { ready: true } }], ports: [{ port: 8080 }] } });
    const slices = await disc.listNamespacedEndpointSlice({ namespace: ns, labelSelector: 'kubernetes.io/service-name=web' });
    expect(slices.items.map((s) => s.endpoints[0]?.addresses[0])).toEqual(['127.10.0.1']);
    await core.createNamespacedEvent({ namespace: ns, body: { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: ns }, reason: 'Started', message: 'hi', type: 'Normal' } });
    expect((await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=p' })).items).toHaveLength(1);
    const batch = kc.makeApiClient(BatchV1Api);
    const job = await batch.createNamespacedJob({ namespace: ns, body: { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } } } });
    expect(job.spec?.backoffLimit).toBe(6);
  });

  it('lists pods across namespaces with label and field selectors, and deletes collections', async () => {
    await core.createNamespace({ body: { metadata: { name: 'other' } } });
    await core.createNamespacedPod({ namespace: ns, body: pod('sel-a', { app: 'sel', track: 'stable' }) });
    await core.createNamespacedPod({ namespace: 'other', body: pod('sel-b', { app: 'sel', track: 'canary' }) });
    const all = await core.listPodForAllNamespaces({ labelSelector: 'app=sel' });
    expect(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['default/sel-a', 'other/sel-b']);
    expect(all.items[0]).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    const canary = await core.listPodForAllNamespaces({ labelSelector: 'app=sel,track in (canary)' });
    expect(canary.items.map((p) => p.metadata?.name)).toEqual(['sel-b']);
    const byName = await core.listPodForAllNamespaces({ fieldSelector: 'metadata.name=sel-a' });
    expect(byName.items).toHaveLength(1);
    await core.deleteCollectionNamespacedPod({ namespace: 'other', labelSelector: 'app=sel' });
    expect((await core.listNamespacedPod({ namespace: 'other' })).items).toHaveLength(0);
  });

  it('accepts dryRun=All without persisting', async () => {
    const d = await apps.createNamespacedDeployment({ namespace: ns, body: deployment('dry'), dryRun: 'All' });
    expect(d.metadata?.name).toBe('dry');
    expect(await apiCode(apps.readNamespacedDeployment({ name: 'dry', namespace: ns }))).toBe(404);
  });

  it('deletes scheduled pods gracefully', async () => {
    const p = pod('grace');
    p.spec!.nodeName = 'zerodrop-node';
    p.spec!.terminationGracePeriodSeconds = 7;
    await core.createNamespacedPod({ namespace: ns, body: p });
    const marked = await core.deleteNamespacedPod({ name: 'grace', namespace: ns });
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(7);
    expect((await core.readNamespacedPod({ name: 'grace', namespace: ns })).metadata?.deletionTimestamp).toBeDefined();
    await core.deleteNamespacedPod({ name: 'grace', namespace: ns, gracePeriodSeconds: 0 });
    expect(await apiCode(core.readNamespacedPod({ name: 'grace', namespace: ns }))).toBe(404);
  });

  it('watches from a resourceVersion with selectors, and sends bookmarks', async () => {
    const start = (await core.listNamespacedPod({ namespace: ns })).metadata?.resourceVersion ?? '0';
    const events: string[] = [];
    let bookmarks = 0;
    const w = new Watch(kc);
    const req = await w.watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: start, labelSelector: 'app=w', allowWatchBookmarks: true },
      (type, obj: V1Pod) => {
        if (type === 'BOOKMARK') bookmarks++;
        else events.push(`${type}:${obj.metadata?.name ?? ''}`);
      },
      () => {},
    );
    await core.createNamespacedPod({ namespace: ns, body: pod('w1', { app: 'w' }) });
    await core.createNamespacedPod({ namespace: ns, body: pod('ignored', { app: 'x' }) });
    await core.patchNamespacedPod({ name: 'w1', namespace: ns, body: { metadata: { labels: { extra: '1' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.deleteNamespacedPod({ name: 'w1', namespace: ns });
    await expect.poll(() => events, { timeout: 3000 }).toEqual(['ADDED:w1', 'MODIFIED:w1', 'DELETED:w1']);
    await expect.poll(() => bookmarks, { timeout: 3000 }).toBeGreaterThan(0);
    req.abort();
  });

  it('sends an ERROR 410 event and closes a watch from a too-old resourceVersion', async () => {
    for (let i = 0; i < 25; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}` } } });
    const got: Array<{ type: string; code?: number }> = [];
    const done = new Promise<void>((resolve) => {
      void new Watch(kc).watch(
        '/api/v1/namespaces/default/configmaps',
        { resourceVersion: '1' },
        (type, obj: { code?: number }) => got.push({ type, ...(obj.code === undefined ? {} : { code: obj.code }) }),
        () => resolve(),
      );
    });
    await done;
    expect(got).toEqual([{ type: 'ERROR', code: 410 }]);
  });

  it('keeps an informer in sync, re-listing after 410', async () => {
    const listFn = () => core.listNamespacedSecret({ namespace: ns });
    const informer = makeInformer(kc, '/api/v1/namespaces/default/secrets', listFn);
    const added: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    await informer.start();
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's0' } } });
    await expect.poll(() => added, { timeout: 3000 }).toContain('s0');
    // push the informer's resourceVersion out of the kept history: stop it, write a lot, restart
    await informer.stop();
    for (let i = 1; i <= 25; i++) await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: `s${i}` } } });
    await informer.start();
    await expect.poll(() => informer.list(ns).length, { timeout: 5000 }).toBe(26);
    await informer.stop();
  });

  it('streams pod logs from the registered provider, with follow', async () => {
    await core.createNamespacedPod({ namespace: ns, body: pod('logger') });
    expect(await core.readNamespacedPodLog({ name: 'logger', namespace: ns })).toBe('');
    server.setPodLogProvider((req) => {
      if (!req.follow) return `hello from ${req.name}/${req.container ?? 'default'}\n`;
      return Readable.from(['line 1\n', 'line 2\n']);
    });
    expect(await core.readNamespacedPodLog({ name: 'logger', namespace: ns, container: 'c' })).toBe('hello from logger/c\n');
    expect((await raw('GET', '/api/v1/namespaces/default/pods/logger/log?follow=true')).body).toBe('line 1\nline 2\n');
    expect(await apiCode(core.readNamespacedPodLog({ name: 'nope', namespace: ns }))).toBe(404);
    server.setPodLogProvider(undefined);
  });

  it('creates objects through a server-side apply patch', async () => {
    const body = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  k: v\n';
    const r = await raw('PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=test', { body, contentType: 'application/apply-patch+yaml' });
    expect(r.status).toBe(201);
    const r2 = await raw('PATCH', '/api/v1/namespaces/default/configmaps/ssa?fieldManager=test', { body: body.replace('k: v', 'k: w'), contentType: 'application/apply-patch+yaml' });
    expect(r2.status).toBe(200);
    expect((await core.readNamespacedConfigMap({ name: 'ssa', namespace: ns })).data).toEqual({ k: 'w' });
  });

  it('answers 404 for unknown paths and namespaces', async () => {
    expect((await raw('GET', '/api/v1/frobs')).status).toBe(404);
    expect(await apiCode(core.createNamespacedPod({ namespace: 'missing', body: pod('x') }))).toBe(404);
  });
});
