import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../http-io.js';
import type { Route } from '../route.js';
import type { HandlerContext } from './context.js';
import { deleteOptions } from './request.js';

/**
 * DELETE of one object: the object when it stays (graceful pod deletion, finalizers, dry run; a
 * pod always), else a Success Status naming it.
 */
export async function handleDelete(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, name: string, q: URLSearchParams): Promise<void> {
  const store = ctx.store;
  const plural = r.info.plural;
  const ns = r.namespace;
  const dopts = deleteOptions(q, await readBody(req), req.headers['content-type']);
  const deleted = store.delete(plural, ns, name, dopts);
  const stillThere = !dopts.dryRun && store.get(plural, ns, name) !== undefined;
  if (deleted !== undefined && (stillThere || plural === 'pods' || dopts.dryRun)) sendJson(res, 200, deleted);
  else {
    sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: r.info.group, kind: plural, uid: deleted?.metadata.uid },
    });
  }
}
