import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, notFound } from '../api-error.js';
import { isObj, readBody, sendJson } from '../http-io.js';
import { applyPatch, parsePatchBody, patchTypeOf, PATCH_TYPES } from '../patch.js';
import type { Route } from '../route.js';
import type { KObject } from '../store-types.js';
import type { HandlerContext } from './context.js';
import { nameFromUrl, objectFromBody, writeOptions } from './request.js';

/**
 * PATCH of one object or its status (JSON, merge, strategic merge or apply patch). A server-side
 * apply of a missing object creates it (201); name and namespace cannot change (422).
 */
export async function handlePatch(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, name: string, q: URLSearchParams, status: boolean): Promise<void> {
  const store = ctx.store;
  const plural = r.info.plural;
  const ns = r.namespace;
  const writeOpts = writeOptions(q);
  const type = patchTypeOf(req.headers['content-type']);
  const patch = parsePatchBody(type, (await readBody(req)).toString('utf8'));
  const existing = store.get(plural, ns, name);
  if (existing === undefined) {
    if (type === PATCH_TYPES.apply && !status) {
      const obj = objectFromBody(r, patch);
      nameFromUrl(obj, name);
      sendJson(res, 201, store.create(plural, obj, writeOpts));
      return;
    }
    throw notFound(plural, r.info.group, name);
  }
  const patched = applyPatch(type, existing, patch, r.info.kind);
  if (!isObj(patched) || !isObj(patched['metadata'])) throw badRequest('the patched object is not a Kubernetes object');
  const obj = patched as KObject;
  if (obj.metadata.name !== name) throw new ApiError(422, 'Invalid', `metadata.name: Invalid value: ${JSON.stringify(obj.metadata.name)}: field is immutable`);
  if (r.info.namespaced && obj.metadata.namespace !== ns) throw new ApiError(422, 'Invalid', `metadata.namespace: Invalid value: ${JSON.stringify(obj.metadata.namespace)}: field is immutable`);
  obj.apiVersion = existing.apiVersion;
  obj.kind = existing.kind;
  sendJson(res, 200, store.update(plural, obj, { ...writeOpts, ...(status ? { subresource: 'status' as const } : {}) }));
}
