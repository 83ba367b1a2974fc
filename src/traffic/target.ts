import { Client, Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { InvalidInputError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { nodeHttp2Refusal, undiciRefusal } from './client-kind.js';
import type { ClientKind } from './client-kind.js';
import { GrpcConnection } from './grpc-connection.js';
import type { GrpcConnectionOptions } from './grpc-connection.js';
import { Http1Connection, http1TlsOf } from './http1-connection.js';

/** What is needed to reach the target: shared by the engine and the preflight check. */
export interface TargetOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  timeoutMs: number;
  /** Reuse connections (default in HTTP clients). false: `connection: close` on every request. */
  keepAlive: boolean;
  /** Speak HTTP/2: negotiated by ALPN over https:, h2c with prior knowledge over http: (lean client). */
  http2?: boolean;
  /**
   * HTTP/2: most streams in flight per session (h2load's -m). Closed model: `connections`
   * sessions carry `streams` loops each; open model: a cap per session. Default: 1 in the closed
   * model (one stream per session, as h2load), the server's limit in the open model.
   */
  streams?: number;
  /** PEM CA certificate(s) to trust for an https target. */
  ca?: string | Uint8Array;
  /** Skip certificate verification (explicit opt-in, for test environments). */
  insecure?: boolean;
  /** Response header naming the pod that answered: outcomes are then counted per pod too. */
  podHeader?: string;
  /**
   * The HTTP client under each connection: `lean` (zerodrop's own: HTTP/1.1 over http: and
   * https:, see http1-connection.ts; HTTP/2 frames, see http2-lean-client.ts), `undici`, or
   * `node-http2` (HTTP/2 only). Default: lean.
   */
  client?: ClientKind;
  /**
   * gRPC unary calls instead of HTTP requests: the URL's path is /package.Service/Method, `body`
   * the length-prefixed request message (grpc-message.ts), `headers` the call's metadata (with
   * grpc-timeout); each connection is a GrpcConnection (node:http2; TLS for https:).
   */
  grpc?: boolean;
}

export { CLIENT_CHOICES, CLIENT_KINDS } from './client-kind.js';
export type { ClientKind } from './client-kind.js';

/**
 * The client a target is reached with: `auto` (no client) is lean, zerodrop's own HTTP/1.1 client
 * over http: or https: and its HTTP/2 frames client (http2-lean-client.ts) with http2;
 * `node-http2` is its client on node:http2 (http2-client.ts). Both HTTP/2 clients count GOAWAY
 * and REFUSED_STREAM retries, which undici hides. Throws InvalidInputError for a bad URL, undici
 * on cleartext HTTP/2, and node-http2 without HTTP/2. gRPC has one client, zerodrop's own on
 * node:http2 (grpc-connection.ts), reported as lean.
 */
export function clientKindOf(opts: Pick<TargetOptions, 'url' | 'client' | 'http2' | 'grpc'>): ClientKind {
  if (opts.grpc === true) {
    if (opts.client === 'undici') throw new InvalidInputError([{ path: 'client', message: 'gRPC calls go through zerodrop\'s own HTTP/2 client: leave client unset (auto)' }]);
    return 'lean';
  }
  const h2only = opts.client === 'node-http2' ? nodeHttp2Refusal(opts.http2 === true) : undefined;
  if (h2only !== undefined) throw new InvalidInputError([{ path: 'client', message: h2only }]);
  const refusal = undiciRefusal(parseTargetUrl(opts.url).href, opts.http2 === true);
  if (opts.client === 'undici' && refusal !== undefined) {
    throw new InvalidInputError([{ path: 'client', message: `${refusal}: use client "lean" (the default) for cleartext h2c` }]);
  }
  return opts.client ?? 'lean';
}

/** What a Lane sends through: an undici Client or Pool, a lean Http1Connection, or a GrpcConnection. */
export interface LaneDispatcher {
  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  close(): Promise<void>;
  destroy(): Promise<void>;
  /**
   * Only the lean connection can tell: the request in flight went out on a connection that had
   * carried no response yet (undici does not say which socket a request used).
   */
  readonly newConnection?: boolean;
}

/** The parsed target URL; throws InvalidInputError (field `url`) for anything but http(s). */
export function parseTargetUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InvalidInputError([{ path: 'url', message: `not a valid URL: ${JSON.stringify(redactUrl(url))}` }]);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new InvalidInputError([{ path: 'url', message: `unsupported scheme ${u.protocol} (use http: or https:)` }]);
  }
  return u;
}

/** How long undici keeps an idle connection without a server hint (ms); see clientOptionsOf. */
const IDLE_KEEPALIVE_MS = 60_000;

/** undici connection options shared by the pool and the per-connection clients. */
function clientOptionsOf(opts: TargetOptions): Client.Options {
  const u = parseTargetUrl(opts.url);
  const backstopMs = opts.timeoutMs + 1000;
  const tls = u.protocol === 'https:';
  const connect: Record<string, unknown> = { timeout: opts.timeoutMs };
  if (tls) {
    if (opts.ca !== undefined) connect['ca'] = typeof opts.ca === 'string' ? opts.ca : Buffer.from(opts.ca);
    if (opts.insecure === true) connect['rejectUnauthorized'] = false;
  }
  return {
    pipelining: 1,
    // A connection stays open while idle unless the server asks otherwise (its Keep-Alive hint
    // still wins): the engine closes surplus idle lanes itself, a few at a time (lane-pool.ts);
    // undici's default 4 s would close every lane a burst opened within the same few ms.
    keepAliveTimeout: IDLE_KEEPALIVE_MS,
    allowH2: opts.http2 === true,
    connectTimeout: opts.timeoutMs,
    headersTimeout: backstopMs,
    bodyTimeout: backstopMs,
    connect,
  };
}

/**
 * One connection pool per origin. `connections` bounds sockets; with keep-alive off undici still
 * pools the Client objects but every request gets `connection: close` and a fresh socket.
 * undici's own headers/body timeouts are only backstops: our timer (1 ms resolution) decides.
 */
export function buildPool(opts: TargetOptions, connections: number, streams = 1): Pool {
  // HTTP/2: undici's pipelining is its streams in flight per session (1 would make each session carry one request at a time).
  return new Pool(parseTargetUrl(opts.url).origin, { ...clientOptionsOf(opts), connections, pipelining: streams });
}

/**
 * Makes one connection per call for a lane: a lean Http1Connection, or an undici Client
 * (pipelining 1, reconnected by undici when it closes), as clientKindOf decides, or a
 * GrpcConnection for gRPC (`hooks` tell the engine of its GOAWAYs). The engine gives
 * each request loop its own, so the next request is dispatched straight from the previous one's
 * completion (a Pool would still count that connection busy and queue it).
 */
export function clientFactoryOf(opts: TargetOptions, hooks: Pick<GrpcConnectionOptions, 'onGoaway'> = {}): () => LaneDispatcher {
  // Parsed and decided once per run: a new lane (hence a new connection) only constructs.
  const u = parseTargetUrl(opts.url);
  const origin = u.origin;
  if (opts.grpc === true) {
    const g: GrpcConnectionOptions = { connectTimeoutMs: opts.timeoutMs, ...hooks };
    if (opts.ca !== undefined) g.ca = opts.ca;
    if (opts.insecure === true) g.insecure = true;
    if (opts.podHeader !== undefined) g.podKey = opts.podHeader.toLowerCase();
    return () => new GrpcConnection(origin, g);
  }
  if (clientKindOf(opts) === 'lean') {
    const lean: ConstructorParameters<typeof Http1Connection>[1] = { connectTimeoutMs: opts.timeoutMs, idleTimeoutMs: IDLE_KEEPALIVE_MS };
    if (opts.podHeader !== undefined) lean.captureHeader = opts.podHeader;
    // One TLS context (the CA parsed once) and one session store for all the run's connections.
    if (u.protocol === 'https:') lean.tls = http1TlsOf(opts);
    return () => new Http1Connection(origin, lean);
  }
  const options = clientOptionsOf(opts);
  return () => new Client(origin, options);
}

/**
 * The dispatch options every request of a run shares (built once: undici copies what it needs
 * into its own Request, so one object serves all requests).
 */
export function buildDispatchOptions(opts: TargetOptions): Dispatcher.DispatchOptions {
  const u = parseTargetUrl(opts.url);
  const headers: string[] = [];
  for (const [k, v] of Object.entries(opts.headers)) headers.push(k, v);
  // Credentials in the URL (http://user:password@host/) mean Basic auth, as curl sends them; the
  // origin the connection uses drops them. An explicit Authorization header wins.
  if ((u.username !== '' || u.password !== '') && !Object.keys(opts.headers).some((k) => k.toLowerCase() === 'authorization')) {
    headers.push('authorization', `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`);
  }
  const d: Dispatcher.DispatchOptions = {
    origin: u.origin,
    path: `${u.pathname}${u.search}`,
    method: opts.method.toUpperCase() as Dispatcher.HttpMethod,
    headers,
    body: opts.body === undefined ? null : typeof opts.body === 'string' ? Buffer.from(opts.body) : Buffer.from(opts.body),
  };
  if (!opts.keepAlive) d.reset = true;
  return d;
}
