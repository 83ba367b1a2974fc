import { ApiError, badRequest, notFound } from '../api-error.js';
import { isObj, parseObjectBody } from '../http-io.js';
import { queryInt as intParam } from '../list-query.js';
import type { DeleteOptions, MemoryStore } from '../memory-store.js';
import { apiVersionOf } from '../resources.js';
import type { Route } from '../route.js';
import type { KObject, ListOptions } from '../store-types.js';

/** The label and field selectors of a list, watch or deletecollection query. */
export function listOptions(q: URLSearchParams): ListOptions {
  const o: ListOptions = {};
  const l = q.get('labelSelector');
  const f = q.get('fieldSelector');
  if (l !== null) o.labelSelector = l;
  if (f !== null) o.fieldSelector = f;
  return o;
}

/** Checks a decoded body against the route (kind, apiVersion, namespace) and fills its namespace from the URL. */
export function objectFromBody(r: Route, body: unknown): KObject {
  if (!isObj(body)) throw badRequest('the request body must be an object');
  const o = body as KObject;
  o.metadata = isObj(o.metadata) ? o.metadata : {};
  if (o.kind !== undefined && o.kind !== r.info.kind) throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${r.info.kind})`);
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(r.info)) {
    throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(r.info)})`);
  }
  if (r.info.namespaced) {
    const ns = o.metadata.namespace;
    if (ns !== undefined && ns !== '' && r.namespace !== undefined && ns !== r.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (r.namespace !== undefined) o.metadata.namespace = r.namespace;
  }
  return o;
}

/** Sets the URL's name on a body object; 400 when the body names another object. */
export function nameFromUrl(obj: KObject, name: string): void {
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
  obj.metadata.name = name;
}

/** DeleteOptions from the body (JSON, YAML or protobuf) and the query, the query winning. */
export function deleteOptions(q: URLSearchParams, body: Buffer, contentType: string | undefined): DeleteOptions {
  const o: DeleteOptions = {};
  if (body.length > 0) {
    let b: unknown;
    try {
      b = parseObjectBody(contentType, body);
    } catch {
      // an undecodable DeleteOptions body is ignored, as the query parameters still apply
    }
    if (isObj(b)) {
      if (typeof b['gracePeriodSeconds'] === 'number') o.gracePeriodSeconds = b['gracePeriodSeconds'];
      if (typeof b['propagationPolicy'] === 'string') o.propagationPolicy = b['propagationPolicy'] as NonNullable<DeleteOptions['propagationPolicy']>;
      if (isObj(b['preconditions'])) o.preconditions = b['preconditions'] as NonNullable<DeleteOptions['preconditions']>;
      if (Array.isArray(b['dryRun']) && b['dryRun'].includes('All')) o.dryRun = true;
      if (b['orphanDependents'] === true) o.propagationPolicy = 'Orphan';
    }
  }
  const g = intParam(q, 'gracePeriodSeconds');
  if (g !== undefined) o.gracePeriodSeconds = g;
  const p = q.get('propagationPolicy');
  if (p === 'Orphan' || p === 'Background' || p === 'Foreground') o.propagationPolicy = p;
  if (q.get('dryRun') === 'All') o.dryRun = true;
  return o;
}

/** `?dryRun=All` as write options. */
export function writeOptions(q: URLSearchParams): { dryRun?: boolean } {
  return q.get('dryRun') === 'All' ? { dryRun: true } : {};
}

/** The named object as stored now; 404 NotFound when it is not there. */
export function currentObject(store: MemoryStore, r: Route, name: string): KObject {
  const o = store.get(r.info.plural, r.namespace, name);
  if (o === undefined) throw notFound(r.info.plural, r.info.group, name);
  return o;
}

/** The 405 of a verb the resource does not serve. */
export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

