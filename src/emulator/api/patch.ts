import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from './api-error.js';

/** The PATCH content types the API server accepts. */
export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** One of the accepted PATCH content types. */
export type PatchType = (typeof PATCH_TYPES)[keyof typeof PATCH_TYPES];

type Json = unknown;
type JsonObj = Record<string, unknown>;

function isObj(v: unknown): v is JsonObj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function patchFailed(message: string): ApiError {
  return new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${message}`);
}

// ---------------------------------------------------------------- RFC 6902 JSON Patch

function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw badRequest(`invalid JSON pointer "${ptr}"`);
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], seg: string, forAdd: boolean): number {
  if (forAdd && seg === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(seg)) throw patchFailed(`invalid array index "${seg}"`);
  const i = Number(seg);
  if (i > arr.length || (!forAdd && i === arr.length)) throw patchFailed(`array index ${i} out of bounds`);
  return i;
}

function getAt(doc: Json, path: string[]): Json {
  let cur: Json = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, seg, false)];
    else if (isObj(cur) && Object.prototype.hasOwnProperty.call(cur, seg)) cur = cur[seg];
    else throw patchFailed(`path /${path.join('/')} does not exist`);
  }
  return cur;
}

/** Returns the new document (the root may be replaced). */
function setAt(doc: Json, path: string[], value: Json, mode: 'add' | 'replace'): Json {
  if (path.length === 0) return value;
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const i = arrayIndex(parent, last, mode === 'add');
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObj(parent)) {
    if (mode === 'replace' && !Object.prototype.hasOwnProperty.call(parent, last)) throw patchFailed(`path /${path.join('/')} does not exist`);
    parent[last] = value;
  } else throw patchFailed(`path /${path.slice(0, -1).join('/')} is not a container`);
  return doc;
}

function removeAt(doc: Json, path: string[]): Json {
  if (path.length === 0) throw patchFailed('cannot remove the document root');
  const parent = getAt(doc, path.slice(0, -1));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (isObj(parent) && Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
  else throw patchFailed(`path /${path.join('/')} does not exist`);
  return doc;
}

/** Applies an RFC 6902 JSON Patch (add, remove, replace, move, copy, test) to a copy of doc. */
export function applyJsonPatch(doc: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw badRequest('a JSON patch must be an array of operations');
  let out = clone(doc);
  for (const op of ops) {
    if (!isObj(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') throw badRequest(`invalid JSON patch operation ${JSON.stringify(op)}`);
    const path = parsePointer(op['path']);
    switch (op['op']) {
      case 'add':
        if (!('value' in op)) throw badRequest('add operation needs a value');
        out = setAt(out, path, clone(op['value']), 'add');
        break;
      case 'replace':
        if (!('value' in op)) throw badRequest('replace operation needs a value');
        out = setAt(out, path, clone(op['value']), 'replace');
        break;
      case 'remove':
        out = removeAt(out, path);
        break;
      case 'move':
      case 'copy': {
        if (typeof op['from'] !== 'string') throw badRequest(`${op['op']} operation needs from`);
        const from = parsePointer(op['from']);
        const v = clone(getAt(out, from));
        if (op['op'] === 'move') out = removeAt(out, from);
        out = setAt(out, path, v, 'add');
        break;
      }
      case 'test':
        if (!deepEqual(getAt(out, path), op['value'])) throw patchFailed(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw badRequest(`unknown JSON patch operation "${op['op']}"`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- RFC 7386 JSON Merge Patch

/** Applies an RFC 7386 JSON Merge Patch: objects merge recursively, null removes, anything else replaces. */
export function applyMergePatch(doc: Json, patch: Json): Json {
  if (!isObj(patch)) return clone(patch);
  const out: JsonObj = isObj(doc) ? clone(doc) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

// ---------------------------------------------------------------- strategic merge patch

/** The merge key of a list field of the built-in types, given its parent path; undefined: the list is replaced. */
export function mergeKeyFor(path: readonly string[], field: string, kind: string): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
    case 'env':
    case 'schedulingGates':
    case 'resourceClaims':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'ports':
      return kind === 'Service' && path.length === 1 && path[0] === 'spec' ? 'port' : 'containerPort';
    case 'conditions':
    case 'addresses':
      return 'type';
    case 'hostAliases':
      return 'ip';
    case 'ownerReferences':
      return 'uid';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    default:
      return undefined;
  }
}

/** Primitive lists that merge as sets rather than being replaced. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function orderBy(list: unknown[], order: unknown, mergeKey: string | undefined): unknown[] {
  if (!Array.isArray(order)) return list;
  const keyOf = (x: unknown): unknown => (mergeKey !== undefined && isObj(x) ? x[mergeKey] : x);
  const wanted = order.map(keyOf);
  const picked: unknown[] = [];
  const rest: unknown[] = [];
  for (const x of list) (wanted.some((w) => deepEqual(w, keyOf(x))) ? picked : rest).push(x);
  picked.sort((a, b) => wanted.findIndex((w) => deepEqual(w, keyOf(a))) - wanted.findIndex((w) => deepEqual(w, keyOf(b))));
  return [...picked, ...rest];
}

function mergeList(orig: unknown, patch: unknown[], mergeKey: string | undefined, primitiveMerge: boolean, path: string[], kind: string): unknown[] {
  const fresh = (x: unknown): unknown => (isObj(x) ? strategicMerge(undefined, x, path, kind) : clone(x));
  if (patch.some((x) => isObj(x) && x['$patch'] === 'replace')) {
    return patch.filter((x) => !(isObj(x) && x['$patch'] === 'replace')).map(fresh);
  }
  const base = Array.isArray(orig) ? clone(orig) : [];
  if (mergeKey === undefined) {
    if (!primitiveMerge) return patch.map(fresh);
    const out = [...base];
    for (const x of patch) if (!out.some((y) => deepEqual(x, y))) out.push(clone(x));
    return out;
  }
  let out = base;
  for (const item of patch) {
    if (!isObj(item)) {
      out.push(clone(item));
      continue;
    }
    const k = item[mergeKey];
    const idx = out.findIndex((x) => isObj(x) && deepEqual(x[mergeKey], k));
    if (item['$patch'] === 'delete') {
      out = out.filter((x) => !(isObj(x) && deepEqual(x[mergeKey], k)));
    } else if (idx >= 0) {
      out[idx] = strategicMerge(out[idx], item, path, kind);
    } else {
      out.push(strategicMerge(undefined, item, path, kind));
    }
  }
  return out;
}

/**
 * Applies a strategic merge patch as the API server does for the built-in types: maps merge,
 * null deletes, lists with a merge key (containers and env by name, container ports by
 * containerPort, Service ports by port, volumes by name, volumeMounts by mountPath...) merge by
 * that key, other lists are replaced. Honors `$patch: replace|delete`,
 * `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; ignores `$retainKeys`.
 * `kind` names the root object's kind (Service ports merge by port).
 */
export function applyStrategicMergePatch(doc: Json, patch: Json, kind: string): Json {
  return strategicMerge(doc, patch, [], kind);
}

function strategicMerge(orig: Json, patch: Json, path: string[], kind: string): Json {
  if (!isObj(patch)) return clone(patch);
  const directive = patch['$patch'];
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest['$patch'];
    return strategicMerge(undefined, rest, path, kind);
  }
  if (directive === 'delete') return undefined;
  const out: JsonObj = isObj(orig) ? clone(orig) : {};
  const orders: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, mergeKeyFor(path, k, kind), MERGED_PRIMITIVE_LISTS.has(k), [...path, k], kind);
      continue;
    }
    if (isObj(v)) {
      const merged = strategicMerge(out[k], v, [...path, k], kind);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    out[k] = clone(v);
  }
  for (const [field, order] of orders) {
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = orderBy(cur, order, mergeKeyFor(path, field, kind));
  }
  return out;
}

// ---------------------------------------------------------------- dispatch

/** Parses a PATCH body for its content type (YAML for apply patches, JSON otherwise). */
export function parsePatchBody(contentType: string, body: string): Json {
  try {
    if (contentType === PATCH_TYPES.apply) return parseYaml(body) as Json;
    return JSON.parse(body) as Json;
  } catch (err) {
    throw badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The patch type named by a Content-Type header (parameters ignored), or a 415 ApiError. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const base = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  for (const t of Object.values(PATCH_TYPES)) if (t === base) return t;
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.values(PATCH_TYPES).join(', ')}`);
}

/**
 * Applies a parsed patch of the given type to a copy of the object. Server-side apply is
 * approximated by a strategic merge of the applied configuration (no field ownership).
 */
export function applyPatch(type: PatchType, doc: Json, patch: Json, kind: string): Json {
  switch (type) {
    case PATCH_TYPES.json:
      return applyJsonPatch(doc, patch);
    case PATCH_TYPES.merge:
      if (!isObj(patch)) throw badRequest('a merge patch must be a JSON object');
      return applyMergePatch(doc, patch);
    case PATCH_TYPES.strategic:
      if (!isObj(patch)) throw badRequest('a strategic merge patch must be a JSON object');
      return applyStrategicMergePatch(doc, patch, kind);
    case PATCH_TYPES.apply:
      if (!isObj(patch)) throw badRequest('an apply patch must be an object');
      return applyStrategicMergePatch(doc, patch, kind);
  }
}
