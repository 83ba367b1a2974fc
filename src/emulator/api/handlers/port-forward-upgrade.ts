import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '../api-error.js';
import type { MemoryStore } from '../memory-store.js';
import { rejectUpgrade, type PortForwardEndpoint } from '../port-forward.js';
import { pathSegments, route, type Route } from '../route.js';
import { unservedSubresource } from '../unserved-subresources.js';

/**
 * An HTTP upgrade that passed auth: pods/{name}/portforward goes to the SPDY endpoint; any other
 * path is refused with the Status a real API server gives (unserved subresource or 404).
 */
export function handleUpgrade(store: MemoryStore, portForward: PortForwardEndpoint, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let r: Route | undefined;
  try {
    r = route(pathSegments(new URL(req.url ?? '/', 'http://127.0.0.1')));
  } catch {
    r = undefined;
  }
  if (r?.info.plural === 'pods' && r.subresource === 'portforward' && r.name !== undefined && r.namespace !== undefined) {
    portForward.upgrade(req, socket, head, r.name, store.get('pods', r.namespace, r.name));
    return;
  }
  const unserved = r?.subresource === undefined ? undefined : unservedSubresource(r.info.plural, r.subresource);
  rejectUpgrade(socket, unserved ?? new ApiError(404, 'NotFound', 'the server could not find the requested resource'));
}
