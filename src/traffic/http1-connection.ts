import net from 'node:net';
import tls from 'node:tls';
import type { Dispatcher } from 'undici';
import { ZerodropError } from '../errors.js';

/**
 * One keep-alive HTTP/1.1 connection, cleartext or over TLS, one request at a time: the engine's
 * lean alternative to an undici `Client` (see ClientKind). The request bytes are built once per
 * run and written as one Buffer; the response is parsed just far enough to count it — status,
 * framing (content-length, chunked, or read-to-close), the connection's keep-alive, and one
 * optional header (the pod header) — and the body is skipped, never copied.
 *
 * Why it exists: against nginx on one core, undici's parser and request machinery cap a Node
 * client at about half of wrk's rate (bench/README.md); this connection is measured there side by
 * side with undici. It speaks to the Lane through the same classic callbacks an undici dispatcher
 * uses (onConnect/onHeaders/onComplete/onError; onData is not called: the body is dropped), and it
 * fails with undici's error codes for the same conditions (UND_ERR_SOCKET for a connection closed
 * under a request, UND_ERR_CONNECT_TIMEOUT, ...), so reports and diagnoses read the same whichever
 * client ran. One knowing difference: a chunked body cut by the connection's close is
 * UND_ERR_SOCKET (a reset) here, where undici 7 reports an HTTPParserError without a code
 * (counted as other). Over TLS (https:) it connects with node:tls as undici does (SNI from the
 * host name, ALPN http/1.1, the run's CA or none checked, a server's session ticket reused on
 * reconnect); a failed handshake fails the request with the TLS error's own code (e.g.
 * DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID: `other`), as undici's does.
 * HTTP/2, pipelining and request bodies from streams stay with undici.
 */
export type Http1Handler = Pick<Dispatcher.DispatchHandler, 'onConnect' | 'onHeaders' | 'onComplete' | 'onError'>;

export interface Http1Options {
  /** Gives up a connect after this long (UND_ERR_CONNECT_TIMEOUT). */
  connectTimeoutMs: number;
  /** Reuse an idle connection at most this long without a server hint (ms). */
  idleTimeoutMs: number;
  /** Lower-case name of the one response header to hand to onHeaders (else none is). */
  captureHeader?: string;
  /** For an https: origin: what every connection of the run shares (see http1TlsOf); default: the system CAs, verified. */
  tls?: Http1Tls;
}

/** TLS settings shared by every lean connection of a run to one https: origin (see http1TlsOf). */
export interface Http1Tls {
  /** Made once per run: a CA parsed per connection would cost each reconnect a PEM parse. */
  readonly secureContext: tls.SecureContext;
  /** false only with the target's `insecure`. */
  readonly rejectUnauthorized: boolean;
  /**
   * The latest session the server issued (a TLS 1.3 ticket or a 1.2 session), shared so that a
   * reconnect resumes it instead of a full handshake, as undici's and node:https's agents do.
   */
  session?: Buffer;
}

/** The shared TLS settings for a target's `ca` (PEM; default: the system CAs) and `insecure`. */
export function http1TlsOf(opts: { ca?: string | Uint8Array | undefined; insecure?: boolean | undefined }): Http1Tls {
  const ca = opts.ca === undefined ? undefined : typeof opts.ca === 'string' ? opts.ca : Buffer.from(opts.ca);
  return { secureContext: tls.createSecureContext(ca === undefined ? {} : { ca }), rejectUnauthorized: opts.insecure !== true };
}

/** An Error with a code, as undici's errors carry (errorCodeOf reads `code`). */
export class Http1Error extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'Http1Error';
  }
}

/** Largest response head we accept (undici's default maxHeaderSize). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Largest chunk-size line or trailer line we buffer. */
const MAX_LINE_BYTES = 8 * 1024;
/** A server's Keep-Alive hint is trusted up to this much before its end (undici's threshold). */
const KEEPALIVE_HINT_MARGIN_MS = 2000;

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
/** Where every connection's reads land (see #connect). */
const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);
const NO_HEADERS: Buffer[] = [];
const NO_TRAILERS: string[] = [];

const enum State {
  Idle,
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

/** Request bytes built once per dispatch-options object (the engine shares one per run). */
const requestBytesCache = new WeakMap<Dispatcher.DispatchOptions, Buffer>();

/** The bytes undici would write for these options on a keep-alive connection (or with reset). */
export function requestBytesOf(opts: Dispatcher.DispatchOptions, defaultHost: string): Buffer {
  const cached = requestBytesCache.get(opts);
  if (cached !== undefined) return cached;
  const method = (opts.method ?? 'GET').toUpperCase();
  let host = defaultHost;
  let extra = '';
  const headers = (opts.headers ?? []) as string[] | Record<string, string>;
  const pairs: Array<[string, string]> = Array.isArray(headers) ? [] : Object.entries(headers);
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) pairs.push([headers[i]!, headers[i + 1]!]);
  for (const [k, v] of pairs) {
    // Like undici: a host header replaces the origin's; the framing headers are ours to write.
    const lower = k.toLowerCase();
    if (lower === 'host') host = v;
    else if (lower !== 'content-length' && lower !== 'connection' && lower !== 'transfer-encoding') extra += `${k}: ${v}\r\n`;
  }
  const body = opts.body === null || opts.body === undefined ? null : Buffer.from(opts.body as Uint8Array | string);
  const expectsPayload = method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'QUERY';
  let head = `${method} ${opts.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: ${opts.reset === true ? 'close' : 'keep-alive'}\r\n${extra}`;
  if (body !== null && body.length > 0) head += `content-length: ${body.length}\r\n`;
  else if (expectsPayload) head += 'content-length: 0\r\n';
  head += '\r\n';
  const bytes = body !== null && body.length > 0 ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
  requestBytesCache.set(opts, bytes);
  return bytes;
}

/** Is buf[start, end) equal to lowerName (lower-case letters, digits, '-'), ignoring ASCII case? */
function nameIs(buf: Buffer, start: number, end: number, lowerName: Buffer): boolean {
  if (end - start !== lowerName.length) return false;
  for (let i = 0; i < lowerName.length; i++) if ((buf[start + i]! | 0x20) !== lowerName[i]) return false;
  return true;
}

/** Does buf[start, end) contain the token (lower-case ASCII), ignoring case? */
function hasToken(buf: Buffer, start: number, end: number, token: string): boolean {
  return buf.toString('latin1', start, end).toLowerCase().includes(token);
}

const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const KEEP_ALIVE = Buffer.from('keep-alive');
const CLOSE = Buffer.from('close');

export class Http1Connection {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #capture: Buffer | null;
  /** null for cleartext. */
  readonly #tls: Http1Tls | null;
  /** SNI and the name the certificate must carry: the URL's host name, none for an IP address. */
  readonly #servername: string | undefined;

  #socket: net.Socket | null = null;
  #connected = false;
  #connectTimer: NodeJS.Timeout | null = null;
  /** The request in flight, from dispatch to its one completion or error. */
  #handler: Http1Handler | null = null;
  /** Bumped per dispatch: a handler may fail and re-dispatch from inside its own callbacks. */
  #seq = 0;
  #request: Buffer | null = null;
  #isHead = false;
  /** The current request asked for `connection: close`. */
  #resetAfter = false;
  #written = false;
  #state = State.Idle;
  #pending: Buffer | null = null;
  #remaining = 0;
  #keepAlive = true;
  /** Clock (Date.now) after which the idle connection is not reused. */
  #reuseUntil = 0;
  #closed = false;
  #closeWaiter: (() => void) | null = null;
  /** Responses completed on the current socket (0 on a new one). */
  #answeredOnSocket = 0;
  readonly #abort = (err?: Error): void => this.#abortCurrent(err ?? new Http1Error('Request aborted', 'UND_ERR_ABORTED'));

  constructor(origin: string, opts: Http1Options) {
    const u = new URL(origin);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ZerodropError('E_INTERNAL', `Http1Connection speaks http: and https: only, not ${u.protocol}`);
    const secure = u.protocol === 'https:';
    this.#host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.#port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
    this.#tls = secure ? (opts.tls ?? http1TlsOf({})) : null;
    // RFC 6066: SNI carries DNS names only; an IP target's certificate is checked against the IP.
    this.#servername = secure && net.isIP(this.#host) === 0 ? this.#host : undefined;
    this.#hostHeader = u.host;
    this.#connectTimeoutMs = opts.connectTimeoutMs;
    this.#idleTimeoutMs = opts.idleTimeoutMs;
    this.#capture = opts.captureHeader === undefined ? null : Buffer.from(opts.captureHeader.toLowerCase(), 'latin1');
  }

  /**
   * The request in flight (or the one that just failed) went out on a connection that had carried
   * no response yet: a reset then cannot be a keep-alive connection closed under a reuse, and
   * means the far end (or a proxy in front of it) gave up on a brand-new connection.
   */
  get newConnection(): boolean {
    return this.#answeredOnSocket === 0;
  }

  /** Sends one request; the connection must be idle (one request at a time, as the Lane does). */
  dispatch(opts: Dispatcher.DispatchOptions, handler: Http1Handler): boolean {
    if (this.#closed) {
      handler.onError!(new Http1Error('The client is destroyed', 'UND_ERR_DESTROYED'));
      return true;
    }
    if (this.#handler !== null) {
      handler.onError!(new Http1Error('one request at a time on an Http1Connection', 'UND_ERR_INVALID_ARG'));
      return true;
    }
    this.#handler = handler;
    this.#seq++;
    this.#request = requestBytesOf(opts, this.#hostHeader);
    this.#isHead = opts.method === 'HEAD';
    this.#resetAfter = opts.reset === true;
    this.#written = false;
    this.#state = State.Head;
    this.#pending = null;
    this.#keepAlive = true;
    if (this.#socket !== null && this.#connected && Date.now() > this.#reuseUntil) this.#drop();
    if (this.#socket === null) this.#connect();
    else if (this.#connected) this.#send();
    return true;
  }

  /** Closes the connection once its request (if any) is done. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#handler === null) {
      this.#drop();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#closeWaiter = resolve;
    });
  }

  /** Closes the connection now, failing a request in flight (UND_ERR_DESTROYED). */
  destroy(): Promise<void> {
    this.#closed = true;
    this.#drop();
    if (this.#handler !== null) this.#fail(new Http1Error('The client is destroyed', 'UND_ERR_DESTROYED'));
    return Promise.resolve();
  }

  // ---- connection ---------------------------------------------------------------------------

  #connect(): void {
    // Reads land in one buffer shared by every connection (`onread`): no Buffer per read and no
    // readable-stream machinery. Safe because a read is parsed at once, and what the parser keeps
    // across reads (a split head or line) it copies out.
    const onread = {
      buffer: sharedReadBuffer,
      callback: (nread: number, buf: Uint8Array): boolean => {
        if (this.#socket === socket) this.#onData(buf as Buffer, nread);
        return true;
      },
    };
    const t = this.#tls;
    let socket: net.Socket;
    if (t === null) {
      socket = net.connect({ host: this.#host, port: this.#port, onread });
    } else {
      // onread works on a TLSSocket too (node's tls.connect takes it; @types/node omits it):
      // decrypted bytes land in the shared buffer.
      const o: tls.ConnectionOptions & { onread: typeof onread } = { host: this.#host, port: this.#port, secureContext: t.secureContext, rejectUnauthorized: t.rejectUnauthorized, ALPNProtocols: ['http/1.1'], onread };
      if (this.#servername !== undefined) o.servername = this.#servername;
      if (t.session !== undefined) o.session = t.session;
      const secure = tls.connect(o);
      secure.on('session', (session: Buffer) => {
        t.session = session;
      });
      socket = secure;
    }
    this.#socket = socket;
    this.#connected = false;
    this.#answeredOnSocket = 0;
    socket.setNoDelay(true);
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = null;
      if (this.#socket === socket && !this.#connected) this.#lost(socket, new Http1Error('Connect Timeout Error', 'UND_ERR_CONNECT_TIMEOUT'));
    }, this.#connectTimeoutMs);
    // Over TLS the connection is ready (and the connect timeout, as undici's, stops) once the
    // handshake is done and the certificate checked; a failed check arrives as 'error' with its code.
    socket.on(t === null ? 'connect' : 'secureConnect', () => {
      if (this.#socket !== socket) return;
      this.#clearConnectTimer();
      this.#connected = true;
      this.#reuseUntil = Date.now() + this.#idleTimeoutMs;
      if (this.#handler !== null && !this.#written) this.#send();
    });
    socket.on('end', () => {
      if (this.#socket !== socket) return;
      // The server closed its side: a read-to-close body ends here; anything else in flight was cut.
      if (this.#state === State.UntilClose) {
        this.#keepAlive = false;
        this.#complete();
      } else if (this.#state === State.Length && !this.#keepAlive) {
        // undici's code when a body announced to end with the connection ends short of its length.
        this.#lost(socket, new Http1Error('Response body length does not match content-length header', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'));
      } else {
        this.#lost(socket, new Http1Error('other side closed', 'UND_ERR_SOCKET'));
      }
    });
    socket.on('error', (err: Error) => {
      if (this.#socket === socket) this.#lost(socket, err);
    });
    socket.on('close', () => {
      if (this.#socket === socket) this.#lost(socket, new Http1Error('socket closed', 'UND_ERR_SOCKET'));
    });
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
  }

  /** Forgets the socket without failing anything (idle, or after a completed response). */
  #drop(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    this.#connected = false;
    this.#clearConnectTimer();
    socket.destroy();
  }

  /** The socket failed or closed: the request in flight (if any) fails with `err`. */
  #lost(socket: net.Socket, err: Error): void {
    if (this.#socket !== socket) return;
    this.#drop();
    this.#fail(err);
  }

  #send(): void {
    const seq = this.#seq;
    // As undici does, onConnect comes before every request; the handler may abort in it.
    this.#handler!.onConnect!(this.#abort);
    if (this.#seq !== seq || this.#handler === null) return;
    this.#written = true;
    this.#socket!.write(this.#request!);
  }

  #abortCurrent(err: Error): void {
    if (this.#handler === null) return;
    // Aborted before its bytes went out: the connection is still clean and stays.
    if (this.#written) this.#drop();
    this.#fail(err);
  }

  #fail(err: Error): void {
    const handler = this.#handler;
    if (handler === null) return;
    this.#handler = null;
    this.#state = State.Idle;
    this.#pending = null;
    handler.onError!(err);
    this.#afterRequest();
  }

  #complete(): void {
    const handler = this.#handler!;
    this.#handler = null;
    this.#answeredOnSocket++;
    this.#state = State.Idle;
    this.#pending = null;
    if (!this.#keepAlive || this.#resetAfter) this.#drop();
    handler.onComplete!(NO_TRAILERS);
    this.#afterRequest();
  }

  #afterRequest(): void {
    if (this.#closed && this.#handler === null) {
      this.#drop();
      const w = this.#closeWaiter;
      this.#closeWaiter = null;
      if (w !== null) w();
    }
  }

  // ---- response parsing ---------------------------------------------------------------------

  /** Parses buf[0, nread): a read into the shared buffer, valid only during this call. */
  #onData(buf: Buffer, nread: number): void {
    let chunk = buf;
    let len = nread;
    if (this.#pending !== null) {
      chunk = Buffer.concat([this.#pending, buf.subarray(0, nread)]);
      len = chunk.length;
      this.#pending = null;
    }
    let pos = 0;
    while (pos < len) {
      switch (this.#state) {
        case State.Idle:
          // Bytes nobody asked for: the connection is out of step; drop it (undici: "bad response").
          this.#drop();
          return;
        case State.Head: {
          const end = chunk.indexOf(CRLFCRLF, pos);
          // (bytes past len are a stale part of the shared buffer)
          if (end < 0 || end + 4 > len) {
            if (len - pos > MAX_HEAD_BYTES) return this.#protocolError('UND_ERR_HEADERS_OVERFLOW', 'Headers Overflow Error');
            this.#pending = Buffer.from(chunk.subarray(pos, len));
            return;
          }
          if (!this.#parseHead(chunk, pos, end, len)) return;
          pos = end + 4;
          break;
        }
        case State.Length: {
          const take = Math.min(this.#remaining, len - pos);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) return this.#finishMessage(pos < len);
          break;
        }
        case State.ChunkSize: {
          const eol = this.#lineEnd(chunk, pos, len, 'HPE_INVALID_CHUNK_SIZE');
          if (eol < 0) return;
          let size = 0;
          let digits = 0;
          let i = pos;
          for (; i < eol; i++) {
            const c = chunk[i]!;
            const d = c >= 48 && c <= 57 ? c - 48 : (c | 0x20) >= 97 && (c | 0x20) <= 102 ? (c | 0x20) - 87 : -1;
            if (d < 0) break;
            size = size * 16 + d;
            digits++;
          }
          // After the digits only whitespace or a chunk extension (";...") may follow.
          if (digits === 0 || size > Number.MAX_SAFE_INTEGER || (i < eol && chunk[i] !== 59 && chunk[i] !== 32 && chunk[i] !== 9)) {
            return this.#protocolError('HPE_INVALID_CHUNK_SIZE', 'Invalid character in chunk size');
          }
          pos = eol + 2;
          if (size === 0) this.#state = State.Trailers;
          else {
            this.#remaining = size;
            this.#state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const take = Math.min(this.#remaining, len - pos);
          this.#remaining -= take;
          pos += take;
          if (this.#remaining === 0) {
            this.#remaining = 2;
            this.#state = State.ChunkEnd;
          }
          break;
        }
        case State.ChunkEnd: {
          // The CRLF after a chunk's data (it may arrive split).
          const expected = this.#remaining === 2 ? 13 : 10;
          if (chunk[pos] !== expected) return this.#protocolError('HPE_STRICT', 'expected CRLF after chunk data');
          pos++;
          if (--this.#remaining === 0) this.#state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          const eol = this.#lineEnd(chunk, pos, len, 'UND_ERR_HEADERS_OVERFLOW');
          if (eol < 0) return;
          const empty = eol === pos;
          pos = eol + 2;
          if (empty) return this.#finishMessage(pos < len);
          break;
        }
        case State.UntilClose:
          // The body runs to the connection's end ('end' completes it).
          return;
      }
    }
  }

  /**
   * The CR that ends the CRLF-terminated line at chunk[pos], or -1 when the line is not all here
   * yet (kept as pending for the next read) or is broken (the request failed; `tooLong` names a
   * line longer than MAX_LINE_BYTES).
   */
  #lineEnd(chunk: Buffer, pos: number, len: number, tooLong: string): number {
    const eol = chunk.indexOf(13, pos);
    if (eol >= 0 && eol + 1 < len) {
      if (chunk[eol + 1] === 10) return eol;
      this.#protocolError('HPE_STRICT', 'expected LF after CR');
    } else if (len - pos > MAX_LINE_BYTES) {
      this.#protocolError(tooLong, 'line too long');
    } else {
      this.#pending = Buffer.from(chunk.subarray(pos, len));
    }
    return -1;
  }

  /** Parses a response head in chunk[start, end) (end at its blank line; the read ends at len); false when it completed or failed the request. */
  #parseHead(chunk: Buffer, start: number, end: number, len: number): boolean {
    // "HTTP/1.x SSS reason"
    if (
      end - start < 12 ||
      chunk[start] !== 72 || chunk[start + 1] !== 84 || chunk[start + 2] !== 84 || chunk[start + 3] !== 80 ||
      chunk[start + 4] !== 47 || chunk[start + 5] !== 49 || chunk[start + 6] !== 46 ||
      (chunk[start + 7] !== 49 && chunk[start + 7] !== 48) || chunk[start + 8] !== 32
    ) {
      this.#protocolError('HPE_INVALID_CONSTANT', 'Expected HTTP/');
      return false;
    }
    const s0 = chunk[start + 9]! - 48;
    const s1 = chunk[start + 10]! - 48;
    const s2 = chunk[start + 11]! - 48;
    const after = chunk[start + 12];
    if (s0 < 1 || s0 > 9 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9 || (after !== 32 && after !== 13)) {
      this.#protocolError('HPE_INVALID_STATUS', 'Invalid status code');
      return false;
    }
    const status = s0 * 100 + s1 * 10 + s2;
    const http10 = chunk[start + 7] === 48;

    let contentLength = -1;
    let chunked = false;
    let otherEncoding = false;
    let close = false;
    let keepAliveHeader = false;
    let hintMs = -1;
    let captured: Buffer[] = NO_HEADERS;
    // One pass over the bytes in JS (a native indexOf per line costs more than the line).
    let line = start;
    while (chunk[line] !== 13) line++;
    while (line < end) {
      const from = line + 2;
      let colon = -1;
      let lineEnd = from;
      for (; lineEnd < end; lineEnd++) {
        const c = chunk[lineEnd];
        if (c === 13) break;
        if (c === 58 && colon < 0) colon = lineEnd;
      }
      if (colon < 0) {
        this.#protocolError('HPE_INVALID_HEADER_TOKEN', 'Invalid header token');
        return false;
      }
      let v0 = colon + 1;
      while (v0 < lineEnd && (chunk[v0] === 32 || chunk[v0] === 9)) v0++;
      let v1 = lineEnd;
      while (v1 > v0 && (chunk[v1 - 1] === 32 || chunk[v1 - 1] === 9)) v1--;
      const nameLen = colon - from;
      if (nameLen === 14 && nameIs(chunk, from, colon, CONTENT_LENGTH)) {
        let n = 0;
        if (v1 === v0) return this.#badLength();
        for (let i = v0; i < v1; i++) {
          const d = chunk[i]! - 48;
          if (d < 0 || d > 9) return this.#badLength();
          n = n * 10 + d;
        }
        if (contentLength !== -1 && contentLength !== n) return this.#badLength();
        contentLength = n;
      } else if (nameLen === 17 && nameIs(chunk, from, colon, TRANSFER_ENCODING)) {
        // Only a final "chunked" frames the body by chunks; any other coding reads to close.
        const v = chunk.toString('latin1', v0, v1).toLowerCase();
        if (/(^|,)\s*chunked\s*$/.test(v)) chunked = true;
        else otherEncoding = true;
      } else if (nameLen === 10 && nameIs(chunk, from, colon, CONNECTION)) {
        if (v1 - v0 === 10 && nameIs(chunk, v0, v1, KEEP_ALIVE)) keepAliveHeader = true;
        else if (v1 - v0 === 5 && nameIs(chunk, v0, v1, CLOSE)) close = true;
        else {
          if (hasToken(chunk, v0, v1, 'close')) close = true;
          if (hasToken(chunk, v0, v1, 'keep-alive')) keepAliveHeader = true;
        }
      } else if (nameLen === 10 && nameIs(chunk, from, colon, KEEP_ALIVE)) {
        const m = /timeout\s*=\s*(\d+)/i.exec(chunk.toString('latin1', v0, v1));
        if (m !== null) hintMs = Number(m[1]) * 1000;
      } else if (this.#capture !== null && nameLen === this.#capture.length && nameIs(chunk, from, colon, this.#capture)) {
        captured = [chunk.subarray(from, colon), chunk.subarray(v0, v1)];
      }
      line = lineEnd;
    }

    if (status < 200) {
      if (status === 101) {
        this.#protocolError('UND_ERR_SOCKET', 'bad upgrade');
        return false;
      }
      // Informational (100, 103): the final answer follows on the same request.
      return true;
    }
    this.#keepAlive = !close && (!http10 || keepAliveHeader);
    if (this.#keepAlive) {
      const idle = hintMs < 0 ? this.#idleTimeoutMs : Math.min(this.#idleTimeoutMs, hintMs - KEEPALIVE_HINT_MARGIN_MS);
      if (idle <= 0) this.#keepAlive = false;
      else this.#reuseUntil = Date.now() + idle;
    }
    const seq = this.#seq;
    this.#handler!.onHeaders!(status, captured, noResume, '');
    if (this.#seq !== seq || this.#handler === null) return false; // aborted from onHeaders
    if (this.#isHead || status === 204 || status === 304) {
      this.#remaining = 0;
      this.#state = State.Length;
    } else if (chunked && !otherEncoding) {
      this.#state = State.ChunkSize;
    } else if (contentLength >= 0 && !chunked && !otherEncoding) {
      this.#remaining = contentLength;
      this.#state = State.Length;
    } else {
      this.#keepAlive = false;
      this.#state = State.UntilClose;
    }
    if (this.#state === State.Length && this.#remaining === 0) {
      this.#finishMessage(end + 4 < len);
      return false;
    }
    return true;
  }

  /** The response ended; bytes after it (a server out of step) cost the connection, not the answer. */
  #finishMessage(trailingBytes: boolean): void {
    if (trailingBytes) this.#keepAlive = false;
    this.#complete();
  }

  #badLength(): false {
    this.#protocolError('HPE_INVALID_CONTENT_LENGTH', 'Invalid content-length');
    return false;
  }

  #protocolError(code: string, message: string): void {
    this.#drop();
    this.#fail(new Http1Error(message, code));
  }
}

function noResume(): void {}
