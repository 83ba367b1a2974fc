import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import type { KObject, Store } from '../../../../src/emulator/api/store-types.js';
import { rfc3339 } from '../../../../src/emulator/controllers/deployment-status.js';
import { startControllers } from '../../../../src/emulator/controllers/index.js';
import { controllerOf, isPodReady } from '../../../../src/emulator/controllers/pod-util.js';

/* Test scaffolding for controller-level integration tests: a MemoryStore, the real controllers and
 * a tiny fake "kubelet" that marks scheduled pods Running/Ready after a delay and removes deleted
 * pods after another (it stands in for the kubelet module, which runs real processes). */

/** Options of the fake kubelet. */
export interface FakeKubeletOptions {
  /** ms from scheduling to Running + Ready (a random jitter of up to half is added). */
  readyAfterMs?: number;
  /** ms from deletionTimestamp to the pod object's removal. */
  goneAfterMs?: number;
  /** Pods for which this returns true run but never become Ready. */
  neverReady?: (pod: KObject) => boolean;
  /** The store the controllers see (e.g. one that fails some writes); the fake kubelet sees the real one. */
  controllerStore?: (store: MemoryStore) => Store;
}

/** A store, running controllers and a fake kubelet; stop() ends them all. */
export interface Cluster {
  store: MemoryStore;
  logs: string[];
  stop(): Promise<void>;
}

/** Starts a store (or uses the one given), the controllers and the fake kubelet. */
export function startCluster(opts: FakeKubeletOptions = {}, given?: MemoryStore): Cluster {
  const logs: string[] = [];
  const store = given ?? new MemoryStore({ onListenerError: (err) => logs.push(`listener error: ${String(err)}`) });
  const controllers = startControllers(opts.controllerStore?.(store) ?? store, { log: (m) => logs.push(m) });
  const stopKubelet = fakeKubelet(store, opts);
  return {
    store,
    logs,
    async stop() {
      stopKubelet();
      await controllers.stop();
    },
  };
}

function fakeKubelet(store: MemoryStore, opts: FakeKubeletOptions): () => void {
  const readyAfter = opts.readyAfterMs ?? 20;
  const goneAfter = opts.goneAfterMs ?? 30;
  const started = new Set<string>();
  const deleting = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let ip = 0;
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      try {
        fn();
      } catch {
        /* the pod changed or went away meanwhile */
      }
    }, ms);
    timers.add(t);
  };
  const unwatch = store.watch('pods', undefined, undefined, (e) => {
    const pod = e.object;
    const uid = pod.metadata.uid ?? '';
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name ?? '';
    if (e.type === 'DELETED') return;
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (deleting.has(uid)) return;
      deleting.add(uid);
      later(goneAfter, () => store.delete('pods', ns, name, { gracePeriodSeconds: 0 }));
      return;
    }
    if (!pod.spec?.nodeName || started.has(uid)) return;
    started.add(uid);
    later(readyAfter + Math.random() * (readyAfter / 2), () => {
      const cur = store.get('pods', ns, name);
      if (cur === undefined || cur.metadata.uid !== uid || cur.metadata.deletionTimestamp !== undefined) return;
      const ready = opts.neverReady?.(cur) !== true;
      const now = rfc3339(Date.now());
      const conds = (cur.status?.conditions ?? []).filter((c: { type: string }) => c.type === 'PodScheduled');
      cur.status = {
        ...cur.status,
        phase: 'Running',
        podIP: `127.1.${(++ip >> 8) & 255}.${ip & 255}`,
        startTime: now,
        conditions: [
          ...conds,
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
          { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
        ],
      };
      store.update('pods', cur, { subresource: 'status' });
    });
  });
  return () => {
    unwatch();
    for (const t of timers) clearTimeout(t);
  };
}

/** A Deployment of `replicas` pods labelled app=<name>, running image `image`. */
export function deployment(name: string, replicas: number, strategy: Record<string, unknown>, image = 'app:v1', extraSpec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy,
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      ...extraSpec,
    },
  };
}

/** Replaces the first container's image (a new pod template: a rollout). */
export function setImage(store: MemoryStore, name: string, image: string): void {
  const d = store.get('deployments', 'default', name);
  if (d === undefined) throw new Error(`no deployment ${name}`);
  d.spec.template.spec.containers[0].image = image;
  store.update('deployments', d);
}

/** Applies a change to a Deployment's stored object. */
export function patchDeployment(store: MemoryStore, name: string, change: (d: KObject) => void): KObject {
  const d = store.get('deployments', 'default', name);
  if (d === undefined) throw new Error(`no deployment ${name}`);
  change(d);
  return store.update('deployments', d);
}

/** Polls until fn() is truthy, or fails after timeoutMs with the description. */
export async function waitFor<T>(fn: () => T | undefined | false | null, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** kubectl rollout status' verdict: 'complete', 'failed' or the waiting message. */
export function rolloutStatus(d: KObject): string {
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (st.observedGeneration ?? 0)) return 'waiting for the rollout to be observed';
  const prog = (st.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
  if (prog?.reason === 'ProgressDeadlineExceeded') return 'failed';
  const want = d.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  if (updated < want) return `${updated} out of ${want} new replicas have been updated`;
  if ((st.replicas ?? 0) > updated) return `${(st.replicas ?? 0) - updated} old replicas are pending termination`;
  if ((st.availableReplicas ?? 0) < updated) return `${st.availableReplicas ?? 0} of ${updated} updated replicas are available`;
  return 'complete';
}

/** Waits until `kubectl rollout status` would say the rollout is complete. */
export async function waitForComplete(store: MemoryStore, name: string, timeoutMs = 15_000): Promise<KObject> {
  return waitFor(
    () => {
      const d = store.get('deployments', 'default', name);
      return d !== undefined && rolloutStatus(d) === 'complete' ? d : undefined;
    },
    `rollout of ${name} to complete`,
    timeoutMs,
  );
}

/** The revision a ReplicaSet was created with (the first of its history). */
function firstRevision(rs: KObject): number {
  const ann = rs.metadata.annotations ?? {};
  const first = (ann['deployment.kubernetes.io/revision-history'] ?? '').split(',')[0];
  return Number(first !== undefined && first !== '' ? first : (ann['deployment.kubernetes.io/revision'] ?? 0));
}

/** The ReplicaSets a Deployment controls, oldest first (timestamps have second precision: by first revision). */
export function replicaSetsOf(store: MemoryStore, d: KObject): KObject[] {
  return store
    .list('replicasets', 'default')
    .items.filter((rs) => controllerOf(rs)?.uid === d.metadata.uid)
    .sort((a, b) => firstRevision(a) - firstRevision(b));
}

/** The pods whose controller is one of these ReplicaSets. */
export function podsOf(store: MemoryStore, rsUids: ReadonlySet<string>): KObject[] {
  return store.list('pods', 'default').items.filter((p) => rsUids.has(controllerOf(p)?.uid ?? ''));
}

/** Ready and not terminating. */
export function servingPod(p: KObject): boolean {
  return isPodReady(p) && p.metadata.deletionTimestamp === undefined;
}
