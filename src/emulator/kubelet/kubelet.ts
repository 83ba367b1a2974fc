import type { KObject, Store, StoreEvent } from '../api/store-types.js';
import { DEFAULT_RESTART_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { ImageMap } from './images.js';
import { LogBuffer } from './log-buffer.js';
import { PodAddressAllocator, type PodAddressing } from './pod-addressing.js';
import { PodWorker } from './pod-worker.js';

/** Options of {@link startKubelet}. */
export interface KubeletOptions {
  /** Pods whose spec.nodeName equals this run here. */
  nodeName: string;
  /** Image reference (or pattern ending in `*`) -> the local command standing in for it. */
  images: ImageMap;
  /** Leading octets of the pod IPs (loopback-ip addressing), default `127.10`. Give each node its own. */
  podCIDRPrefix?: string;
  /** `loopback-ip` (default on Linux): an IP per pod; `port` (default elsewhere): 127.0.0.1 with kubelet-chosen ports. */
  podAddressing?: PodAddressing;
  /** Container restart back-off; upstream 10 s doubling to 5 min. Tests shorten it. */
  restartBackoff?: BackoffPolicy;
  /** The node's IP as pods see it (status.hostIP), default 127.0.0.1. */
  hostIP?: string;
  /** Most characters of output kept per container, default 1 MiB. */
  logLimitChars?: number;
  log?: (m: string) => void;
}

/** A container's output, as `kubectl logs` reads it. */
export interface PodLogView {
  text(): string;
  follow(onChunk: (s: string) => void): () => void;
}

/** A running kubelet. */
export interface Kubelet {
  /** Kills every pod process group (SIGTERM, SIGKILL after a short grace) and waits for them. */
  stop(): Promise<void>;
  /**
   * A container's output (all instances of it, oldest first). `container` defaults to the first
   * container. Output of removed pods stays readable for a while (the newest 256 pods).
   */
  podLog(namespace: string, pod: string, container?: string): PodLogView | undefined;
}

const KEPT_POD_LOGS = 256;
const STOP_GRACE_MS = 500;

/**
 * Starts a kubelet for one node: it watches the pods bound to the node and runs each container as
 * a local process group (see {@link PodWorker} for the lifecycle), keeping pod status true.
 */
export function startKubelet(store: Store, opts: KubeletOptions): Kubelet {
  const log = opts.log ?? (() => undefined);
  const addressing: PodAddressing = opts.podAddressing ?? (process.platform === 'linux' ? 'loopback-ip' : 'port');
  const allocator = new PodAddressAllocator(addressing, opts.podCIDRPrefix ?? '127.10');
  const workers = new Map<string, PodWorker>();
  const logs = new Map<string, { uid: string; containers: Map<string, LogBuffer>; first: string | undefined }>();
  let stopped = false;

  const logBuffer = (namespace: string, pod: string, uid: string, container: string): LogBuffer => {
    const k = `${namespace}/${pod}`;
    let entry = logs.get(k);
    if (!entry || entry.uid !== uid) {
      logs.delete(k);
      entry = { uid, containers: new Map(), first: undefined };
      logs.set(k, entry);
      while (logs.size > KEPT_POD_LOGS) {
        const oldest = logs.keys().next().value;
        if (oldest === undefined) break;
        logs.delete(oldest);
      }
    }
    let b = entry.containers.get(container);
    if (!b) {
      b = new LogBuffer(opts.logLimitChars);
      entry.containers.set(container, b);
    }
    return b;
  };

  const ctx = {
    store,
    nodeName: opts.nodeName,
    hostIP: opts.hostIP ?? '127.0.0.1',
    images: opts.images,
    allocator,
    backoff: opts.restartBackoff ?? DEFAULT_RESTART_BACKOFF,
    basePath: process.env['PATH'],
    log,
    logBuffer,
  };

  const handle = (type: StoreEvent['type'], pod: KObject): void => {
    if (stopped) return;
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    const existing = workers.get(uid);
    if (type === 'DELETED') {
      existing?.deleted();
      return;
    }
    if (existing) {
      existing.update(pod);
      return;
    }
    if (pod.spec?.nodeName !== opts.nodeName) return;
    const phase: unknown = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (pod.metadata.deletionTimestamp !== undefined) {
      // Never started here: nothing to stop, so the kubelet lets the deletion finish at once.
      try {
        store.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0 });
      } catch {
        // gone already
      }
      return;
    }
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    // Containers exist in the log map before they print, so podLog() works from the start.
    for (const c of (pod.spec?.containers ?? []) as Array<{ name?: string }>) logBuffer(ns, name, uid, String(c.name ?? ''));
    const w = new PodWorker(pod, ctx);
    workers.set(uid, w);
    void w.finished.then(() => {
      if (workers.get(uid) === w) workers.delete(uid);
    });
    log(`kubelet ${opts.nodeName}: starting pod ${ns}/${name}`);
    void w.start();
  };

  const { items, resourceVersion } = store.list('pods', undefined);
  for (const p of items) handle('ADDED', p);
  const unwatch = store.watch('pods', undefined, Number(resourceVersion), (e) => {
    // Defer: the store calls listeners synchronously inside writes (some of them our own).
    queueMicrotask(() => handle(e.type, e.object));
  });

  return {
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      unwatch();
      await Promise.all([...workers.values()].map((w) => w.stop(STOP_GRACE_MS)));
      workers.clear();
    },
    podLog(namespace: string, pod: string, container?: string): PodLogView | undefined {
      const entry = logs.get(`${namespace}/${pod}`);
      if (!entry) return undefined;
      const b = container === undefined ? entry.containers.values().next().value : entry.containers.get(container);
      if (!b) return undefined;
      return { text: () => b.text(), follow: (f) => b.follow(f) };
    },
  };
}
