import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseObjectBody, readBody, sendJson } from '../http-io.js';
import type { Route } from '../route.js';
import type { HandlerContext } from './context.js';
import { nameFromUrl, objectFromBody, writeOptions } from './request.js';

/** PUT of one object (replace), or of its status subresource (only status is taken). */
export async function handleUpdate(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, name: string, q: URLSearchParams, status: boolean): Promise<void> {
  const obj = objectFromBody(r, parseObjectBody(req.headers['content-type'], await readBody(req)));
  nameFromUrl(obj, name);
  sendJson(res, 200, ctx.store.update(r.info.plural, obj, { ...writeOptions(q), ...(status ? { subresource: 'status' as const } : {}) }));
}
