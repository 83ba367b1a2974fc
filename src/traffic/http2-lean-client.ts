import type { Dispatcher } from 'undici';
import { judgeStreamEnd, h2ErrorName, REFUSED_AGAIN_CODE } from './http2-retry.js';
import type { Http2ClientOptions, Http2Handler } from './http2-client.js';
import { encodeHeaderBlock } from './hpack.js';
import { LeanH2Session } from './http2-lean-session.js';
import type { H2Stream, SessionOwner, SessionTarget } from './http2-lean-session.js';
import type { LaneDispatcher } from './target.js';
import { SessionRing } from './http2-session-ring.js';

/** One request slot's state, made once per handler and reused request after request (it is the slot's stream too). */
class Call implements H2Stream {
  id = 0;
  session: LeanH2Session | null = null;
  headersReceived = false;
  block: Buffer;
  body: Buffer | null = null;
  sent = 0;
  sendWindow = 0;
  unacked = 0;
  retried = false;
  /** The request is between dispatch and its one callback (onComplete or onError). */
  live = false;
  readonly handler: Http2Handler;
  /** Bound once: the abort callback handed to onConnect. */
  readonly abort: (err?: Error) => void;

  constructor(client: LeanHttp2Client, handler: Http2Handler, block: Buffer) {
    this.handler = handler;
    this.block = block;
    this.abort = (err?: Error): void => client.abortCall(this, err ?? new Error('aborted'));
  }
}

/**
 * zerodrop's lean HTTP/2 client: HTTP/2 frames on node:tls (ALPN h2) or node:net (h2c with prior
 * knowledge), with the same shape and accounting as Http2Client (http2-client.ts) at a fraction of
 * node:http2's cost per request (no stream object, no event emitter, one write per turn per
 * session). `sessions` sessions with up to `streams` streams each, taken in turn; a stream the
 * server never processed (above a GOAWAY's last-stream-id, or REFUSED_STREAM) is sent once more on
 * another session and counted through handler.onRetry (http2-retry.ts). Each request ends in
 * exactly one callback: onComplete after a whole response, or onError.
 */
export class LeanHttp2Client implements LaneDispatcher, SessionOwner {
  /** Lower-case pod header, if outcomes are counted per pod. */
  readonly podHeader: string | undefined;
  readonly #o: Http2ClientOptions;
  readonly #target: SessionTarget;
  readonly #scheme: string;
  readonly #authority: string;
  /** Session slots, taken in turn; a dead one is replaced when its turn comes. */
  readonly #ring: SessionRing<LeanH2Session>;
  /** Every session not closed yet, the replaced ones draining their streams included. */
  readonly #all = new Set<LeanH2Session>();
  /** The request's header block and body (built once per dispatch options object). */
  #preparedFor: Dispatcher.DispatchOptions | null = null;
  #block: Buffer = Buffer.alloc(0);
  #body: Buffer | null = null;
  #closing = false;
  readonly #calls = new WeakMap<Http2Handler, Call>();

  constructor(origin: string, o: Http2ClientOptions) {
    const u = new URL(origin);
    this.#o = o;
    this.#ring = new SessionRing(o.sessions, o.grow, () => this.#open());
    this.podHeader = o.podHeader;
    this.#scheme = u.protocol.slice(0, -1);
    this.#authority = u.host;
    const tls = u.protocol === 'https:';
    const tlsOptions: SessionTarget['tlsOptions'] = {};
    if (o.ca !== undefined) tlsOptions.ca = typeof o.ca === 'string' ? o.ca : Buffer.from(o.ca);
    if (o.insecure === true) tlsOptions.rejectUnauthorized = false;
    // URL keeps IPv6 hosts in brackets; the socket wants them bare.
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.#target = { tls, host, port: u.port === '' ? (tls ? 443 : 80) : Number(u.port), tlsOptions, connectTimeoutMs: o.connectTimeoutMs, podHeader: o.podHeader, streams: o.streams };
  }

  dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as unknown as Http2Handler;
    if (this.#preparedFor !== opts) this.#prepare(opts);
    let call = this.#calls.get(h);
    if (call === undefined) {
      call = new Call(this, h, this.#block);
      this.#calls.set(h, call);
    }
    call.retried = false;
    call.live = true;
    this.#start(call, null);
    return true;
  }

  #prepare(opts: Dispatcher.DispatchOptions): void {
    const headers: Array<[string, string]> = [
      [':method', opts.method],
      [':scheme', this.#scheme],
      [':authority', this.#authority],
      [':path', opts.path],
    ];
    const list = opts.headers as string[] | null | undefined;
    if (Array.isArray(list)) {
      for (let i = 0; i + 1 < list.length; i += 2) {
        const name = list[i]!.toLowerCase();
        // Connection-specific headers are forbidden in HTTP/2 (RFC 9113 section 8.2.2); host becomes :authority.
        if (name === 'connection' || name === 'keep-alive' || name === 'proxy-connection' || name === 'transfer-encoding' || name === 'upgrade' || name === 'host') continue;
        headers.push([name, list[i + 1]!]);
      }
    }
    const body = opts.body;
    this.#body = body === null || body === undefined ? null : Buffer.isBuffer(body) ? body : Buffer.from(body as string);
    if (this.#body !== null) headers.push(['content-length', String(this.#body.length)]);
    // An empty body is sent as none (END_STREAM on HEADERS), with its content-length 0.
    if (this.#body !== null && this.#body.length === 0) this.#body = null;
    this.#block = encodeHeaderBlock(headers);
    this.#preparedFor = opts;
  }

  /** Sends the call's request on a session (not `avoid`, when another can take it). */
  #start(call: Call, avoid: LeanH2Session | null): void {
    if (this.#closing) {
      this.#finishError(call, Object.assign(new Error('zerodrop: client closed'), { code: 'UND_ERR_DESTROYED' }));
      return;
    }
    call.block = this.#block;
    call.body = this.#body;
    const session = this.#ring.pick(avoid);
    session.submit(call);
    if (session.connected) call.handler.onConnect(call.abort);
  }

  #open(): LeanH2Session {
    const s = new LeanH2Session(this, this.#target);
    this.#all.add(s);
    return s;
  }

  /** Our timer gave up on the call: cancel its stream, then tell the handler (a turn later, never inside its own call). */
  abortCall(call: Call, err: Error): void {
    if (!call.live) return;
    const s = call.session;
    if (s !== null) s.cancel(call);
    this.#finishError(call, err, true);
  }

  #finishError(call: Call, err: Error, later = false): void {
    call.live = false;
    if (later) queueMicrotask(() => call.handler.onError(err));
    else call.handler.onError(err);
  }

  onSessionConnect(session: LeanH2Session, waiting: readonly H2Stream[]): void {
    // Requests submitted before the session connected are told now (each may abort at once).
    for (const st of waiting) {
      const call = st as Call;
      if (call.live && call.session === session) call.handler.onConnect(call.abort);
    }
  }

  onStreamHeaders(stream: H2Stream, status: number, pod: string | undefined): void {
    const call = stream as Call;
    call.handler.onHeaders(status, pod === undefined ? null : [this.podHeader!, pod]);
  }

  onStreamComplete(stream: H2Stream): void {
    const call = stream as Call;
    if (!call.live) return;
    call.live = false;
    call.handler.onComplete();
  }

  onStreamClosed(stream: H2Stream, streamId: number | undefined, rstCode: number | undefined, session: LeanH2Session): void {
    const call = stream as Call;
    if (!call.live) return;
    const handler = call.handler;
    const verdict = judgeStreamEnd({
      headersReceived: call.headersReceived,
      streamId,
      rstCode,
      goawayLastStreamId: session.goawayLastStreamId,
      retried: call.retried,
      sessionErrorCode: session.errorCode,
    });
    if ('retry' in verdict) {
      if (handler.onRetry === undefined || handler.onRetry(verdict.retry)) {
        call.retried = true;
        this.#start(call, session);
        return;
      }
      this.#finishError(call, Object.assign(new Error(`zerodrop: HTTP/2 stream refused (${verdict.retry})`), { code: REFUSED_AGAIN_CODE[verdict.retry] }));
      return;
    }
    if (handler.lastPod === undefined || !call.headersReceived) handler.lastPod = session.lastPod;
    this.#finishError(call, Object.assign(new Error(`zerodrop: HTTP/2 request failed (${verdict.fail})`), { code: verdict.fail }));
  }

  onSessionGoaway(session: LeanH2Session, lastStreamId: number, code: number): void {
    const g: { lastStreamId: number; errorCode: string; pod?: string } = { lastStreamId, errorCode: h2ErrorName(code) };
    if (session.lastPod !== undefined) g.pod = session.lastPod;
    this.#o.onGoaway(g);
  }

  onSessionClose(session: LeanH2Session): void {
    this.#all.delete(session);
  }

  close(): Promise<void> {
    this.#closing = true;
    return Promise.all([...this.#all].map((s) => s.close())).then(() => undefined);
  }

  destroy(): Promise<void> {
    this.#closing = true;
    for (const s of this.#all) s.destroy();
    return Promise.resolve();
  }
}
