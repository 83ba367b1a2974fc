import { ApiError, tooLargeResourceVersion } from './api-error.js';
import { compileSelector, matchesSelector } from './selectors.js';
import { clone, key, type Table } from './store-table.js';
import type { KObject, ListOptions } from './store-types.js';

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

/** Deep copies of a table's objects in a namespace (or all, when undefined) passing the selectors, sorted by namespace/name. */
export function listTable(t: Table, namespace: string | undefined, opts: ListOptions | undefined): KObject[] {
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
  return items;
}

/**
 * One page of a table read at a resourceVersion (`rv` is the store's current one): the current
 * objects with the history undone back to `at` (ADDED removed, MODIFIED and DELETED put back as
 * they were). Sorted by key; a `limit` counts the objects that pass the selectors, as etcd's paging does.
 */
export function readChunk(t: Table, namespace: string | undefined, opts: ChunkOptions, rv: number): ListChunk {
  const sel = compileSelector(opts);
  const at = opts.at ?? rv;
  if (at > rv) throw tooLargeResourceVersion(at, rv);
  let objects: Map<string, KObject> = t.objects;
  if (at < rv) {
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
