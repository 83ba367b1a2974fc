import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';
import { handleCreate } from './handlers/create.js';
import type { HandlerContext } from './handlers/context.js';
import { handleDeleteCollection } from './handlers/delete-collection.js';
import { handleDelete } from './handlers/delete.js';
import { handleDiscovery } from './handlers/discovery.js';
import { handleGet } from './handlers/get.js';
import { handleList } from './handlers/list.js';
import { handlePodLog } from './handlers/log.js';
import { handlePatch } from './handlers/patch.js';
import { methodNotAllowed } from './handlers/request.js';
import { handleScale } from './handlers/scale.js';
import { handleUpdate } from './handlers/update.js';
import { handleWatch } from './handlers/watch.js';
import { queryBool as boolParam } from './list-query.js';
import { portForwardNeedsUpgrade } from './port-forward.js';
import { pathSegments, route, type Route } from './route.js';
import { unservedSubresource } from './unserved-subresources.js';

function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

/** Sends a resource request to the handler of its verb and subresource; 404 or 405 when none serves it. */
export async function dispatchResource(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
  const method = req.method ?? 'GET';
  if (r.subresource !== undefined && !(r.info.subresources as string[]).includes(r.subresource)) {
    throw unservedSubresource(r.info.plural, r.subresource) ?? resourceNotFound();
  }
  if (r.info.namespaced && r.name !== undefined && r.namespace === undefined) throw resourceNotFound();

  if (r.name === undefined) {
    if (method === 'GET') {
      if (r.watchPath || boolParam(q, 'watch')) handleWatch(ctx, req, res, r, q, undefined);
      else await handleList(ctx, req, res, r, q);
      return;
    }
    if (method === 'POST') return handleCreate(ctx, req, res, r, q);
    if (method === 'DELETE') return handleDeleteCollection(ctx, req, res, r, q);
    throw methodNotAllowed();
  }

  const name = r.name;
  if (r.subresource === 'portforward') throw portForwardNeedsUpgrade();
  if (r.subresource === 'log') {
    if (method !== 'GET') throw methodNotAllowed();
    return handlePodLog(ctx, res, r, q);
  }
  if (r.subresource === 'scale') return handleScale(ctx, req, res, r, name, q);

  const status = r.subresource === 'status';
  switch (method) {
    case 'GET':
      if (!status && boolParam(q, 'watch')) handleWatch(ctx, req, res, r, q, name);
      else handleGet(ctx, req, res, r, name, q, status);
      return;
    case 'PUT':
      return handleUpdate(ctx, req, res, r, name, q, status);
    case 'PATCH':
      return handlePatch(ctx, req, res, r, name, q, status);
    case 'DELETE':
      if (status) break;
      return handleDelete(ctx, req, res, r, name, q);
    default:
      break;
  }
  throw methodNotAllowed();
}

/** Serves one authorized request: the non-resource paths on GET, then the resources. */
export async function routeRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const segs = pathSegments(url);
  if ((req.method ?? 'GET') === 'GET' && handleDiscovery(res, segs, port)) return;
  const r = route(segs);
  if (r === undefined) throw resourceNotFound();
  await dispatchResource(ctx, req, res, r, url.searchParams);
}
