import { connect as h2connect, constants as h2constants } from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import type { Dispatcher } from 'undici';
import { errorCodeOf } from './classify.js';
import { SESSION_CLOSED_CODE, h2ErrorName, judgeStreamEnd } from './http2-retry.js';
import type { LaneDispatcher } from './target.js';
import { SessionRing } from './http2-session-ring.js';

/** What the client needs of a request slot (a Lane): undici's callback form plus retries. */
export interface Http2Handler {
  onConnect(abort: (err?: Error) => void): void;
  onHeaders(statusCode: number, rawHeaders: string[] | null): boolean;
  onComplete(): void;
  onError(err: Error): void;
  /** The request is sent again; false when it already has its outcome (then it is not). Absent: retried uncounted. */
  onRetry?(reason: string): boolean;
  /** Pod that last answered on the request's connection (set before a failure without an answer). */
  lastPod: string | undefined;
}

/** How the client is shaped and what it reports. */
export interface Http2ClientOptions {
  /** Sessions (connections) kept and taken in turn: h2load's -c. */
  sessions: number;
  /** Most streams in flight per session (h2load's -m); 0: as many as the server allows. */
  streams: number;
  /** Open more sessions when every one is full (open model); else exactly `sessions`. */
  grow: boolean;
  connectTimeoutMs: number;
  ca?: string | Uint8Array;
  insecure?: boolean;
  /** Lower-case response header naming the pod, passed to the handler. */
  podHeader?: string;
  /** A session received a GOAWAY. */
  onGoaway(goaway: { lastStreamId: number; errorCode: string; pod?: string }): void;
}

/** Streams a session is assumed to allow before the server's SETTINGS say (RFC 9113 recommends at least 100). */
const DEFAULT_PEER_STREAMS = 100;

const { HTTP2_HEADER_STATUS, NGHTTP2_CANCEL } = h2constants;

/** Request options, shared by every request (node:http2 only reads them). */
const END_STREAM = { endStream: true };
const WITH_BODY = {};

/** The error a request gets when its session could not be opened in time. */
function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`zerodrop: HTTP/2 session not connected within ${ms} ms`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
}

/** One HTTP/2 session and its bookkeeping. */
class Conn {
  readonly session: ClientHttp2Session;
  /** Streams in flight. */
  active = 0;
  /** Streams it may carry at once: the option, capped by the server's SETTINGS. */
  limit: number;
  connected = false;
  /** No new stream may go on it (GOAWAY received, closed or failed). */
  dead = false;
  goawayLastStreamId: number | undefined = undefined;
  /** The session's own error (socket, TLS, connect), if it failed. */
  errorCode: string | undefined = undefined;
  /** Pod that last answered on this session (with a pod header). */
  lastPod: string | undefined = undefined;
  /** Requests dispatched before the session connected (told onConnect when it does). */
  waiting: Call[] = [];
  connectTimer: NodeJS.Timeout | null = null;

  constructor(session: ClientHttp2Session, limit: number) {
    this.session = session;
    this.limit = limit;
  }
}

/** One request slot's state, made once per handler and reused request after request (no closure per request). */
class Call {
  readonly handler: Http2Handler;
  readonly client: Http2Client;
  stream: ClientHttp2Stream | null = null;
  conn: Conn | null = null;
  opts: Dispatcher.DispatchOptions | null = null;
  headersReceived = false;
  completed = false;
  retried = false;
  /** Code of the stream's own error event, if any. */
  errorCode: string | undefined = undefined;
  /** The reason of an abort (our timeout), passed to onError when the stream closes. */
  abortError: Error | undefined = undefined;
  /** Bound once: undici's abort callback for this slot. */
  readonly abort: (err?: Error) => void;

  constructor(client: Http2Client, handler: Http2Handler) {
    this.client = client;
    this.handler = handler;
    this.abort = (err?: Error): void => {
      this.abortError = err ?? new Error('aborted');
      const s = this.stream;
      if (s !== null && !s.closed && !s.destroyed) s.close(NGHTTP2_CANCEL);
    };
  }
}

const kCall = Symbol('zerodrop.h2call');
const kConn = Symbol('zerodrop.h2conn');
type WithCall = { [kCall]?: Call | undefined; [kConn]?: Conn | undefined };

// Stream listeners are shared functions (`this` is the stream): no closure per request.
function onStreamResponse(this: ClientHttp2Stream & WithCall, headers: IncomingHttpHeaders): void {
  const call = this[kCall];
  if (call === undefined || call.stream !== this) return;
  call.headersReceived = true;
  const status = Number(headers[HTTP2_HEADER_STATUS]);
  const wanted = call.client.podHeader;
  let raw: string[] | null = null;
  if (wanted !== undefined) {
    const v = headers[wanted];
    const pod = Array.isArray(v) ? v[0] : v;
    if (pod !== undefined) {
      raw = [wanted, pod];
      call.conn!.lastPod = pod;
    }
  }
  call.handler.onHeaders(status, raw);
}

function onStreamEnd(this: ClientHttp2Stream & WithCall): void {
  const call = this[kCall];
  if (call === undefined || call.stream !== this || !call.headersReceived) return;
  // The server ended the stream after a whole response: the request is done now. The stream's
  // close comes later (after the session's next turn), and waiting for it idles the loop.
  call.client.streamEnded(call, this);
}

function onStreamError(this: ClientHttp2Stream & WithCall, err: Error & { code?: string }): void {
  const call = this[kCall];
  if (call === undefined || call.stream !== this) return;
  // A reset shows as ERR_HTTP2_STREAM_ERROR: its rstCode says more. A stream still pending when
  // its session failed (ECONNREFUSED, a TLS error) is cancelled with the session's error as cause.
  if (err.code === 'ERR_HTTP2_STREAM_ERROR') return;
  call.errorCode ??= err.code === 'ERR_HTTP2_STREAM_CANCEL' && err.cause !== undefined ? errorCodeOf(err.cause) : (err.code ?? errorCodeOf(err));
}

function onStreamClose(this: ClientHttp2Stream & WithCall): void {
  const conn = this[kConn];
  if (conn !== undefined) conn.active--;
  const call = this[kCall];
  this[kCall] = undefined;
  if (call === undefined || call.stream !== this) return;
  call.client.streamClosed(call, this);
}

/**
 * zerodrop's HTTP/2 client on node:http2, shared by every lane of an engine: `sessions` sessions
 * with up to `streams` streams in flight each (h2load's -c and -m), taken in turn so that behind a
 * Service every session (each on a pod of its own) carries its share. Each request ends in exactly
 * one callback to its handler: onComplete after a whole response, or onError. A stream the server
 * never processed (above a GOAWAY's last-stream-id, or REFUSED_STREAM) is sent once more on
 * another session and counted through handler.onRetry (see http2-retry.ts). https: negotiates h2
 * by ALPN; http: speaks h2c with prior knowledge (as gRPC plaintext does).
 */
export class Http2Client implements LaneDispatcher {
  /** Lower-case pod header, if outcomes are counted per pod. */
  readonly podHeader: string | undefined;
  readonly #origin: string;
  readonly #o: Http2ClientOptions;
  readonly #connectOptions: SecureClientSessionOptions;
  /** Session slots, taken in turn; a dead one is replaced when its turn comes. */
  readonly #ring: SessionRing<Conn>;
  /** Every session not closed yet, the replaced ones draining their streams included (destroy ends them all). */
  readonly #all = new Set<Conn>();
  /** Headers of every request (built once per dispatch options object). */
  #headersFor: Dispatcher.DispatchOptions | null = null;
  #headers: OutgoingHttpHeaders = {};
  #body: Buffer | null = null;
  #closing = false;
  readonly #calls = new WeakMap<Http2Handler, Call>();

  constructor(origin: string, o: Http2ClientOptions) {
    this.#origin = origin;
    this.#o = o;
    this.#ring = new SessionRing(o.sessions, o.grow, () => this.#open());
    this.podHeader = o.podHeader;
    // noDelay: node:http2 leaves Nagle's algorithm on, and a small request then waits for the
    // server's delayed ACK (up to 40 ms): measured, 64 sessions of one stream each did 1,200 req/s.
    const c: SecureClientSessionOptions & { noDelay: boolean } = { peerMaxConcurrentStreams: o.streams > 0 ? o.streams : DEFAULT_PEER_STREAMS, noDelay: true };
    if (o.ca !== undefined) c.ca = typeof o.ca === 'string' ? o.ca : Buffer.from(o.ca);
    if (o.insecure === true) c.rejectUnauthorized = false;
    this.#connectOptions = c;
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as unknown as Http2Handler;
    let call = this.#calls.get(h);
    if (call === undefined) {
      call = new Call(this, h);
      this.#calls.set(h, call);
    }
    call.retried = false;
    call.opts = opts;
    this.#start(call, null);
    return true;
  }

  /** Sends the call's request on a session (not `avoid`, when another can take it). */
  #start(call: Call, avoid: Conn | null): void {
    call.headersReceived = false;
    call.completed = false;
    call.errorCode = undefined;
    call.abortError = undefined;
    call.stream = null;
    const opts = call.opts!;
    if (this.#closing) {
      call.handler.onError(Object.assign(new Error('zerodrop: client closed'), { code: 'UND_ERR_DESTROYED' }));
      return;
    }
    if (this.#headersFor !== opts) this.#prepare(opts);
    // A session may turn out closed when the request is made: then take the next one.
    for (let attempt = 0; attempt < 3; attempt++) {
      const conn = this.#ring.pick(avoid);
      let stream: ClientHttp2Stream;
      try {
        stream = conn.session.request(this.#headers, this.#body === null ? END_STREAM : WITH_BODY);
      } catch {
        conn.dead = true;
        continue;
      }
      conn.active++;
      call.conn = conn;
      call.stream = stream;
      (stream as ClientHttp2Stream & WithCall)[kCall] = call;
      (stream as ClientHttp2Stream & WithCall)[kConn] = conn;
      stream.on('response', onStreamResponse);
      stream.on('end', onStreamEnd);
      stream.on('error', onStreamError);
      stream.on('close', onStreamClose);
      if (this.#body !== null) stream.end(this.#body);
      // The body is read and dropped.
      stream.resume();
      if (conn.connected) call.handler.onConnect(call.abort);
      else conn.waiting.push(call);
      return;
    }
    call.handler.onError(Object.assign(new Error('zerodrop: no HTTP/2 session could take the request'), { code: 'ERR_HTTP2_INVALID_SESSION' }));
  }

  #prepare(opts: Dispatcher.DispatchOptions): void {
    const u = new URL(this.#origin);
    const h: OutgoingHttpHeaders = { ':method': opts.method, ':path': opts.path, ':scheme': u.protocol.slice(0, -1), ':authority': u.host };
    const list = opts.headers as string[] | null | undefined;
    if (Array.isArray(list)) for (let i = 0; i + 1 < list.length; i += 2) h[list[i]!.toLowerCase()] = list[i + 1]!;
    const body = opts.body;
    this.#body = body === null || body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(body as string);
    if (this.#body !== null) h['content-length'] = String(this.#body.length);
    this.#headers = h;
    this.#headersFor = opts;
  }

  #open(): Conn {
    const o = this.#o;
    const session = h2connect(this.#origin, this.#connectOptions);
    const conn = new Conn(session, o.streams > 0 ? o.streams : DEFAULT_PEER_STREAMS);
    this.#all.add(conn);
    conn.connectTimer = setTimeout(() => {
      conn.connectTimer = null;
      if (!conn.connected) session.destroy(connectTimeoutError(o.connectTimeoutMs));
    }, o.connectTimeoutMs);
    session.on('connect', () => {
      if (conn.connectTimer !== null) clearTimeout(conn.connectTimer);
      conn.connectTimer = null;
      conn.connected = true;
      const waiting = conn.waiting;
      conn.waiting = [];
      for (const call of waiting) if (call.conn === conn && call.stream !== null && !call.stream.closed) call.handler.onConnect(call.abort);
    });
    session.on('remoteSettings', (s) => {
      const peer = s.maxConcurrentStreams;
      if (peer !== undefined && peer > 0) conn.limit = o.streams > 0 ? Math.min(o.streams, peer) : peer;
    });
    session.on('goaway', (code: number, lastStreamId: number) => {
      conn.dead = true;
      conn.goawayLastStreamId = lastStreamId;
      // Streams above the last-stream-id were refused: each is retried as it closes (and counted there).
      const g: { lastStreamId: number; errorCode: string; pod?: string } = { lastStreamId, errorCode: h2ErrorName(code) };
      if (conn.lastPod !== undefined) g.pod = conn.lastPod;
      o.onGoaway(g);
    });
    session.on('error', (err: Error) => {
      // Each stream gets the error too (or a cancel caused by it), and judges it there.
      conn.dead = true;
      conn.errorCode ??= errorCodeOf(err);
    });
    session.on('close', () => {
      conn.dead = true;
      this.#all.delete(conn);
      if (conn.connectTimer !== null) clearTimeout(conn.connectTimer);
      conn.connectTimer = null;
    });
    // Sessions must not keep a finished process alive; streams in flight keep the loop busy anyway.
    session.unref();
    return conn;
  }

  /** A stream's whole response arrived: the call completes (its slot frees when the stream closes). */
  streamEnded(call: Call, stream: ClientHttp2Stream): void {
    call.completed = true;
    call.stream = null;
    const s = stream as ClientHttp2Stream & WithCall;
    s[kCall] = undefined;
    // Its slot frees now: the next request may take it before this stream's close is processed.
    s[kConn]!.active--;
    s[kConn] = undefined;
    call.handler.onComplete();
  }

  /** A stream closed before its whole response: retry or fail its call. */
  streamClosed(call: Call, stream: ClientHttp2Stream): void {
    const conn = call.conn!;
    call.stream = null;
    const handler = call.handler;
    if (call.abortError !== undefined) {
      handler.onError(call.abortError);
      return;
    }
    const verdict = judgeStreamEnd({
      headersReceived: call.headersReceived,
      streamId: stream.id,
      rstCode: stream.rstCode,
      goawayLastStreamId: conn.goawayLastStreamId,
      retried: call.retried,
      // A stream its session's end cut (node cancels it locally: rstCode CANCEL, no RST_STREAM
      // from the server) is the session's failure, HTTP2_SESSION_CLOSED unless it had an error.
      sessionErrorCode: call.errorCode ?? conn.errorCode ?? (conn.session.destroyed ? SESSION_CLOSED_CODE : undefined),
    });
    if ('retry' in verdict) {
      if (handler.onRetry === undefined || handler.onRetry(verdict.retry)) {
        call.retried = true;
        this.#start(call, conn);
        return;
      }
      handler.onError(Object.assign(new Error(`zerodrop: HTTP/2 stream refused (${verdict.retry})`), { code: verdict.retry === 'goaway' ? 'HTTP2_GOAWAY_REFUSED' : 'HTTP2_REFUSED_STREAM' }));
      return;
    }
    if (handler.lastPod === undefined || !call.headersReceived) handler.lastPod = conn.lastPod;
    handler.onError(Object.assign(new Error(`zerodrop: HTTP/2 request failed (${verdict.fail})`), { code: verdict.fail }));
  }

  close(): Promise<void> {
    this.#closing = true;
    return Promise.all([...this.#all].map((c) => new Promise<void>((resolve) => (c.session.closed ? resolve() : c.session.close(() => resolve()))))).then(() => undefined);
  }

  destroy(): Promise<void> {
    this.#closing = true;
    for (const c of this.#all) {
      if (c.connectTimer !== null) clearTimeout(c.connectTimer);
      c.connectTimer = null;
      c.session.destroy();
    }
    return Promise.resolve();
  }
}
