import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../api-error.js';
import { isObj, parseObjectBody, readBody, sendJson } from '../http-io.js';
import { applyPatch, parsePatchBody, patchTypeOf } from '../patch.js';
import type { Route } from '../route.js';
import { labelSelectorToString } from '../selectors.js';
import type { KObject } from '../store-types.js';
import type { HandlerContext } from './context.js';
import { currentObject, methodNotAllowed, writeOptions } from './request.js';

/** The autoscaling/v1 Scale of an object with spec.replicas and spec.selector. */
export function toScale(obj: KObject): KObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: JSON.parse(
      JSON.stringify({
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      }),
    ) as KObject['metadata'],
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: labelSelectorToString(obj.spec?.selector) },
  };
}

/** GET, PUT or PATCH of the scale subresource: reads or sets spec.replicas through a Scale. */
export async function handleScale(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, r: Route, name: string, q: URLSearchParams): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    sendJson(res, 200, toScale(currentObject(ctx.store, r, name)));
    return;
  }
  if (method === 'PUT' || method === 'PATCH') {
    const obj = currentObject(ctx.store, r, name);
    const body = await readBody(req);
    let scale: unknown;
    if (method === 'PUT') scale = parseObjectBody(req.headers['content-type'], body);
    else {
      const type = patchTypeOf(req.headers['content-type']);
      scale = applyPatch(type, toScale(obj), parsePatchBody(type, body.toString('utf8')), 'Scale');
    }
    if (!isObj(scale) || !isObj(scale['spec'])) throw badRequest('a Scale needs spec.replicas');
    const rv: unknown = isObj(scale['metadata']) ? scale['metadata']['resourceVersion'] : undefined;
    if (typeof rv === 'string' && rv !== '') obj.metadata.resourceVersion = rv;
    obj.spec = { ...(obj.spec ?? {}), replicas: scale['spec']['replicas'] ?? 0 };
    sendJson(res, 200, toScale(ctx.store.update(r.info.plural, obj, writeOptions(q))));
    return;
  }
  throw methodNotAllowed();
}
