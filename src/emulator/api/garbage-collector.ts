import { ApiError } from './api-error.js';
import type { DeleteOptions } from './store-options.js';
import { clone, type Table } from './store-table.js';
import type { KObject } from './store-types.js';

/** The store writes the garbage collector makes. */
export interface GarbageCollectorWrites {
  delete(resource: string, namespace: string | undefined, name: string, opts: DeleteOptions): unknown;
  update(resource: string, obj: KObject): unknown;
}

/**
 * Deletes (or, with the Orphan policy, orphans) the dependents of a removed object, found by the
 * ownerReferences that name its uid; a dependent with another live owner stays. A removed
 * namespace takes its contents.
 */
export function collectGarbage(tables: Map<string, Table>, writes: GarbageCollectorWrites, owner: KObject, policy: DeleteOptions['propagationPolicy']): void {
  const uid = owner.metadata.uid;
  for (const dt of [...tables.values()]) {
    for (const o of [...dt.objects.values()]) {
      if (owner.kind === 'Namespace' && dt.info.namespaced && o.metadata.namespace === owner.metadata.name) {
        tryDelete(writes, dt.info.plural, o, {});
        continue;
      }
      const refs = o.metadata.ownerReferences;
      if (uid === undefined || refs === undefined || !refs.some((r) => r.uid === uid)) continue;
      if (policy === 'Orphan') {
        const n = clone(o);
        n.metadata.ownerReferences = refs.filter((r) => r.uid !== uid);
        if (n.metadata.ownerReferences.length === 0) delete n.metadata.ownerReferences;
        try {
          writes.update(dt.info.plural, n);
        } catch {
          /* the dependent changed or went away meanwhile: nothing to orphan */
        }
      } else if (refs.every((r) => r.uid === uid || !ownerExists(tables, r.uid))) {
        tryDelete(writes, dt.info.plural, o, {});
      }
    }
  }
}

function ownerExists(tables: Map<string, Table>, uid: string): boolean {
  for (const t of tables.values()) for (const o of t.objects.values()) if (o.metadata.uid === uid) return true;
  return false;
}

/** Deletes a dependent; one already gone is fine. */
function tryDelete(writes: GarbageCollectorWrites, resource: string, o: KObject, opts: DeleteOptions): void {
  try {
    writes.delete(resource, o.metadata.namespace, o.metadata.name ?? '', opts);
  } catch (err) {
    if (!(err instanceof ApiError && err.code === 404)) throw err;
  }
}
