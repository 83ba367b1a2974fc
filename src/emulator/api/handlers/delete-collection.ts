import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-io.js';
import { apiVersionOf } from '../resources.js';
import type { Route } from '../route.js';
import type { HandlerContext } from './context.js';
import { deleteOptions, listOptions } from './request.js';

/** DELETE of a collection: deletes what the selectors pick and answers the list of what was deleted. */
export async function handleDeleteCollection(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
  const store = ctx.store;
  const items = store.deleteCollection(r.info.plural, r.namespace, { ...listOptions(q), ...deleteOptions(q, await readBody(req), req.headers['content-type']) });
  sendJson(res, 200, { kind: r.info.listKind, apiVersion: apiVersionOf(r.info), metadata: { resourceVersion: String(store.currentResourceVersion()) }, items });
}
