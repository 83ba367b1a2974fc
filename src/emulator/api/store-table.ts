import type { ResourceInfo } from './resources.js';
import type { Selector } from './selectors.js';
import type { KObject, StoreEvent } from './store-types.js';

/** One stored change, as watches replay it and lists at an older resourceVersion undo it. */
export interface HistoryEntry {
  event: StoreEvent;
  /**
   * The object before a MODIFIED (so filtered watches can see it enter or leave their selector)
   * or a DELETED (so lists can be rebuilt at an older resourceVersion).
   */
  prev: KObject | undefined;
}

/** One watch subscription on a resource. */
export interface Listener {
  namespace: string | undefined;
  selector: Selector;
  fn: (e: StoreEvent) => void;
  /** resourceVersion of the last event delivered (or skipped), so none is delivered twice. */
  lastRV: number;
  closed: boolean;
}

/** The objects of one resource, with its bounded event history and its watchers. */
export interface Table {
  info: ResourceInfo;
  objects: Map<string, KObject>;
  history: HistoryEntry[];
  /** resourceVersion of the newest event dropped from history (0: nothing dropped). */
  compactedRV: number;
  listeners: Set<Listener>;
}

/** A deep copy: the store hands out and takes in copies only. */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The store key of an object: `namespace/name` (`/name` for cluster-scoped ones); keys sort as list sorts. */
export function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function k8sTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An object's JSON without its resourceVersion, to tell a no-op update from a change. */
export function stripRV(o: KObject): string {
  const c = { ...o, metadata: { ...o.metadata } };
  delete c.metadata.resourceVersion;
  return JSON.stringify(c);
}
