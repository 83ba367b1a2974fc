import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import { parseListQuery } from '../list-query.js';
import { apiVersionOf } from '../resources.js';
import type { Route } from '../route.js';
import { compileSelector, matchesSelector } from '../selectors.js';
import type { KObject, StoreEvent } from '../store-types.js';
import { toTable, wantsTable } from '../tables.js';
import type { HandlerContext } from './context.js';
import { listOptions } from './request.js';

/**
 * A watch (of a collection, or of one object when `forcedName` is set): the initial state when
 * asked, then the store's events from the version asked, bookmarks, and the timeout.
 */
export function handleWatch(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams, forcedName: string | undefined): void {
  const store = ctx.store;
  const watches = ctx.watches;
  const query = parseListQuery(q, true);
  const lo = listOptions(q);
  if (forcedName !== undefined) lo.fieldSelector = [lo.fieldSelector, `metadata.name=${forcedName}`].filter((x) => x).join(',');
  const sel = compileSelector(lo);
  const rvParam = q.get('resourceVersion') ?? '';
  const bookmarks = query.allowWatchBookmarks;
  const sendInitialEvents = query.sendInitialEvents === true;
  const timeoutSeconds = query.timeoutSeconds;
  const table = wantsTable(req.headers.accept);
  const includeObject = q.get('includeObject');
  let fromRV: number | undefined;
  if (rvParam !== '' && rvParam !== '0') fromRV = Number(rvParam);
  // sendInitialEvents=false with no version: changes from now on, without the current state.
  else if (query.sendInitialEvents === false) fromRV = store.currentResourceVersion();
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const write = (type: string, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const writeObj = (type: string, o: KObject): void => {
    write(type, table ? toTable(r.info, [o], o.metadata.resourceVersion ?? '', includeObject) : o);
  };
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    watches.delete(finish);
    unsubscribe?.();
    unsubscribe = undefined;
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded) res.end();
  };
  watches.add(finish);
  res.on('close', finish);
  const bookmark = (annotations?: Record<string, string>): void => {
    write('BOOKMARK', { kind: r.info.kind, apiVersion: apiVersionOf(r.info), metadata: { resourceVersion: String(store.currentResourceVersion()), ...(annotations ? { annotations } : {}) } });
  };
  try {
    if (fromRV === undefined || sendInitialEvents) {
      const l = store.list(r.info.plural, r.namespace, lo);
      for (const o of l.items) if (matchesSelector(sel, o)) writeObj('ADDED', o);
      fromRV = Number(l.resourceVersion);
      if (sendInitialEvents && bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    }
    unsubscribe = store.watch(r.info.plural, r.namespace, fromRV, (e: StoreEvent) => writeObj(e.type, e.object), lo);
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', String(err));
    write('ERROR', e.toStatus());
    finish();
    return;
  }
  if (bookmarks) {
    const t = setInterval(() => bookmark(), ctx.bookmarkIntervalMs);
    t.unref();
    timers.push(t);
  }
  if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
    const t = setTimeout(finish, timeoutSeconds * 1000);
    t.unref();
    timers.push(t);
  }
}
