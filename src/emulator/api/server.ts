import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, notFound } from './api-error.js';
import { coreVersions, groupInfo, groupList, openApiV3Document, openApiV3Root, resourceList, versionInfo } from './discovery.js';
import type { DeleteOptions, MemoryStore } from './memory-store.js';
import { applyPatch, parsePatchBody, patchTypeOf, PATCH_TYPES } from './patch.js';
import { PortForwardEndpoint, portForwardNeedsUpgrade, rejectUpgrade, type PodPortAddress } from './port-forward.js';
import { decodeK8sProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.js';
import { apiVersionOf, resourceAt, type ResourceInfo } from './resources.js';
import { CONTINUE_EXPIRED, encodeContinue, listRead, parseListQuery, queryBool as boolParam, queryInt as intParam, waitForResourceVersion } from './list-query.js';
import { compileSelector, labelSelectorToString, matchesSelector } from './selectors.js';
import type { KObject, ListOptions, StoreEvent } from './store-types.js';
import { wantsTable, toTable } from './tables.js';
import { makeSelfSignedCert, type SelfSignedCert } from './tls-cert.js';
import { unservedSubresource } from './unserved-subresources.js';

/** What a pod log request asks for (GET .../pods/{name}/log). */
export interface PodLogRequest {
  namespace: string;
  name: string;
  pod: KObject;
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines: number | undefined;
  sinceSeconds: number | undefined;
  /** Aborted when the client goes away (a follow stream should then end). */
  signal: AbortSignal;
}

/** Answers pod log requests: text, or a stream (kept open while following). Throw ApiError for 4xx. */
export type PodLogProvider = (req: PodLogRequest) => Readable | string | Promise<Readable | string>;

/** Options of the emulated API server. */
export interface ApiServerOptions {
  store: MemoryStore;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Bearer token clients must send (default: 32 random bytes, hex). */
  token?: string;
  /** Interval of BOOKMARK events on watches that allow them (default 30 s). */
  bookmarkIntervalMs?: number;
  /**
   * Serving certificate (default: a fresh self-signed one), or `false` for plain HTTP. kubectl
   * only sends bearer tokens over TLS, so plain HTTP suits in-process clients only.
   */
  tls?: SelfSignedCert | false;
  /** How pods/portforward dials a pod's port (default: the pod's IP, the port as asked). */
  podPortAddress?: PodPortAddress;
}

/** A running API server. */
export interface ApiServer {
  /** `https://127.0.0.1:PORT` (or http:// with `tls: false`) */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** PEM of the self-signed serving certificate, which is its own CA; undefined over plain HTTP. */
  readonly caPem: string | undefined;
  /** Registers (or clears) the pod log source; without one, logs are empty. */
  setPodLogProvider(fn: PodLogProvider | undefined): void;
  /** Ends watches, closes connections and stops listening. Idempotent. */
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024;

interface Route {
  info: ResourceInfo;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watchPath: boolean;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseObjectBody(contentType: string | undefined, body: Buffer): unknown {
  const base = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (base === PROTOBUF_CONTENT_TYPE) return decodeK8sProtobuf(body);
  const text = body.toString('utf8');
  try {
    if (base === 'application/json' || base === '') return JSON.parse(text) as unknown;
    if (base === 'application/yaml' || base === 'application/x-yaml' || base === 'text/yaml') return parseYaml(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding body: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function listOptions(q: URLSearchParams): ListOptions {
  const o: ListOptions = {};
  const l = q.get('labelSelector');
  const f = q.get('fieldSelector');
  if (l !== null) o.labelSelector = l;
  if (f !== null) o.fieldSelector = f;
  return o;
}

/** Resolves `/api/v1/...` and `/apis/{group}/{version}/...` to a resource route. */
function route(segs: string[]): Route | undefined {
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

function toScale(obj: KObject): KObject {
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

/**
 * Starts the emulated Kubernetes API server on 127.0.0.1: discovery, OpenAPI v3 (enough for
 * kubectl's server-side field validation), and create/get/list/update/patch/delete/watch of the
 * emulated resources with their status, scale and log subresources, and pods/portforward. Every request needs
 * `Authorization: Bearer <token>`.
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const store = opts.store;
  const token = opts.token ?? randomBytes(32).toString('hex');
  const expected = Buffer.from(`Bearer ${token}`);
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 30_000;
  let logProvider: PodLogProvider | undefined;
  const watches = new Set<() => void>();
  const portForward = new PortForwardEndpoint(opts.podPortAddress === undefined ? {} : { address: opts.podPortAddress });
  let port = 0;

  function authorized(req: IncomingMessage): boolean {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  async function list(res: ServerResponse, req: IncomingMessage, r: Route, q: URLSearchParams): Promise<void> {
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

  function watch(res: ServerResponse, req: IncomingMessage, r: Route, q: URLSearchParams, forcedName: string | undefined): void {
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
      const t = setInterval(() => bookmark(), bookmarkIntervalMs);
      t.unref();
      timers.push(t);
    }
    if (timeoutSeconds !== undefined && timeoutSeconds > 0) {
      const t = setTimeout(finish, timeoutSeconds * 1000);
      t.unref();
      timers.push(t);
    }
  }

  async function podLog(res: ServerResponse, req: IncomingMessage, r: Route, q: URLSearchParams): Promise<void> {
    const ns = r.namespace ?? 'default';
    const name = r.name ?? '';
    const pod = store.get('pods', ns, name);
    if (pod === undefined) throw notFound('pods', '', name);
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

  function objectFromBody(r: Route, body: unknown): KObject {
    if (!isObj(body)) throw badRequest('the request body must be an object');
    const o = body as KObject;
    o.metadata = isObj(o.metadata) ? o.metadata : {};
    if (o.kind !== undefined && o.kind !== r.info.kind) throw badRequest(`the kind in the data (${String(o.kind)}) does not match the expected kind (${r.info.kind})`);
    if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(r.info)) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersionOf(r.info)})`);
    }
    if (r.info.namespaced) {
      const ns = o.metadata.namespace;
      if (ns !== undefined && ns !== '' && r.namespace !== undefined && ns !== r.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      if (r.namespace !== undefined) o.metadata.namespace = r.namespace;
    }
    return o;
  }

  function deleteOptions(q: URLSearchParams, body: Buffer, contentType: string | undefined): DeleteOptions {
    const o: DeleteOptions = {};
    if (body.length > 0) {
      let b: unknown;
      try {
        b = parseObjectBody(contentType, body);
      } catch {
        // an undecodable DeleteOptions body is ignored, as the query parameters still apply
      }
      if (isObj(b)) {
        if (typeof b['gracePeriodSeconds'] === 'number') o.gracePeriodSeconds = b['gracePeriodSeconds'];
        if (typeof b['propagationPolicy'] === 'string') o.propagationPolicy = b['propagationPolicy'] as NonNullable<DeleteOptions['propagationPolicy']>;
        if (isObj(b['preconditions'])) o.preconditions = b['preconditions'] as NonNullable<DeleteOptions['preconditions']>;
        if (Array.isArray(b['dryRun']) && b['dryRun'].includes('All')) o.dryRun = true;
        if (b['orphanDependents'] === true) o.propagationPolicy = 'Orphan';
      }
    }
    const g = intParam(q, 'gracePeriodSeconds');
    if (g !== undefined) o.gracePeriodSeconds = g;
    const p = q.get('propagationPolicy');
    if (p === 'Orphan' || p === 'Background' || p === 'Foreground') o.propagationPolicy = p;
    if (q.get('dryRun') === 'All') o.dryRun = true;
    return o;
  }

  async function resource(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const plural = r.info.plural;
    const dryRun = q.get('dryRun') === 'All';
    const writeOpts = dryRun ? { dryRun: true } : {};
    if (r.subresource !== undefined && !(r.info.subresources as string[]).includes(r.subresource)) {
      throw unservedSubresource(plural, r.subresource) ?? new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    if (r.info.namespaced && r.name !== undefined && r.namespace === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');

    if (r.name === undefined) {
      if (method === 'GET') {
        if (r.watchPath || boolParam(q, 'watch')) watch(res, req, r, q, undefined);
        else await list(res, req, r, q);
        return;
      }
      if (method === 'POST') {
        const obj = objectFromBody(r, parseObjectBody(req.headers['content-type'], await readBody(req)));
        sendJson(res, 201, store.create(plural, obj, writeOpts));
        return;
      }
      if (method === 'DELETE') {
        const items = store.deleteCollection(plural, r.namespace, { ...listOptions(q), ...deleteOptions(q, await readBody(req), req.headers['content-type']) });
        sendJson(res, 200, { kind: r.info.listKind, apiVersion: apiVersionOf(r.info), metadata: { resourceVersion: String(store.currentResourceVersion()) }, items });
        return;
      }
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    const name = r.name;
    const ns = r.namespace;
    const current = (): KObject => {
      const o = store.get(plural, ns, name);
      if (o === undefined) throw notFound(plural, r.info.group, name);
      return o;
    };

    if (r.subresource === 'portforward') throw portForwardNeedsUpgrade();

    if (r.subresource === 'log') {
      if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      await podLog(res, req, r, q);
      return;
    }

    if (r.subresource === 'scale') {
      if (method === 'GET') {
        sendJson(res, 200, toScale(current()));
        return;
      }
      if (method === 'PUT' || method === 'PATCH') {
        const obj = current();
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
        sendJson(res, 200, toScale(store.update(plural, obj, writeOpts)));
        return;
      }
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }

    const status = r.subresource === 'status';
    switch (method) {
      case 'GET':
        if (!status && boolParam(q, 'watch')) {
          watch(res, req, r, q, name);
          return;
        }
        {
          const o = current();
          if (!status && wantsTable(req.headers.accept)) sendJson(res, 200, toTable(r.info, [o], o.metadata.resourceVersion ?? '', q.get('includeObject')));
          else sendJson(res, 200, o);
        }
        return;
      case 'PUT': {
        const obj = objectFromBody(r, parseObjectBody(req.headers['content-type'], await readBody(req)));
        if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
        obj.metadata.name = name;
        sendJson(res, 200, store.update(plural, obj, { ...writeOpts, ...(status ? { subresource: 'status' as const } : {}) }));
        return;
      }
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type']);
        const patch = parsePatchBody(type, (await readBody(req)).toString('utf8'));
        const existing = store.get(plural, ns, name);
        if (existing === undefined) {
          if (type === PATCH_TYPES.apply && !status) {
            const obj = objectFromBody(r, patch);
            if (obj.metadata.name !== undefined && obj.metadata.name !== name) throw badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`);
            obj.metadata.name = name;
            sendJson(res, 201, store.create(plural, obj, writeOpts));
            return;
          }
          throw notFound(plural, r.info.group, name);
        }
        const patched = applyPatch(type, existing, patch, r.info.kind);
        if (!isObj(patched) || !isObj(patched['metadata'])) throw badRequest('the patched object is not a Kubernetes object');
        const obj = patched as KObject;
        if (obj.metadata.name !== name) throw new ApiError(422, 'Invalid', `metadata.name: Invalid value: ${JSON.stringify(obj.metadata.name)}: field is immutable`);
        if (r.info.namespaced && obj.metadata.namespace !== ns) throw new ApiError(422, 'Invalid', `metadata.namespace: Invalid value: ${JSON.stringify(obj.metadata.namespace)}: field is immutable`);
        obj.apiVersion = existing.apiVersion;
        obj.kind = existing.kind;
        sendJson(res, 200, store.update(plural, obj, { ...writeOpts, ...(status ? { subresource: 'status' as const } : {}) }));
        return;
      }
      case 'DELETE': {
        if (status) break;
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
        return;
      }
      default:
        break;
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) {
      sendError(res, new ApiError(401, 'Unauthorized', 'Unauthorized'));
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = url.searchParams;
    const segs = url.pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
    const path = `/${segs.join('/')}`;
    const method = req.method ?? 'GET';
    if (method === 'GET') {
      switch (path) {
        case '/version':
          sendJson(res, 200, versionInfo());
          return;
        case '/api':
          sendJson(res, 200, coreVersions(`127.0.0.1:${port}`));
          return;
        case '/apis':
          sendJson(res, 200, groupList());
          return;
        case '/healthz':
        case '/livez':
        case '/readyz':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end('ok');
          return;
        case '/openapi/v3':
          sendJson(res, 200, openApiV3Root());
          return;
        default:
          break;
      }
      if (segs[0] === 'openapi' && segs[1] === 'v3') {
        const gv = segs[2] === 'api' ? { group: '', version: segs[3] ?? '', n: 4 } : { group: segs[3] ?? '', version: segs[4] ?? '', n: 5 };
        const doc = segs.length === gv.n ? openApiV3Document(gv.group, gv.version) : undefined;
        if (doc !== undefined) {
          sendJson(res, 200, doc);
          return;
        }
      }
      if (segs[0] === 'api' && segs.length === 2) {
        const body = resourceList('', segs[1] ?? '');
        if (body !== undefined) {
          sendJson(res, 200, body);
          return;
        }
      }
      if (segs[0] === 'apis' && segs.length === 2) {
        const body = groupInfo(segs[1] ?? '');
        if (body !== undefined) {
          sendJson(res, 200, body);
          return;
        }
      }
      if (segs[0] === 'apis' && segs.length === 3) {
        const body = resourceList(segs[1] ?? '', segs[2] ?? '');
        if (body !== undefined) {
          sendJson(res, 200, body);
          return;
        }
      }
    }
    const r = route(segs);
    if (r === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    await resource(req, res, r, q);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      sendError(res, err);
      req.resume();
    });
  };
  // Upgrades (pods/portforward's SPDY/3.1) arrive here instead of onRequest; auth as for any request.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (!authorized(req)) return rejectUpgrade(socket, new ApiError(401, 'Unauthorized', 'Unauthorized'));
    let r: Route | undefined;
    try {
      r = route(new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s)));
    } catch {
      r = undefined;
    }
    if (r?.info.plural === 'pods' && r.subresource === 'portforward' && r.name !== undefined && r.namespace !== undefined) {
      portForward.upgrade(req, socket, head, r.name, store.get('pods', r.namespace, r.name));
      return;
    }
    const unserved = r?.subresource === undefined ? undefined : unservedSubresource(r.info.plural, r.subresource);
    rejectUpgrade(socket, unserved ?? new ApiError(404, 'NotFound', 'the server could not find the requested resource'));
  };
  const tls = opts.tls === undefined ? makeSelfSignedCert() : opts.tls;
  const server: Server = tls === false ? createHttpServer(onRequest) : createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, onRequest);
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls === false ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    token,
    caPem: tls === false ? undefined : tls.certPem,
    setPodLogProvider(fn) {
      logProvider = fn;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const w of [...watches]) w();
        portForward.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
