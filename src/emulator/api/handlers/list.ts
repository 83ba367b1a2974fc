import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import { sendJson } from '../http-io.js';
import { CONTINUE_EXPIRED, encodeContinue, listRead, parseListQuery, waitForResourceVersion } from '../list-query.js';
import { apiVersionOf } from '../resources.js';
import type { Route } from '../route.js';
import { toTable, wantsTable } from '../tables.js';
import type { HandlerContext } from './context.js';
import { listOptions } from './request.js';

/** GET of a collection: one page (or all) at the version asked, as a List or a Table. */
export async function handleList(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
  const store = ctx.store;
  const query = parseListQuery(q, r.watchPath);
  const read = listRead(query);
  if (read.kind === 'notOlderThan') await waitForResourceVersion(() => store.currentResourceVersion(), read.rv);
  let l;
  try {
    l = store.listChunk(r.info.plural, r.namespace, {
      ...listOptions(q),
      ...(read.kind === 'exact' ? { at: read.rv } : {}),
      ...(query.continueFrom === undefined ? {} : { start: query.continueFrom.start }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    });
  } catch (err) {
    throw query.continueFrom !== undefined && err instanceof ApiError && err.code === 410 ? new ApiError(410, 'Expired', CONTINUE_EXPIRED) : err;
  }
  const metadata = {
    resourceVersion: l.resourceVersion,
    ...(l.next === undefined ? {} : { continue: encodeContinue({ rv: Number(l.resourceVersion), start: l.next }) }),
    ...(l.remaining === undefined ? {} : { remainingItemCount: l.remaining }),
  };
  if (wantsTable(req.headers.accept)) {
    sendJson(res, 200, { ...toTable(r.info, l.items, l.resourceVersion, q.get('includeObject')), metadata });
    return;
  }
  sendJson(res, 200, { kind: r.info.listKind, apiVersion: apiVersionOf(r.info), metadata, items: l.items });
}
