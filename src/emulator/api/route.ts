import { resourceAt, type ResourceInfo } from './resources.js';

/** A request path resolved to an emulated resource. */
export interface Route {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The deprecated `/watch/` path prefix was used. */
  watchPath: boolean;
}

/** The decoded, non-empty segments of a request URL's path. */
export function pathSegments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s));
}

/** Resolves `/api/v1/...` and `/apis/{group}/{version}/...` to a resource route. */
export function route(segs: string[]): Route | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 3) {
    group = '';
    version = segs[1] ?? '';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 4) {
    group = segs[1] ?? '';
    version = segs[2] ?? '';
    rest = segs.slice(3);
  } else return undefined;
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  const nsResource = rest[0] === 'namespaces' && rest.length >= 3 ? resourceAt(group, version, rest[2] ?? '') : undefined;
  if (nsResource !== undefined && nsResource.namespaced) {
    if (rest.length > 5) return undefined;
    return { info: nsResource, namespace: rest[1], name: rest[3], subresource: rest[4], watchPath };
  }
  const info = resourceAt(group, version, rest[0] ?? '');
  if (info === undefined || rest.length > 3) return undefined;
  if (info.namespaced && rest.length > 1) return undefined;
  return { info, namespace: undefined, name: rest[1], subresource: rest[2], watchPath };
}
