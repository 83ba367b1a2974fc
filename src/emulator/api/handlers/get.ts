import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http-io.js';
import type { Route } from '../route.js';
import { toTable, wantsTable } from '../tables.js';
import type { HandlerContext } from './context.js';
import { currentObject } from './request.js';

/** GET of one object (or its status subresource), as the object or, when asked, a Table. */
export function handleGet(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, name: string, q: URLSearchParams, status: boolean): void {
  const o = currentObject(ctx.store, r, name);
  if (!status && wantsTable(req.headers.accept)) sendJson(res, 200, toTable(r.info, [o], o.metadata.resourceVersion ?? '', q.get('includeObject')));
  else sendJson(res, 200, o);
}
