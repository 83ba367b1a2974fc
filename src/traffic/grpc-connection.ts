import http2 from 'node:http2';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import type { Dispatcher } from 'undici';
import { grpcStatusNumber } from '../metrics/grpc-status.js';
import { SESSION_CLOSED_CODE, h2ErrorName, judgeStreamEnd } from './http2-retry.js';
import type { RetryReason } from './http2-retry.js';

/** The callbacks a GrpcConnection calls, in undici's classic dispatch-handler form (the Lane). */
export type GrpcHandler = Pick<Dispatcher.DispatchHandler, 'onConnect' | 'onHeaders' | 'onComplete' | 'onError'>;

/** How a GrpcConnection connects and what it reports. */
export interface GrpcConnectionOptions {
  /** Gives up a connect after this long (UND_ERR_CONNECT_TIMEOUT, a timeout). */
  connectTimeoutMs: number;
  /** PEM CA certificate(s) to trust (TLS). */
  ca?: string | Uint8Array;
  /** Skip certificate verification (TLS). */
  insecure?: boolean;
  /** Lower-case response metadata key naming the pod (headers or trailers). */
  podKey?: string;
  /** The connection received a GOAWAY (`refused`: its call in flight, 1 or 0, lies above the last stream id). */
  onGoaway?: (goaway: { lastStreamId: number; errorCode: string; pod?: string; refused: number }) => void;
}

/** A handler that is told of a retry (the Lane): false when its call already has an outcome. */
interface RetryAware {
  onRetry?: (reason: string) => boolean;
}

/** An Error with a code, as undici's errors carry (errorCodeOf reads `code`). */
export class GrpcTransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'GrpcTransportError';
  }
}

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR } = http2.constants;

/** What a session carries besides node's own state: its GOAWAY's last stream id, its error. */
interface SessionState {
  goawayLastStreamId: number;
  errorCode: string | undefined;
  connected: boolean;
  answered: number;
  /** The session itself (a stream's state outlives the connection's current session). */
  session: ClientHttp2Session;
}

/** The HTTP/2 request headers of a run's dispatch options, built once (the engine shares one object per run). */
const headersCache = new WeakMap<Dispatcher.DispatchOptions, OutgoingHttpHeaders>();

function requestHeadersOf(opts: Dispatcher.DispatchOptions): OutgoingHttpHeaders {
  const cached = headersCache.get(opts);
  if (cached !== undefined) return cached;
  const h: OutgoingHttpHeaders = { ':method': 'POST', ':path': opts.path, 'content-type': 'application/grpc', te: 'trailers' };
  const list = (opts.headers ?? []) as string[];
  for (let i = 0; i + 1 < list.length; i += 2) h[list[i]!.toLowerCase()] = list[i + 1]!;
  headersCache.set(opts, h);
  return h;
}

/** The code of an error: its cause's when node wraps a session's failure (ERR_HTTP2_STREAM_CANCEL). */
function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (typeof e.cause?.code === 'string') return e.cause.code;
  return typeof e.code === 'string' ? e.code : undefined;
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const OWNER = Symbol('zerodrop.grpcConnection');
type OwnedStream = ClientHttp2Stream & { [OWNER]?: GrpcConnection };

const NO_HEADERS: string[] = [];

function noop(): void {}
function noResume(): void {}

/**
 * One gRPC channel of one HTTP/2 connection, one unary call at a time: the engine's gRPC client
 * (a LaneDispatcher, as Http1Connection is for HTTP/1.1). A call is a POST of the pre-encoded,
 * length-prefixed request (grpc-message.ts) to /package.Service/Method; its outcome is the
 * grpc-status of the trailers (or of a trailers-only answer), handed to the Lane as the status
 * number GRPC_STATUS_BASE + code. The reply's bytes are read and dropped.
 *
 * Why not @grpc/grpc-js: measured on the demo service (bench/README.md), a grpc-js client spends
 * about 2.5x the CPU per call of this path, and it hides what the accounting must see: it retries
 * refused calls transparently, reconnects on its own, and never says which connection (hence
 * which pod) a failed call was on. Here, as a well-behaved gRPC client does, a call the server
 * refused unprocessed — above the last stream id of a GOAWAY, or reset with REFUSED_STREAM — is
 * sent once more on a new connection, and reported (the Lane's onRetry) so it is counted apart;
 * a call lost after the server began it is a failure (the rules of http2-retry.ts, shared with the
 * HTTP/2 client). After a GOAWAY the connection takes no new call: the next opens a new one.
 */
export class GrpcConnection {
  readonly #origin: string;
  readonly #connectOpts: SecureClientSessionOptions;
  readonly #connectTimeoutMs: number;
  readonly #podKey: string | undefined;
  readonly #onGoaway: GrpcConnectionOptions['onGoaway'];
  #session: ClientHttp2Session | null = null;
  #state: SessionState | null = null;
  #handler: GrpcHandler | null = null;
  #opts: Dispatcher.DispatchOptions | null = null;
  #body: Buffer | null = null;
  #stream: OwnedStream | null = null;
  #streamState: SessionState | null = null;
  #streamErrorCode: string | undefined = undefined;
  #retried = false;
  #status = 0;
  #httpStatus = 0;
  #pod: string | undefined = undefined;
  /** Pod that last answered on this connection (a GOAWAY comes from it). */
  #lastPod: string | undefined = undefined;
  #newConnection = true;
  #closed = false;
  #closeWaiter: (() => void) | null = null;
  readonly #abort = (err?: Error): void => this.#abortCurrent(err ?? new GrpcTransportError('call aborted', 'UND_ERR_ABORTED'));

  constructor(origin: string, opts: GrpcConnectionOptions) {
    this.#origin = origin;
    this.#connectTimeoutMs = opts.connectTimeoutMs;
    const c: SecureClientSessionOptions = {};
    if (opts.ca !== undefined) c.ca = typeof opts.ca === 'string' ? opts.ca : Buffer.from(opts.ca);
    if (opts.insecure === true) c.rejectUnauthorized = false;
    this.#connectOpts = c;
    this.#podKey = opts.podKey;
    this.#onGoaway = opts.onGoaway;
  }

  /** The call in flight (or that just ended) went out on a connection that had answered no call before it. */
  get newConnection(): boolean {
    return this.#newConnection;
  }

  /** Starts one unary call; the connection must be idle (one call at a time, as the Lane sends). */
  dispatch(opts: Dispatcher.DispatchOptions, handler: GrpcHandler): boolean {
    if (this.#closed) {
      handler.onError!(new GrpcTransportError('The client is destroyed', 'UND_ERR_DESTROYED'));
      return true;
    }
    if (this.#handler !== null) {
      handler.onError!(new GrpcTransportError('one call at a time on a GrpcConnection', 'UND_ERR_INVALID_ARG'));
      return true;
    }
    this.#handler = handler;
    if (this.#opts !== opts) {
      this.#opts = opts;
      this.#body = opts.body === null || opts.body === undefined ? Buffer.alloc(0) : Buffer.from(opts.body as Uint8Array);
    }
    this.#retried = false;
    this.#start(true);
    return true;
  }

  /** Closes the connection once its call (if any) is done. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#handler === null) {
      this.#dropSession();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#closeWaiter = resolve;
    });
  }

  /** Destroys the connection now; a call in flight fails. */
  destroy(): Promise<void> {
    this.#closed = true;
    this.#abortCurrent(new GrpcTransportError('The client is destroyed', 'UND_ERR_DESTROYED'));
    this.#dropSession();
    return Promise.resolve();
  }

  // ---- sessions -----------------------------------------------------------------------------

  /** The session the next call goes on: the current one unless it is closing, gone, or got a GOAWAY. */
  #sessionForCall(): ClientHttp2Session {
    const s = this.#session;
    if (s !== null && !s.closed && !s.destroyed && this.#state!.goawayLastStreamId < 0) return s;
    this.#dropSession();
    return this.#openSession();
  }

  #openSession(): ClientHttp2Session {
    const s = http2.connect(this.#origin, this.#connectOpts);
    const state: SessionState = { goawayLastStreamId: -1, errorCode: undefined, connected: false, answered: 0, session: s };
    this.#session = s;
    this.#state = state;
    const timer = setTimeout(() => {
      if (!state.connected) {
        state.errorCode = 'UND_ERR_CONNECT_TIMEOUT';
        s.destroy();
      }
    }, this.#connectTimeoutMs);
    s.once('connect', () => {
      state.connected = true;
      clearTimeout(timer);
    });
    s.on('goaway', (errorCode: number, lastStreamId: number) => {
      const first = state.goawayLastStreamId < 0;
      state.goawayLastStreamId = first ? lastStreamId : Math.min(state.goawayLastStreamId, lastStreamId);
      // A server closing gracefully sends its GOAWAY again as the session ends: one per connection.
      if (first && this.#onGoaway !== undefined) {
        const inFlight = this.#stream !== null && this.#streamState === state ? (this.#stream.id ?? 0) : 0;
        const g: { lastStreamId: number; errorCode: string; pod?: string; refused: number } = { lastStreamId, errorCode: h2ErrorName(errorCode), refused: inFlight > lastStreamId ? 1 : 0 };
        if (this.#lastPod !== undefined) g.pod = this.#lastPod;
        this.#onGoaway(g);
      }
    });
    s.on('error', (err: unknown) => {
      state.errorCode ??= codeOf(err) ?? 'ERR_HTTP2_SESSION_ERROR';
    });
    s.on('close', () => {
      clearTimeout(timer);
      if (this.#session === s) {
        this.#session = null;
        this.#state = null;
      }
    });
    // The connection alone never keeps the process up.
    s.unref();
    return s;
  }

  #dropSession(): void {
    const s = this.#session;
    if (s === null) return;
    this.#session = null;
    this.#state = null;
    s.destroy();
  }

  // ---- one call -----------------------------------------------------------------------------

  /** Sends the current call (first time, or its one retry) on a usable session. */
  #start(first: boolean): void {
    const handler = this.#handler!;
    const session = this.#sessionForCall();
    const state = this.#state!;
    if (first) {
      // As undici does, onConnect comes before every request; the handler may abort in it.
      handler.onConnect!(this.#abort);
      if (this.#handler !== handler) return;
    }
    this.#newConnection = state.answered === 0;
    this.#status = 0;
    this.#httpStatus = 0;
    this.#pod = undefined;
    this.#streamErrorCode = undefined;
    let stream: OwnedStream;
    try {
      stream = session.request(requestHeadersOf(this.#opts!), { endStream: false }) as OwnedStream;
    } catch (err) {
      // The session closed between our check and the request (nothing was sent): a transport failure.
      this.#dropSession();
      this.#fail(new GrpcTransportError((err as Error).message, codeOf(err) ?? 'ERR_HTTP2_INVALID_SESSION'));
      return;
    }
    stream[OWNER] = this;
    this.#stream = stream;
    this.#streamState = state;
    stream.on('response', GrpcConnection.#onStreamResponse);
    stream.on('trailers', GrpcConnection.#onStreamTrailers);
    stream.on('data', noop);
    stream.on('error', GrpcConnection.#onStreamError);
    stream.on('close', GrpcConnection.#onStreamClose);
    stream.end(this.#body);
  }

  static readonly #onStreamResponse = function (this: OwnedStream, headers: IncomingHttpHeaders): void {
    const c = this[OWNER];
    if (c !== undefined && c.#stream === this) c.#readHeaders(headers, true);
  };

  static readonly #onStreamTrailers = function (this: OwnedStream, trailers: IncomingHttpHeaders): void {
    const c = this[OWNER];
    if (c !== undefined && c.#stream === this) c.#readHeaders(trailers, false);
  };

  static readonly #onStreamError = function (this: OwnedStream, err: unknown): void {
    const c = this[OWNER];
    if (c === undefined || c.#stream !== this) return;
    // A reset shows as ERR_HTTP2_STREAM_ERROR: its rstCode says more (as http2-client.ts reads it).
    const code = codeOf(err);
    if (code !== 'ERR_HTTP2_STREAM_ERROR') c.#streamErrorCode ??= code;
  };

  static readonly #onStreamClose = function (this: OwnedStream): void {
    const c = this[OWNER];
    if (c !== undefined && c.#stream === this) c.#streamClosed(this);
  };

  #readHeaders(h: IncomingHttpHeaders, initial: boolean): void {
    if (initial) this.#httpStatus = Number(h[':status'] ?? 0);
    const gs = headerText(h['grpc-status']);
    if (gs !== undefined) this.#status = grpcStatusNumber(Number(gs));
    if (this.#podKey !== undefined) {
      const pod = headerText(h[this.#podKey]);
      if (pod !== undefined) {
        this.#pod = pod;
        // Before the call completes: a GOAWAY right behind the answer names this pod.
        this.#lastPod = pod;
      }
    }
  }

  #streamClosed(stream: OwnedStream): void {
    this.#stream = null;
    const state = this.#streamState!;
    let status = this.#status;
    // No grpc-status but a final non-200 HTTP answer (a proxy's 503, say): that status is the outcome.
    if (status === 0 && this.#httpStatus !== 0 && this.#httpStatus !== 200 && stream.rstCode === NGHTTP2_NO_ERROR) status = this.#httpStatus;
    if (status !== 0) {
      this.#complete(status, state);
      return;
    }
    // The same rules as zerodrop's HTTP/2 client (http2-retry.ts): a call the server never
    // processed is sent once more on a new connection, as gRPC clients do; anything else fails.
    const verdict = judgeStreamEnd({
      headersReceived: this.#httpStatus !== 0,
      streamId: stream.id,
      rstCode: stream.rstCode,
      goawayLastStreamId: state.goawayLastStreamId < 0 ? undefined : state.goawayLastStreamId,
      retried: this.#retried,
      // A stream the session's end cut (node cancels it locally: rstCode CANCEL, no RST_STREAM
      // from the server) is the session's failure, HTTP2_SESSION_CLOSED unless it had an error.
      sessionErrorCode: state.errorCode ?? this.#streamErrorCode ?? (state.session.destroyed ? SESSION_CLOSED_CODE : undefined),
    });
    if ('retry' in verdict) {
      const reason: RetryReason = verdict.retry;
      // Unless the call already has its outcome (it timed out meanwhile).
      if (!this.#closed && ((this.#handler as RetryAware).onRetry?.(reason) ?? true)) {
        this.#retried = true;
        if (this.#state === state) this.#dropSession();
        this.#start(false);
        return;
      }
      this.#fail(new GrpcTransportError(`call refused unprocessed (${reason})`, reason === 'goaway' ? 'HTTP2_GOAWAY_REFUSED' : 'HTTP2_REFUSED_STREAM'));
      return;
    }
    this.#fail(new GrpcTransportError(`call ended without a grpc-status (${verdict.fail})`, verdict.fail));
  }

  #abortCurrent(err: Error): void {
    if (this.#handler === null) return;
    const stream = this.#stream;
    this.#stream = null;
    if (stream !== null && !stream.closed) stream.close(NGHTTP2_CANCEL);
    // A connection that never came up is not waited for again: the next call tries a fresh one.
    if (this.#state !== null && !this.#state.connected) this.#dropSession();
    this.#fail(err);
  }

  #complete(status: number, state: SessionState): void {
    const handler = this.#handler!;
    this.#handler = null;
    state.answered++;
    const raw = this.#pod === undefined ? NO_HEADERS : [this.#podKey!, this.#pod];
    // The Lane reads names and values as Buffers or strings alike (undici's type says Buffers).
    handler.onHeaders!(status, raw as unknown as Buffer[], noResume, '');
    handler.onComplete!([]);
    this.#afterCall();
  }

  #fail(err: Error): void {
    const handler = this.#handler;
    if (handler === null) return;
    this.#handler = null;
    handler.onError!(err);
    this.#afterCall();
  }

  #afterCall(): void {
    if (this.#closed && this.#handler === null) {
      this.#dropSession();
      const w = this.#closeWaiter;
      this.#closeWaiter = null;
      if (w !== null) w();
    }
  }
}
