import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, expired, notFound, tooLargeResourceVersion } from './api-error.js';
import { applyDefaults } from './defaults.js';
import { apiVersionOf, resourceInfo, type ResourceInfo } from './resources.js';
import { compileSelector, matchesSelector, type Selector } from './selectors.js';
import type { KObject, ListOptions, Store, StoreEvent, WatchEventType } from './store-types.js';
import { validateObject } from './validation.js';

/** Options of the in-memory store. */
export interface MemoryStoreOptions {
  /** Name of the one Node object created at start (default `zerodrop-node`). */
  nodeName?: string;
  /** Events kept per resource for watches that resume from a resourceVersion (default 1000). */
  historySize?: number;
  /** Wall clock for timestamps (injectable for tests). */
  now?: () => Date;
  /** Called when a watch listener throws; the write that triggered it still succeeds. */
  onListenerError?: (err: unknown) => void;
}

/** Extra options of writes beyond the Store contract, as the HTTP server passes them. */
export interface WriteOptions {
  /** Validate and default, but do not persist (`?dryRun=All`). */
  dryRun?: boolean;
}

/** Options of delete beyond the Store contract. */
export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  /** Background (default) and Foreground delete dependents; Orphan strips their ownerReferences. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

interface HistoryEntry {
  event: StoreEvent;
  /**
   * The object before a MODIFIED (so filtered watches can see it enter or leave their selector)
   * or a DELETED (so lists can be rebuilt at an older resourceVersion).
   */
  prev: KObject | undefined;
}

/** What listChunk reads: the selectors, the version, where to start and how many. */
export interface ChunkOptions extends ListOptions {
  /** Read the objects as they were at this resourceVersion (default: now); 410 Expired when the history no longer reaches it. */
  at?: number;
  /** First store key (`namespace/name`) to return; keys sort as list sorts them. */
  start?: string;
  /** Most items to return (0 or undefined: all). */
  limit?: number;
}

/** One page of a list. */
export interface ListChunk {
  items: KObject[];
  resourceVersion: string;
  /** Key the next page starts at; undefined on the last page. */
  next: string | undefined;
  /** Items left after this page (counted only without selectors, as upstream does). */
  remaining: number | undefined;
}

interface Listener {
  namespace: string | undefined;
  selector: Selector;
  fn: (e: StoreEvent) => void;
  lastRV: number;
  closed: boolean;
}

interface Table {
  info: ResourceInfo;
  objects: Map<string, KObject>;
  history: HistoryEntry[];
  /** resourceVersion of the newest event dropped from history (0: nothing dropped). */
  compactedRV: number;
  listeners: Set<Listener>;
}

const CLUSTER_IP_PREFIX = '127.200.';
const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function clone<T>(v: T): T {
  return structuredClone(v);
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function k8sTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stripRV(o: KObject): string {
  const c = { ...o, metadata: { ...o.metadata } };
  delete c.metadata.resourceVersion;
  return JSON.stringify(c);
}

/**
 * The emulator's object store: one global resourceVersion counter, deep copies in and out,
 * optimistic concurrency, generation bumps on spec changes, graceful pod deletion, garbage
 * collection through ownerReferences, and watches replayed from a bounded per-resource history.
 * Listeners are called synchronously after each write, in resourceVersion order, even when a
 * listener writes in turn.
 */
export class MemoryStore implements Store {
  private rv = 0;
  private readonly tables = new Map<string, Table>();
  private readonly historySize: number;
  private readonly now: () => Date;
  private readonly onListenerError: (err: unknown) => void;
  private readonly queue: Array<{ table: Table; entry: HistoryEntry }> = [];
  private dispatching = false;
  private readonly usedClusterIPs = new Set<string>();
  // A random start keeps two emulators on one machine (parallel tests) off each other's ClusterIPs,
  // which share the kernel's NAT table.
  private nextClusterIP = 1 + Math.floor(Math.random() * 65534);
  /** Name of the emulator's one Node. */
  readonly nodeName: string;

  constructor(opts: MemoryStoreOptions = {}) {
    this.historySize = Math.max(1, opts.historySize ?? 1000);
    this.now = opts.now ?? (() => new Date());
    this.onListenerError = opts.onListenerError ?? (() => {});
    this.nodeName = opts.nodeName ?? 'zerodrop-node';
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } }, spec: {} });
    }
    const now = k8sTime(this.now());
    this.create('nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' } },
      spec: {},
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'zerodrop emulated kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: this.nodeName },
        ],
        capacity: { cpu: '8', memory: '16Gi', pods: '250' },
        allocatable: { cpu: '8', memory: '16Gi', pods: '250' },
        nodeInfo: { kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'zerodrop://0.1.0', osImage: 'zerodrop emulator', kernelVersion: '', machineID: '', systemUUID: '', bootID: '' },
      },
    });
  }

  private table(resource: string): Table {
    let t = this.tables.get(resource);
    if (t === undefined) {
      const info = resourceInfo(resource);
      if (info === undefined) throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${resource})`);
      t = { info, objects: new Map(), history: [], compactedRV: 0, listeners: new Set() };
      this.tables.set(resource, t);
    }
    return t;
  }

  private ns(t: Table, namespace: string | undefined): string | undefined {
    return t.info.namespaced ? namespace || 'default' : undefined;
  }

  /** The current global resourceVersion. */
  currentResourceVersion(): number {
    return this.rv;
  }

  /** A deep copy of one object, or undefined. */
  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const t = this.table(resource);
    const o = t.objects.get(key(this.ns(t, namespace), name));
    return o === undefined ? undefined : clone(o);
  }

  /** Deep copies of the objects in a namespace (or all, when undefined) passing the selectors, sorted by namespace/name. */
  list(resource: string, namespace: string | undefined, opts?: ListOptions): { items: KObject[]; resourceVersion: string } {
    const t = this.table(resource);
    const sel = compileSelector(opts);
    const items: KObject[] = [];
    const keys = [...t.objects.keys()].sort();
    for (const k of keys) {
      const o = t.objects.get(k);
      if (o === undefined) continue;
      if (t.info.namespaced && namespace !== undefined && namespace !== '' && o.metadata.namespace !== namespace) continue;
      if (!matchesSelector(sel, o)) continue;
      items.push(clone(o));
    }
    return { items, resourceVersion: String(this.rv) };
  }

  /**
   * One page of a list, read at a resourceVersion: the current objects with the history undone
   * back to `at` (ADDED removed, MODIFIED and DELETED put back as they were). Sorted by key; a
   * `limit` counts the objects that pass the selectors, as etcd's paging does.
   */
  listChunk(resource: string, namespace: string | undefined, opts: ChunkOptions = {}): ListChunk {
    const t = this.table(resource);
    const sel = compileSelector(opts);
    const at = opts.at ?? this.rv;
    if (at > this.rv) throw tooLargeResourceVersion(at, this.rv);
    let objects: Map<string, KObject> = t.objects;
    if (at < this.rv) {
      if (at < t.compactedRV) throw new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
      objects = new Map(t.objects);
      for (let i = t.history.length - 1; i >= 0; i--) {
        const entry = t.history[i];
        if (entry === undefined || entry.event.resourceVersion <= at) break;
        const o = entry.event.object;
        const k = key(o.metadata.namespace, o.metadata.name ?? '');
        if (entry.event.type === 'ADDED') objects.delete(k);
        else if (entry.prev !== undefined) objects.set(k, entry.prev);
      }
    }
    const keys = [...objects.keys()].filter((k) => opts.start === undefined || k >= opts.start).sort();
    const items: KObject[] = [];
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    let next: string | undefined;
    let i = 0;
    for (; i < keys.length; i++) {
      const k = keys[i] as string;
      const o = objects.get(k);
      if (o === undefined) continue;
      if (t.info.namespaced && namespace !== undefined && namespace !== '' && o.metadata.namespace !== namespace) continue;
      if (!matchesSelector(sel, o)) continue;
      if (items.length === limit) {
        next = k;
        break;
      }
      items.push(clone(o));
    }
    let remaining: number | undefined;
    if (next !== undefined && sel.labels.length === 0 && sel.fields.length === 0) {
      remaining = keys.slice(i).filter((k) => {
        const o = objects.get(k);
        return o !== undefined && (!t.info.namespaced || namespace === undefined || namespace === '' || o.metadata.namespace === namespace);
      }).length;
    }
    return { items, resourceVersion: String(at), next, remaining };
  }

  private allocateClusterIP(): string {
    for (let i = 0; i < 65534; i++) {
      const n = ((this.nextClusterIP - 1 + i) % 65534) + 1;
      const ip = `${CLUSTER_IP_PREFIX}${n >> 8}.${n & 255}`;
      if (!this.usedClusterIPs.has(ip)) {
        this.nextClusterIP = (n % 65534) + 1;
        return ip;
      }
    }
    throw new ApiError(500, 'InternalError', 'no ClusterIP left in 127.200.0.0/16');
  }

  /** Creates an object; see the Store contract. Also allocates Service ClusterIPs from 127.200.0.0/16. */
  create(resource: string, obj: KObject, opts: WriteOptions = {}): KObject {
    const t = this.table(resource);
    const o = clone(obj);
    o.metadata = o.metadata ?? {};
    o.apiVersion = apiVersionOf(t.info);
    o.kind = t.info.kind;
    const meta = o.metadata;
    const ns = this.ns(t, meta.namespace);
    if (ns === undefined) delete meta.namespace;
    else {
      meta.namespace = ns;
      if (!this.table('namespaces').objects.has(key(undefined, ns))) throw notFound('namespaces', '', ns);
    }
    if ((meta.name === undefined || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      for (let attempt = 0; attempt < 20; attempt++) {
        let suffix = '';
        for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
        meta.name = `${meta.generateName}${suffix}`;
        if (!t.objects.has(key(ns, meta.name))) break;
      }
    }
    for (const f of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields']) delete meta[f];
    applyDefaults(resource, o);
    validateObject(t.info, o);
    const name = meta.name as string;
    if (t.objects.has(key(ns, name))) throw alreadyExists(resource, t.info.group, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = k8sTime(this.now());
    if (t.info.hasSpec) meta.generation = 1;
    if (resource === 'services' && o.spec !== undefined) {
      const want: unknown = o.spec.clusterIP;
      if (want === 'None') o.spec.clusterIPs = ['None'];
      else if (typeof want === 'string' && want !== '') {
        if (this.usedClusterIPs.has(want)) {
          throw new ApiError(422, 'Invalid', `Service "${name}" is invalid: spec.clusterIPs: Invalid value: ["${want}"]: failed to allocate IP ${want}: provided IP is already allocated`, {
            name,
            kind: 'Service',
            causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ["${want}"]: provided IP is already allocated`, field: 'spec.clusterIPs' }],
          });
        }
        o.spec.clusterIPs = [want];
      } else if (o.spec.type !== 'ExternalName') {
        o.spec.clusterIP = opts.dryRun ? `${CLUSTER_IP_PREFIX}0.0` : this.allocateClusterIP();
        o.spec.clusterIPs = [o.spec.clusterIP];
      }
      if (o.spec.clusterIP !== 'None' && o.spec.type !== 'ExternalName') {
        o.spec.ipFamilies ??= ['IPv4'];
        o.spec.ipFamilyPolicy ??= 'SingleStack';
      }
      o.status ??= { loadBalancer: {} };
    }
    if (opts.dryRun) return o;
    if (resource === 'services' && typeof o.spec?.clusterIP === 'string' && o.spec.clusterIP !== 'None') this.usedClusterIPs.add(o.spec.clusterIP);
    meta.resourceVersion = String(++this.rv);
    t.objects.set(key(ns, name), o);
    this.emit(t, 'ADDED', o, undefined);
    return clone(o);
  }

  /** Replaces an object; see the Store contract. */
  update(resource: string, obj: KObject, opts: { subresource?: 'status' } & WriteOptions = {}): KObject {
    const t = this.table(resource);
    const ns = this.ns(t, obj.metadata?.namespace);
    const name = obj.metadata?.name ?? '';
    const old = t.objects.get(key(ns, name));
    if (old === undefined) throw notFound(resource, t.info.group, name);
    const wantRV = obj.metadata?.resourceVersion;
    if (wantRV !== undefined && wantRV !== '' && wantRV !== old.metadata.resourceVersion) throw conflict(resource, t.info.group, name);
    let n: KObject;
    if (opts.subresource === 'status') {
      n = clone(old);
      n.status = clone(obj.status);
    } else {
      n = clone(obj);
      n.metadata = n.metadata ?? {};
      n.apiVersion = old.apiVersion;
      n.kind = old.kind;
      if (t.info.subresources.includes('status')) {
        if (old.status === undefined) delete n.status;
        else n.status = clone(old.status);
      }
      const keep = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace', 'name'] as const;
      for (const f of keep) {
        if (old.metadata[f] === undefined) delete n.metadata[f];
        else (n.metadata as Record<string, unknown>)[f] = old.metadata[f];
      }
      if (resource === 'services' && n.spec !== undefined && old.spec !== undefined) {
        if (n.spec.clusterIP === undefined || n.spec.clusterIP === '') n.spec.clusterIP = old.spec.clusterIP;
        if (n.spec.clusterIPs === undefined) n.spec.clusterIPs = old.spec.clusterIPs;
        n.spec.ipFamilies ??= old.spec.ipFamilies;
        n.spec.ipFamilyPolicy ??= old.spec.ipFamilyPolicy;
      }
      applyDefaults(resource, n);
      validateObject(t.info, n, old);
      if (t.info.hasSpec) {
        const specChanged = JSON.stringify(n.spec) !== JSON.stringify(old.spec);
        const annotationsChanged = resource === 'deployments' && JSON.stringify(n.metadata.annotations ?? {}) !== JSON.stringify(old.metadata.annotations ?? {});
        if (specChanged || annotationsChanged) n.metadata.generation = (old.metadata.generation ?? 0) + 1;
      }
    }
    n.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
    if (stripRV(n) === stripRV(old)) return clone(old);
    if (opts.dryRun) return n;
    n.metadata.resourceVersion = String(++this.rv);
    t.objects.set(key(ns, name), n);
    this.emit(t, 'MODIFIED', n, old);
    if (n.metadata.deletionTimestamp !== undefined && (n.metadata.finalizers ?? []).length === 0 && (resource !== 'pods' || n.metadata.deletionGracePeriodSeconds === 0)) {
      this.remove(t, n, 'Background');
    }
    return clone(n);
  }

  /** Deletes an object; see the Store contract. Returns the object as deleted (or as marked for deletion). */
  delete(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject | undefined {
    const t = this.table(resource);
    const ns = this.ns(t, namespace);
    const old = t.objects.get(key(ns, name));
    if (old === undefined) throw notFound(resource, t.info.group, name);
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== old.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`);
    }
    const policy = opts.propagationPolicy ?? 'Background';
    let grace = 0;
    if (resource === 'pods') {
      grace = opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30;
      const phase: unknown = old.status?.phase;
      if (!old.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') grace = 0;
      grace = Math.max(0, Math.floor(grace));
    }
    const hasFinalizers = (old.metadata.finalizers ?? []).length > 0;
    if (grace > 0 || hasFinalizers) {
      const prevGrace = old.metadata.deletionGracePeriodSeconds;
      if (old.metadata.deletionTimestamp !== undefined && prevGrace !== undefined && prevGrace <= grace) return clone(old);
      const n = clone(old);
      n.metadata.deletionTimestamp = k8sTime(new Date(this.now().getTime() + grace * 1000));
      n.metadata.deletionGracePeriodSeconds = grace;
      if (opts.dryRun) return n;
      n.metadata.resourceVersion = String(++this.rv);
      t.objects.set(key(ns, name), n);
      this.emit(t, 'MODIFIED', n, old);
      return clone(n);
    }
    if (opts.dryRun) return clone(old);
    return this.remove(t, old, policy);
  }

  /** Deletes every object of a namespace (or all) passing the selectors; returns what was deleted. */
  deleteCollection(resource: string, namespace: string | undefined, opts: ListOptions & DeleteOptions = {}): KObject[] {
    const { items } = this.list(resource, namespace, opts);
    const out: KObject[] = [];
    for (const o of items) {
      try {
        const d = this.delete(resource, o.metadata.namespace, o.metadata.name ?? '', opts);
        if (d !== undefined) out.push(d);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    return out;
  }

  private remove(t: Table, old: KObject, policy: DeleteOptions['propagationPolicy']): KObject {
    const ns = old.metadata.namespace;
    const name = old.metadata.name ?? '';
    t.objects.delete(key(ns, name));
    if (t.info.plural === 'services' && typeof old.spec?.clusterIP === 'string') this.usedClusterIPs.delete(old.spec.clusterIP);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    // The object as it was before is kept, so a list can be rebuilt at an older resourceVersion.
    this.emit(t, 'DELETED', gone, old);
    this.collectGarbage(gone, policy);
    return clone(gone);
  }

  /** Deletes (or orphans) the dependents of a removed object; a removed namespace takes its contents. */
  private collectGarbage(owner: KObject, policy: DeleteOptions['propagationPolicy']): void {
    const uid = owner.metadata.uid;
    for (const dt of [...this.tables.values()]) {
      for (const o of [...dt.objects.values()]) {
        if (owner.kind === 'Namespace' && dt.info.namespaced && o.metadata.namespace === owner.metadata.name) {
          this.tryDelete(dt.info.plural, o, {});
          continue;
        }
        const refs = o.metadata.ownerReferences;
        if (uid === undefined || refs === undefined || !refs.some((r) => r.uid === uid)) continue;
        if (policy === 'Orphan') {
          const n = clone(o);
          n.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
          if (n.metadata.ownerReferences.length === 0) delete n.metadata.ownerReferences;
          try {
            this.update(dt.info.plural, n);
          } catch {
            /* the dependent changed or went away meanwhile: nothing to orphan */
          }
        } else if (refs.every((r) => r.uid === uid || !this.ownerExists(r.uid))) {
          this.tryDelete(dt.info.plural, o, {});
        }
      }
    }
  }

  private ownerExists(uid: string): boolean {
    for (const t of this.tables.values()) for (const o of t.objects.values()) if (o.metadata.uid === uid) return true;
    return false;
  }

  private tryDelete(resource: string, o: KObject, opts: DeleteOptions): void {
    try {
      this.delete(resource, o.metadata.namespace, o.metadata.name ?? '', opts);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
  }

  /** Subscribes to changes; see the Store contract. Without fromResourceVersion, only changes after this call are delivered. */
  watch(resource: string, namespace: string | undefined, fromResourceVersion: number | undefined, listener: (e: StoreEvent) => void, opts?: ListOptions): () => void {
    const t = this.table(resource);
    const selector = compileSelector(opts);
    if (fromResourceVersion !== undefined && fromResourceVersion < t.compactedRV) throw expired(fromResourceVersion, t.compactedRV);
    const l: Listener = {
      namespace: t.info.namespaced && namespace !== '' ? namespace : undefined,
      selector,
      fn: listener,
      lastRV: fromResourceVersion ?? this.rv,
      closed: false,
    };
    if (fromResourceVersion !== undefined) {
      for (const entry of t.history) if (entry.event.resourceVersion > fromResourceVersion) this.deliver(l, entry);
    }
    t.listeners.add(l);
    return () => {
      l.closed = true;
      t.listeners.delete(l);
    };
  }

  private emit(t: Table, type: WatchEventType, obj: KObject, prev: KObject | undefined): void {
    const entry: HistoryEntry = { event: { type, resource: t.info.plural, object: obj, resourceVersion: this.rv }, prev };
    t.history.push(entry);
    while (t.history.length > this.historySize) {
      const dropped = t.history.shift();
      if (dropped !== undefined) t.compactedRV = dropped.event.resourceVersion;
    }
    this.queue.push({ table: t, entry });
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        for (const l of [...item.table.listeners]) this.deliver(l, item.entry);
      }
    } finally {
      this.dispatching = false;
    }
  }

  private deliver(l: Listener, entry: HistoryEntry): void {
    const { event, prev } = entry;
    if (l.closed || event.resourceVersion <= l.lastRV) return;
    l.lastRV = event.resourceVersion;
    const obj = event.object;
    const inNs = (o: KObject): boolean => l.namespace === undefined || o.metadata.namespace === l.namespace;
    const matches = (o: KObject | undefined): boolean => o !== undefined && inNs(o) && matchesSelector(l.selector, o);
    let type: WatchEventType | undefined;
    if (event.type === 'MODIFIED') {
      const now = matches(obj);
      const before = matches(prev);
      type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    } else if (matches(obj)) type = event.type;
    if (type === undefined) return;
    try {
      l.fn({ type, resource: event.resource, object: clone(obj), resourceVersion: event.resourceVersion });
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
