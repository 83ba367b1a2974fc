import { parseAllDocuments } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { ApiError } from './api/api-error.js';
import { RESOURCES } from './api/resources.js';
import type { KObject, Store } from './api/store-types.js';

/**
 * Applies Kubernetes manifests (multi-document YAML or JSON) to the emulator's store, as
 * `kubectl apply` would: creates what is missing, replaces the spec of what exists. For in-process
 * set-up (scenarios, the demo); users can use the real kubectl against the same API.
 */
export function applyManifests(store: Store, text: string, source: string, defaultNamespace = 'default'): KObject[] {
  const applied: KObject[] = [];
  const docs = parseAllDocuments(text);
  const objects: Array<{ obj: KObject; index: number }> = [];
  const problems: Array<{ path: string; message: string }> = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      problems.push({ path: `${source}#${index + 1}`, message: `not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}` });
      return;
    }
    const obj = doc.toJS() as KObject | null;
    if (obj === null || obj === undefined) return;
    const items = obj.kind === 'List' && Array.isArray(obj.items) ? (obj.items as KObject[]) : [obj];
    for (const item of items) objects.push({ obj: item, index });
  });
  for (const { obj, index } of objects) {
    const info = RESOURCES.find((r) => r.kind === obj.kind);
    if (!info) problems.push({ path: `${source}#${index + 1}`, message: `kind ${String(obj.kind)} is not served by the emulator (served: ${RESOURCES.map((r) => r.kind).join(', ')})` });
    if (!obj.metadata?.name) problems.push({ path: `${source}#${index + 1}`, message: 'metadata.name is missing' });
  }
  if (problems.length > 0) throw new InvalidInputError(problems, 'fix the manifest, or check it with `kubectl apply --dry-run=server -f FILE` against `zerodrop emulator start`');

  for (const { obj } of objects) {
    const info = RESOURCES.find((r) => r.kind === obj.kind);
    if (!info) continue;
    const namespace = info.namespaced ? (obj.metadata.namespace ?? defaultNamespace) : undefined;
    const desired: KObject = { ...obj, metadata: { ...obj.metadata, ...(namespace === undefined ? {} : { namespace }) } };
    const existing = store.get(info.plural, namespace, obj.metadata.name as string);
    try {
      if (existing === undefined) {
        applied.push(store.create(info.plural, desired));
      } else {
        const metadata = { ...existing.metadata, ...desired.metadata };
        if (existing.metadata.resourceVersion !== undefined) metadata.resourceVersion = existing.metadata.resourceVersion;
        applied.push(store.update(info.plural, { ...existing, ...desired, metadata, status: existing.status }));
      }
    } catch (err) {
      if (err instanceof ApiError) {
        throw new InvalidInputError([{ path: `${source}: ${String(obj.kind)}/${String(obj.metadata.name)}`, message: err.message }]);
      }
      throw err;
    }
  }
  return applied;
}
