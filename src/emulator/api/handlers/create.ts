import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseObjectBody, readBody, sendJson } from '../http-io.js';
import type { Route } from '../route.js';
import type { HandlerContext } from './context.js';
import { objectFromBody, writeOptions } from './request.js';

/** POST to a collection: creates the object in the body (201). */
export async function handleCreate(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
  const obj = objectFromBody(r, parseObjectBody(req.headers['content-type'], await readBody(req)));
  sendJson(res, 201, ctx.store.create(r.info.plural, obj, writeOptions(q)));
}
