/**
 * The contract between the emulator's API server (which owns the store) and its controllers,
 * kubelet and proxy (which read and write objects in-process, as a real controller would through
 * the API). Resources are named by their plural (`pods`, `deployments`...), unique in this emulator.
 */

/** Kubernetes object metadata, as much of it as the emulator keeps. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  [key: string]: unknown;
}

/** Any Kubernetes object; spec and status are kept as plain JSON. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/** What changed. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, with the global resourceVersion it was given. */
export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  object: KObject;
  resourceVersion: number;
}

/** Filters of list and watch, in Kubernetes' query syntax. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * The object store. Every write returns a deep copy of the stored object and bumps one global
 * resourceVersion counter. Errors are thrown as ApiError (see api-error.ts) with the HTTP code a
 * real API server would answer (404 NotFound, 409 AlreadyExists/Conflict, 422 Invalid).
 */
export interface Store {
  get(resource: string, namespace: string | undefined, name: string): KObject | undefined;
  list(resource: string, namespace: string | undefined, opts?: ListOptions): { items: KObject[]; resourceVersion: string };
  /** Fills uid, creationTimestamp, resourceVersion, generation (1), name from generateName. */
  create(resource: string, obj: KObject): KObject;
  /**
   * Replaces an object. If obj.metadata.resourceVersion is set and stale: 409 Conflict.
   * `subresource: 'status'` replaces only status; otherwise status is kept and generation bumps
   * when spec changed.
   */
  update(resource: string, obj: KObject, opts?: { subresource?: 'status' }): KObject;
  /**
   * Deletes. Pods are deleted gracefully: deletionTimestamp and deletionGracePeriodSeconds are
   * set (MODIFIED) and the kubelet removes the object when the containers are gone (it calls
   * delete again with gracePeriodSeconds 0). Owned objects are garbage-collected.
   */
  delete(resource: string, namespace: string | undefined, name: string, opts?: { gracePeriodSeconds?: number }): KObject | undefined;
  /** Events after fromResourceVersion (replayed from a bounded history; throws 410 Expired if too old), then live ones. */
  watch(resource: string, namespace: string | undefined, fromResourceVersion: number | undefined, listener: (e: StoreEvent) => void, opts?: ListOptions): () => void;
  /** The current global resourceVersion. */
  currentResourceVersion(): number;
}
