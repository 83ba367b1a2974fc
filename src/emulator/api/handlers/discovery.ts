import type { ServerResponse } from 'node:http';
import { coreVersions, groupInfo, groupList, openApiV3Document, openApiV3Root, resourceList, versionInfo } from '../discovery.js';
import { sendJson } from '../http-io.js';

/**
 * GET of the non-resource paths: /version, discovery (/api, /apis and their groups and
 * versions), OpenAPI v3 and the health checks. Returns false when the path is none of them.
 */
export function handleDiscovery(res: ServerResponse, segs: string[], port: number): boolean {
  const path = `/${segs.join('/')}`;
  switch (path) {
    case '/version':
      sendJson(res, 200, versionInfo());
      return true;
    case '/api':
      sendJson(res, 200, coreVersions(`127.0.0.1:${port}`));
      return true;
    case '/apis':
      sendJson(res, 200, groupList());
      return true;
    case '/healthz':
    case '/livez':
    case '/readyz':
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return true;
    case '/openapi/v3':
      sendJson(res, 200, openApiV3Root());
      return true;
    default:
      break;
  }
  if (segs[0] === 'openapi' && segs[1] === 'v3') {
    const gv = segs[2] === 'api' ? { group: '', version: segs[3] ?? '', n: 4 } : { group: segs[3] ?? '', version: segs[4] ?? '', n: 5 };
    const doc = segs.length === gv.n ? openApiV3Document(gv.group, gv.version) : undefined;
    if (doc !== undefined) {
      sendJson(res, 200, doc);
      return true;
    }
  }
  if (segs[0] === 'api' && segs.length === 2) {
    const body = resourceList('', segs[1] ?? '');
    if (body !== undefined) {
      sendJson(res, 200, body);
      return true;
    }
  }
  if (segs[0] === 'apis' && segs.length === 2) {
    const body = groupInfo(segs[1] ?? '');
    if (body !== undefined) {
      sendJson(res, 200, body);
      return true;
    }
  }
  if (segs[0] === 'apis' && segs.length === 3) {
    const body = resourceList(segs[1] ?? '', segs[2] ?? '');
    if (body !== undefined) {
      sendJson(res, 200, body);
      return true;
    }
  }
  return false;
}
