import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, conflict, notFound } from './api-error.js';
import { ClusterIPAllocator } from './cluster-ip-allocator.js';
import { applyDefaults } from './defaults.js';
import { collectGarbage } from './garbage-collector.js';
import { apiVersionOf, resourceInfo } from './resources.js';
import { listTable, readChunk, type ChunkOptions, type ListChunk } from './store-list.js';
import type { DeleteOptions, MemoryStoreOptions, WriteOptions } from './store-options.js';
import { INITIAL_NAMESPACES, seedNamespace, seedNode } from './store-seed.js';
import { clone, k8sTime, key, stripRV, type Table } from './store-table.js';
import type { KObject, ListOptions, Store, StoreEvent, WatchEventType } from './store-types.js';
import { validateObject } from './validation.js';
import { WatchFanOut } from './watch-fanout.js';

export type { ChunkOptions, ListChunk } from './store-list.js';
export type { DeleteOptions, MemoryStoreOptions, WriteOptions } from './store-options.js';
export { k8sTime } from './store-table.js';

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The emulator's object store: one global resourceVersion counter, deep copies in and out,
 * optimistic concurrency, generation bumps on spec changes, graceful pod deletion, garbage
 * collection through ownerReferences (garbage-collector.ts), and watches replayed from a bounded
 * per-resource history (watch-fanout.ts). Listeners are called synchronously after each write, in
 * resourceVersion order, even when a listener writes in turn. Paged lists are in store-list.ts,
 * Service ClusterIPs in cluster-ip-allocator.ts.
 */
export class MemoryStore implements Store {
  private rv = 0;
  private readonly tables = new Map<string, Table>();
  private readonly now: () => Date;
  private readonly fanOut: WatchFanOut;
  private readonly clusterIPs = new ClusterIPAllocator();
  private readonly admissions = new Set<(resource: string, obj: KObject) => void>();
  /** Name of the emulator's one Node. */
  readonly nodeName: string;

  constructor(opts: MemoryStoreOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.fanOut = new WatchFanOut(Math.max(1, opts.historySize ?? 1000), opts.onListenerError ?? (() => {}));
    this.nodeName = opts.nodeName ?? 'zerodrop-node';
    for (const ns of INITIAL_NAMESPACES) this.create('namespaces', seedNamespace(ns));
    this.create('nodes', seedNode(this.nodeName, k8sTime(this.now())));
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

  /**
   * Adds a mutating admission step run on every create after the defaults, as a mutating webhook
   * runs (e.g. the load balancer controller's readiness gate injection); returns its removal.
   */
  addAdmission(admit: (resource: string, obj: KObject) => void): () => void {
    this.admissions.add(admit);
    return () => this.admissions.delete(admit);
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
    return { items: listTable(t, namespace, opts), resourceVersion: String(this.rv) };
  }

  /**
   * One page of a list, read at a resourceVersion: the current objects with the history undone
   * back to `at` (ADDED removed, MODIFIED and DELETED put back as they were). Sorted by key; a
   * `limit` counts the objects that pass the selectors, as etcd's paging does.
   */
  listChunk(resource: string, namespace: string | undefined, opts: ChunkOptions = {}): ListChunk {
    return readChunk(this.table(resource), namespace, opts, this.rv);
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
    for (const admit of this.admissions) admit(resource, o);
    validateObject(t.info, o);
    const name = meta.name as string;
    if (t.objects.has(key(ns, name))) throw alreadyExists(resource, t.info.group, name);
    meta.uid = randomUUID();
    meta.creationTimestamp = k8sTime(this.now());
    if (t.info.hasSpec) meta.generation = 1;
    if (resource === 'services') this.clusterIPs.assignServiceIPs(o, name, opts.dryRun);
    if (opts.dryRun) return o;
    if (resource === 'services' && typeof o.spec?.clusterIP === 'string' && o.spec.clusterIP !== 'None') this.clusterIPs.add(o.spec.clusterIP);
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
    if (t.info.plural === 'services' && typeof old.spec?.clusterIP === 'string') this.clusterIPs.release(old.spec.clusterIP);
    const gone = clone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    // The object as it was before is kept, so a list can be rebuilt at an older resourceVersion.
    this.emit(t, 'DELETED', gone, old);
    collectGarbage(this.tables, this, gone, policy);
    return clone(gone);
  }

  /** Subscribes to changes; see the Store contract. Without fromResourceVersion, only changes after this call are delivered. */
  watch(resource: string, namespace: string | undefined, fromResourceVersion: number | undefined, listener: (e: StoreEvent) => void, opts?: ListOptions): () => void {
    return this.fanOut.subscribe(this.table(resource), namespace, fromResourceVersion, this.rv, listener, opts);
  }

  private emit(t: Table, type: WatchEventType, obj: KObject, prev: KObject | undefined): void {
    this.fanOut.emit(t, type, obj, prev, this.rv);
  }
}
