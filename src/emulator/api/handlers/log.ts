import type { ServerResponse } from 'node:http';
import { notFound } from '../api-error.js';
import { queryBool as boolParam, queryInt as intParam } from '../list-query.js';
import type { Route } from '../route.js';
import type { HandlerContext } from './context.js';

/** GET pods/{name}/log: the registered log source's text or stream (empty without one). */
export async function handlePodLog(ctx: HandlerContext, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
  const ns = r.namespace ?? 'default';
  const name = r.name ?? '';
  const pod = ctx.store.get('pods', ns, name);
  if (pod === undefined) throw notFound('pods', '', name);
  const logProvider = ctx.logProvider();
  if (logProvider === undefined) {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
    return;
  }
  const ac = new AbortController();
  res.on('close', () => ac.abort());
  const out = await logProvider({
    namespace: ns,
    name,
    pod,
    container: q.get('container') ?? undefined,
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
    tailLines: intParam(q, 'tailLines'),
    sinceSeconds: intParam(q, 'sinceSeconds'),
    signal: ac.signal,
  });
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  if (typeof out === 'string') {
    res.end(out);
    return;
  }
  res.on('close', () => out.destroy());
  out.on('error', () => res.end());
  out.pipe(res);
}
