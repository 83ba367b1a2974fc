import type { V1Pod } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster, type Cluster } from '../../../src/cluster/cluster.js';
import { writeKubeconfig } from '../../../src/emulator/api/kubeconfig.js';
import { MemoryStore } from '../../../src/emulator/api/memory-store.js';
import { startApiServer } from '../../../src/emulator/api/server.js';
import type { KObject } from '../../../src/emulator/api/store-types.js';
import { podEvents, type DerivedEvent } from '../../../src/rollout/events.js';
import { ResourceTracker } from '../../../src/rollout/resource-tracker.js';
import { waitFor } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

/** An API server over a store with a short watch history (no controllers: the test plays them). */
async function apiServer(historySize: number): Promise<{ store: MemoryStore; cluster: Cluster }> {
  const store = new MemoryStore({ historySize });
  const server = await startApiServer({ store });
  const dir = await mkdtemp(join(tmpdir(), 'zerodrop-resume-'));
  cleanups.push(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { server: server.url, token: server.token, ...(server.caPem === undefined ? {} : { caPem: server.caPem }) });
  return { store, cluster: await connectCluster({ kubeconfigPath }) };
}

type Held = { watch: number; list: number };

/** The same cluster, but opening a watch or listing waits while the gate is closed (a network outage); `held()` counts the calls waiting. */
function gated(cluster: Cluster): { cluster: Cluster; close(): void; open(): void; held(): Held } {
  let gate: Promise<void> = Promise.resolve();
  let release: () => void = () => undefined;
  const held: Held = { watch: 0, list: 0 };
  const pass = async (call: keyof Held): Promise<void> => {
    held[call]++;
    try {
      await gate;
    } finally {
      held[call]--;
    }
  };
  const g = Object.create(cluster) as Cluster;
  g.watch = async (...args) => {
    await pass('watch');
    return cluster.watch(...args);
  };
  g.list = async (kind, query) => {
    await pass('list');
    return cluster.list(kind, query);
  };
  return {
    cluster: g,
    close: () => {
      gate = new Promise((r) => (release = r));
    },
    open: () => release(),
    held: () => ({ ...held }),
  };
}

/** Lets deliveries already under way (a second stream's duplicates included) reach the tracker. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300));

function pod(name: string, ready: boolean): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'app:v1' }] },
    status: { phase: 'Running', conditions: [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

function setReady(store: MemoryStore, name: string, ready: boolean): void {
  const p = store.get('pods', 'default', name) as KObject;
  p.status.conditions = [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready ? 'True' : 'False' }];
  store.update('pods', p, { subresource: 'status' });
}

/** Changes made while the watch is down: some visible in the end state, one pod that lives and dies unseen. */
function blindChanges(store: MemoryStore): void {
  setReady(store, 'p1', false);
  store.delete('pods', 'default', 'p2');
  store.delete('pods', 'default', 'p2', { gracePeriodSeconds: 0 });
  store.create('pods', pod('p3', false));
  setReady(store, 'p3', true);
  store.create('pods', pod('ghost', true));
  store.delete('pods', 'default', 'ghost', { gracePeriodSeconds: 0 });
}

const EXPECTED = ['pod-not-ready pod/p1', 'pod-terminating pod/p2', 'pod-deleted pod/p2', 'pod-created pod/p3', 'pod-scheduled pod/p3', 'pod-ready pod/p3'].sort();

async function track(cluster: Cluster): Promise<{ tracker: ResourceTracker<'pods'>; seen: string[] }> {
  const seen: string[] = [];
  const tracker = new ResourceTracker({
    cluster,
    kind: 'pods',
    query: { namespace: 'default', labelSelector: 'app=web' },
    onChange: (prev, next, seed) => {
      if (!seed) seen.push(...podEvents(prev as V1Pod | undefined, next as V1Pod | undefined).map((e: DerivedEvent) => `${e.type} ${e.object}`));
    },
    onFatal: (err) => {
      throw err;
    },
  });
  await tracker.start();
  cleanups.push(async () => tracker.stop());
  return { tracker, seen };
}

describe('ResourceTracker across dropped watches', () => {
  it('resumes from the last resourceVersion and replays what happened meanwhile', async () => {
    const { store, cluster } = await apiServer(1000);
    store.create('pods', pod('p1', true));
    store.create('pods', pod('p2', true));
    const g = gated(cluster);
    const { tracker, seen } = await track(g.cluster);
    g.close();
    tracker.dropWatch();
    blindChanges(store);
    g.open();
    // The ghost pod is replayed from history too: resuming loses nothing at all.
    await waitFor(() => seen.includes('pod-deleted pod/ghost'), 10_000, 'replayed events');
    expect(seen.filter((s) => !s.endsWith('/ghost')).sort()).toEqual(EXPECTED);
    expect(tracker.stats).toEqual({ resumes: 1, relists: 0 });
  });

  it('re-lists on 410 Expired and diffs against what it knew, so no transition is lost', async () => {
    const { store, cluster } = await apiServer(2);
    store.create('pods', pod('p1', true));
    store.create('pods', pod('p2', true));
    const g = gated(cluster);
    const { tracker, seen } = await track(g.cluster);
    g.close();
    tracker.dropWatch();
    blindChanges(store);
    g.open();
    await waitFor(() => tracker.stats.relists === 1, 10_000, 'a re-list');
    await waitFor(() => seen.length >= EXPECTED.length, 10_000, 'diffed events');
    expect([...seen].sort()).toEqual(EXPECTED);
    // And the watch goes on from the re-list.
    setReady(store, 'p1', true);
    await waitFor(() => seen.includes('pod-ready pod/p1'), 10_000, 'live events after the re-list');
  });

  it('keeps one stream when dropped again while its resume is still opening', async () => {
    const { store, cluster } = await apiServer(1000);
    store.create('pods', pod('p1', true));
    store.create('pods', pod('p2', true));
    const g = gated(cluster);
    const { tracker, seen } = await track(g.cluster);
    g.close();
    tracker.dropWatch();
    await waitFor(() => g.held().watch === 1, 10_000, 'the resume to be under way');
    // No watch is open: nothing to drop, and no second resume beside the first.
    tracker.dropWatch();
    await settle();
    const heldAfterDrop = g.held();
    blindChanges(store);
    g.open();
    await waitFor(() => seen.includes('pod-deleted pod/ghost'), 10_000, 'replayed events');
    setReady(store, 'p3', false);
    await waitFor(() => seen.includes('pod-not-ready pod/p3'), 10_000, 'a live event after the resume');
    await settle();
    // Two streams resumed from one version would report every change twice (and re-create deleted pods).
    expect(seen.filter((s) => !s.endsWith('/ghost')).sort()).toEqual([...EXPECTED, 'pod-not-ready pod/p3'].sort());
    expect(tracker.stats).toEqual({ resumes: 1, relists: 0 });
    expect(heldAfterDrop).toEqual({ watch: 1, list: 0 });
  });

  it('re-lists once on 410 when dropped again during the re-list, and reports each change once', async () => {
    const { store, cluster } = await apiServer(2);
    store.create('pods', pod('p1', true));
    store.create('pods', pod('p2', true));
    const g = gated(cluster);
    const { tracker, seen } = await track(g.cluster);
    g.close();
    tracker.dropWatch();
    await waitFor(() => g.held().watch === 1, 10_000, 'the resume to be under way');
    blindChanges(store);
    // Let the resume through (it gets 410 Expired) and hold the re-list that follows.
    g.open();
    g.close();
    await waitFor(() => g.held().list === 1, 10_000, 'the re-list to be under way');
    tracker.dropWatch();
    await settle();
    const heldAfterDrop = g.held();
    g.open();
    await waitFor(() => tracker.stats.relists >= 1, 10_000, 'a re-list');
    await waitFor(() => seen.length >= EXPECTED.length, 10_000, 'diffed events');
    setReady(store, 'p1', true);
    await waitFor(() => seen.includes('pod-ready pod/p1'), 10_000, 'live events after the re-list');
    await settle();
    expect([...seen].sort()).toEqual([...EXPECTED, 'pod-ready pod/p1'].sort());
    expect(tracker.stats).toEqual({ resumes: 1, relists: 1 });
    expect(heldAfterDrop).toEqual({ watch: 0, list: 1 });
  });

  it('resumes after every drop without losing a change', async () => {
    const { store, cluster } = await apiServer(1000);
    store.create('pods', pod('p1', true));
    const { tracker, seen } = await track(cluster);
    for (let i = 0; i < 3; i++) {
      tracker.dropWatch();
      setReady(store, 'p1', i % 2 === 1);
      await waitFor(() => seen.length === i + 1, 10_000, `event ${i}`);
    }
    expect(seen).toEqual(['pod-not-ready pod/p1', 'pod-ready pod/p1', 'pod-not-ready pod/p1']);
  });
});
