import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { errorCodeOf } from './classify.js';
import { HpackDecoder, HpackError } from './hpack.js';
import { DEFAULT_MAX_FRAME_SIZE, FLAG, FRAME, FrameReader, FrameWriter, H2ConnectionError, H2_CODE, PREFACE, SETTING } from './http2-frames.js';
import type { FrameHandler } from './http2-frames.js';

/** Our stream receive window (SETTINGS_INITIAL_WINDOW_SIZE): a response body this large flows without a WINDOW_UPDATE. */
const STREAM_WINDOW = 1 << 20;
/** Our connection receive window (raised from 65,535 by a WINDOW_UPDATE right after the preface). */
const CONNECTION_WINDOW = 16 << 20;
/** Streams a session is assumed to allow before the server's SETTINGS say (RFC 9113 recommends at least 100). */
export const DEFAULT_PEER_STREAMS = 100;
/** The highest stream id (2^31 - 1): a session that reaches it takes no new stream. */
const MAX_STREAM_ID = 0x7fffffff;

/** One request's current attempt, as a session sees it (the client's Call). */
export interface H2Stream {
  /** Stream id on the wire; 0 before its HEADERS went out. */
  id: number;
  /** The session carrying it, null when none (ended, or between attempts). */
  session: LeanH2Session | null;
  /** Response headers (a final status) arrived. */
  headersReceived: boolean;
  /** Request header block and body (shared by every request of the client). */
  block: Buffer;
  body: Buffer | null;
  /** Body bytes sent so far, and the stream's send window (the server's). */
  sent: number;
  sendWindow: number;
  /** Response bytes received since our last WINDOW_UPDATE for the stream. */
  unacked: number;
}

/** What a session tells its client. */
export interface SessionOwner {
  /** The session is connected (TLS done, h2 negotiated, preface sent). */
  onSessionConnect(session: LeanH2Session, waiting: readonly H2Stream[]): void;
  /** A stream got its final response headers. */
  onStreamHeaders(stream: H2Stream, status: number, pod: string | undefined): void;
  /** A stream's whole response arrived. */
  onStreamComplete(stream: H2Stream): void;
  /** A stream ended without a whole response (reset, refused, its session gone): judge it. */
  onStreamClosed(stream: H2Stream, streamId: number | undefined, rstCode: number | undefined, session: LeanH2Session): void;
  /** The session received a GOAWAY. */
  onSessionGoaway(session: LeanH2Session, lastStreamId: number, code: number): void;
  /** The session's socket closed. */
  onSessionClose(session: LeanH2Session): void;
}

/** How to reach the server. */
export interface SessionTarget {
  tls: boolean;
  host: string;
  port: number;
  /** TLS options (ca, rejectUnauthorized) beyond host, SNI and ALPN. */
  tlsOptions: ConnectionOptions;
  connectTimeoutMs: number;
  /** Lower-case response header naming the pod. */
  podHeader: string | undefined;
  /** Streams in flight at most (0: as many as the server allows). */
  streams: number;
}

/** Our SETTINGS: no server push, wide stream windows. */
const OUR_SETTINGS: ReadonlyArray<readonly [number, number]> = [
  [SETTING.ENABLE_PUSH, 0],
  [SETTING.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
];

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One HTTP/2 connection of the lean client (node:tls with ALPN h2, or node:net for h2c with prior
 * knowledge): frames in and out, HPACK, flow control both ways, the server's SETTINGS and GOAWAY.
 * Streams beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS wait in the session until one ends.
 * Outgoing frames are gathered and written once per turn of the event loop.
 */
export class LeanH2Session implements FrameHandler {
  /** Streams submitted and not ended (in flight and waiting): the client balances on it. */
  active = 0;
  /** Streams it may carry at once: the option, capped by the server's SETTINGS. */
  limit: number;
  connected = false;
  /**
   * The server's first SETTINGS arrived. Streams wait for it: sent before it, streams above the
   * server's SETTINGS_MAX_CONCURRENT_STREAMS would be refused (then retried, or failed as refused
   * if refused again) for the client's haste, not the server's state. It costs one round trip per
   * new session.
   */
  settled = false;
  /** No new stream may go on it (GOAWAY received, closed, failed, or ids exhausted). */
  dead = false;
  goawayLastStreamId: number | undefined = undefined;
  /** The session's own error (socket, TLS, connect, protocol), if it failed. */
  errorCode: string | undefined = undefined;
  /** Pod that last answered on this session. */
  lastPod: string | undefined = undefined;
  closed = false;

  readonly #owner: SessionOwner;
  readonly #t: SessionTarget;
  readonly #socket: Socket;
  readonly #reader = new FrameReader();
  readonly #writer = new FrameWriter();
  readonly #hpack = new HpackDecoder();
  /** Open streams by id. */
  readonly #streams = new Map<number, H2Stream>();
  /** Submitted, waiting for the connection or for a stream slot. */
  #waiting: H2Stream[] = [];
  /** Streams with body bytes blocked by flow control. */
  #blocked: H2Stream[] = [];
  #nextId = 1;
  #peerMaxStreams = DEFAULT_PEER_STREAMS;
  #peerMaxFrame = DEFAULT_MAX_FRAME_SIZE;
  #peerInitialWindow = 65_535;
  #connSendWindow = 65_535;
  #connUnacked = 0;
  /** HEADERS without END_HEADERS: the block so far, and its stream. */
  #blockParts: Buffer[] | null = null;
  #blockStream = 0;
  #blockFlags = 0;
  #flushQueued = false;
  #connectTimer: NodeJS.Timeout | null = null;
  readonly #closeWaiters: Array<() => void> = [];

  constructor(owner: SessionOwner, t: SessionTarget) {
    this.#owner = owner;
    this.#t = t;
    this.limit = t.streams > 0 ? t.streams : DEFAULT_PEER_STREAMS;
    if (t.tls) {
      const o: ConnectionOptions = { ...t.tlsOptions, host: t.host, port: t.port, ALPNProtocols: ['h2'] };
      // SNI names a host, never an IP address (RFC 6066 section 3).
      if (isIP(t.host) === 0) o.servername = t.host;
      this.#socket = tlsConnect(o);
      this.#socket.once('secureConnect', () => this.#onConnect());
    } else {
      this.#socket = netConnect({ host: t.host, port: t.port });
      this.#socket.once('connect', () => this.#onConnect());
    }
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = null;
      if (!this.connected) this.#fail(codedError('UND_ERR_CONNECT_TIMEOUT', `zerodrop: HTTP/2 session not connected within ${t.connectTimeoutMs} ms`));
    }, t.connectTimeoutMs);
    const s = this.#socket;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.#onData(chunk));
    s.on('error', (err: Error) => {
      this.dead = true;
      this.errorCode ??= errorCodeOf(err);
    });
    s.on('end', () => {
      this.dead = true;
      s.end();
    });
    s.on('close', () => this.#onClose());
    // Sessions must not keep a finished process alive; requests in flight keep the loop busy anyway.
    s.unref();
  }

  #onConnect(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    const s = this.#socket as Socket & { alpnProtocol?: string | false };
    if (this.#t.tls && s.alpnProtocol !== 'h2') {
      this.#fail(codedError('ERR_HTTP2_ERROR', `zerodrop: the server did not negotiate h2 by ALPN (got ${String(s.alpnProtocol)})`));
      return;
    }
    this.connected = true;
    // Again once connected: a TLS socket may drop the option set before its TCP connection exists.
    this.#socket.setNoDelay(true);
    const w = this.#writer;
    w.raw(PREFACE);
    w.settings(OUR_SETTINGS);
    w.words(FRAME.WINDOW_UPDATE, 0, 0, CONNECTION_WINDOW - 65_535);
    this.#owner.onSessionConnect(this, [...this.#waiting]);
    this.#flush();
  }

  /** Takes a stream: sent now if the session is connected and has a slot, else when it does. */
  submit(st: H2Stream): void {
    st.session = this;
    st.id = 0;
    st.headersReceived = false;
    st.sent = 0;
    st.unacked = 0;
    this.active++;
    if (this.settled && this.#streams.size < this.#peerMaxStreams && this.#waiting.length === 0) this.#open(st);
    else this.#waiting.push(st);
  }

  #open(st: H2Stream): void {
    const id = this.#nextId;
    this.#nextId += 2;
    if (this.#nextId > MAX_STREAM_ID) this.dead = true;
    st.id = id;
    this.#streams.set(id, st);
    const body = st.body;
    this.#writer.headers(id, st.block, body === null, this.#peerMaxFrame);
    if (body !== null) {
      st.sendWindow = this.#peerInitialWindow;
      this.#sendBody(st);
    }
    this.#scheduleFlush();
  }

  #openWaiting(): void {
    while (this.#waiting.length > 0 && this.settled && this.#streams.size < this.#peerMaxStreams && !this.closed && this.goawayLastStreamId === undefined) {
      this.#open(this.#waiting.shift()!);
    }
  }

  /** Sends as much of the body as the windows allow; false when it had to stop. */
  #sendBody(st: H2Stream): boolean {
    const body = st.body!;
    while (st.sent < body.length) {
      const n = Math.min(body.length - st.sent, this.#peerMaxFrame, st.sendWindow, this.#connSendWindow);
      if (n <= 0) {
        if (!this.#blocked.includes(st)) this.#blocked.push(st);
        return false;
      }
      const last = st.sent + n === body.length;
      this.#writer.frame(FRAME.DATA, last ? FLAG.END_STREAM : 0, st.id, body, st.sent, st.sent + n);
      st.sent += n;
      st.sendWindow -= n;
      this.#connSendWindow -= n;
    }
    return true;
  }

  #resumeBodies(): void {
    if (this.#blocked.length === 0) return;
    const blocked = this.#blocked;
    this.#blocked = [];
    for (const st of blocked) if (st.session === this && this.#streams.get(st.id) === st) this.#sendBody(st);
    this.#scheduleFlush();
  }

  /** Our side gives up the stream (a timeout): RST_STREAM CANCEL if it went out. True if it was still on this session. */
  cancel(st: H2Stream): boolean {
    if (st.session !== this) return false;
    if (st.id !== 0 && this.#streams.get(st.id) === st) {
      this.#streams.delete(st.id);
      if (!this.closed) {
        this.#writer.words(FRAME.RST_STREAM, 0, st.id, H2_CODE.CANCEL);
        this.#scheduleFlush();
      }
    } else {
      const i = this.#waiting.indexOf(st);
      if (i < 0) return false;
      this.#waiting.splice(i, 1);
    }
    this.#release(st);
    this.#openWaiting();
    return true;
  }

  #release(st: H2Stream): void {
    st.session = null;
    this.active--;
    if (this.dead && this.active === 0 && !this.closed) this.#socket.end();
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const out = this.#writer.take();
    if (out !== null && !this.closed && !this.#socket.destroyed) this.#socket.write(out);
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.push(chunk, this);
    } catch (err) {
      const code = err instanceof H2ConnectionError ? err.h2code : err instanceof HpackError ? H2_CODE.COMPRESSION_ERROR : H2_CODE.PROTOCOL_ERROR;
      // Last-stream-id 0: the server opens no streams of its own here.
      this.#writer.words(FRAME.GOAWAY, 0, 0, 0, code);
      this.#flush();
      this.#fail(codedError('ERR_HTTP2_SESSION_ERROR', `zerodrop: HTTP/2 protocol error from the server: ${(err as Error).message}`));
      return;
    }
    this.#flush();
  }

  onFrame(type: number, flags: number, id: number, buf: Buffer, start: number, end: number, length: number): void {
    if (this.#blockParts !== null && type !== FRAME.CONTINUATION) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'a header block interrupted by another frame');
    switch (type) {
      case FRAME.DATA:
        this.#onDataFrame(flags, id, length);
        return;
      case FRAME.HEADERS:
        if (id === 0) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'HEADERS on stream 0');
        if (flags & FLAG.END_HEADERS) {
          this.#onHeaderBlock(id, flags, buf, start, end);
        } else {
          this.#blockParts = [buf.subarray(start, end)];
          this.#blockStream = id;
          this.#blockFlags = flags;
        }
        return;
      case FRAME.CONTINUATION: {
        if (this.#blockParts === null || id !== this.#blockStream) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'CONTINUATION without its HEADERS');
        this.#blockParts.push(buf.subarray(start, end));
        if (flags & FLAG.END_HEADERS) {
          const block = Buffer.concat(this.#blockParts);
          this.#blockParts = null;
          this.#onHeaderBlock(id, this.#blockFlags, block, 0, block.length);
        }
        return;
      }
      case FRAME.RST_STREAM: {
        if (length !== 4) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, 'RST_STREAM of the wrong size');
        const st = this.#streams.get(id);
        if (st !== undefined) this.#closeStream(st, buf.readUInt32BE(start));
        return;
      }
      case FRAME.SETTINGS:
        if (flags & FLAG.ACK) return;
        if (length % 6 !== 0) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, 'SETTINGS of the wrong size');
        this.#onSettings(buf, start, end);
        return;
      case FRAME.PING:
        if (length !== 8) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, 'PING of the wrong size');
        if ((flags & FLAG.ACK) === 0) this.#writer.frame(FRAME.PING, FLAG.ACK, 0, buf, start, end);
        return;
      case FRAME.GOAWAY:
        if (length < 8) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, 'GOAWAY too short');
        this.#onGoaway(buf.readUInt32BE(start) & 0x7fffffff, buf.readUInt32BE(start + 4));
        return;
      case FRAME.WINDOW_UPDATE: {
        if (length !== 4) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, 'WINDOW_UPDATE of the wrong size');
        const inc = buf.readUInt32BE(start) & 0x7fffffff;
        if (id === 0) this.#connSendWindow += inc;
        else {
          const st = this.#streams.get(id);
          if (st !== undefined) st.sendWindow += inc;
        }
        this.#resumeBodies();
        return;
      }
      case FRAME.PUSH_PROMISE:
        // We said SETTINGS_ENABLE_PUSH 0.
        throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'PUSH_PROMISE with push disabled');
      default:
        // PRIORITY and unknown frame types are ignored (RFC 9113 section 4.1).
        return;
    }
  }

  #onDataFrame(flags: number, id: number, length: number): void {
    // Every DATA byte counts against the connection window, the streams we dropped included.
    this.#connUnacked += length;
    if (this.#connUnacked >= CONNECTION_WINDOW / 2) {
      this.#writer.words(FRAME.WINDOW_UPDATE, 0, 0, this.#connUnacked);
      this.#connUnacked = 0;
    }
    const st = this.#streams.get(id);
    if (st === undefined) return;
    if (!st.headersReceived) {
      // DATA before the response headers: a stream error (RFC 9113 section 8.1).
      this.#writer.words(FRAME.RST_STREAM, 0, id, H2_CODE.PROTOCOL_ERROR);
      this.#closeStream(st, H2_CODE.PROTOCOL_ERROR);
      return;
    }
    if (flags & FLAG.END_STREAM) {
      this.#completeStream(st);
      return;
    }
    // The body is read and dropped: the window reopens as it arrives.
    st.unacked += length;
    if (st.unacked >= STREAM_WINDOW / 2) {
      this.#writer.words(FRAME.WINDOW_UPDATE, 0, id, st.unacked);
      st.unacked = 0;
    }
  }

  #onHeaderBlock(id: number, flags: number, buf: Buffer, start: number, end: number): void {
    // Every block is decoded, a dropped stream's too: the dynamic table must stay in step.
    const h = this.#hpack;
    h.decode(buf, start, end, this.#t.podHeader);
    const st = this.#streams.get(id);
    if (st === undefined) return;
    const endStream = (flags & FLAG.END_STREAM) !== 0;
    if (!st.headersReceived) {
      const status = h.status;
      // 1xx are interim responses: the final one follows.
      if (status >= 100 && status < 200 && !endStream) return;
      st.headersReceived = true;
      const pod = h.wanted;
      if (pod !== undefined) this.lastPod = pod;
      this.#owner.onStreamHeaders(st, status, pod);
      // The handler may have cancelled it meanwhile.
      if (st.session !== this) return;
    }
    if (endStream) this.#completeStream(st);
  }

  #completeStream(st: H2Stream): void {
    this.#streams.delete(st.id);
    this.#release(st);
    this.#openWaiting();
    this.#owner.onStreamComplete(st);
  }

  #closeStream(st: H2Stream, rstCode: number | undefined): void {
    if (st.id !== 0) this.#streams.delete(st.id);
    this.#release(st);
    this.#owner.onStreamClosed(st, st.id === 0 ? undefined : st.id, rstCode, this);
    this.#openWaiting();
  }

  #onSettings(buf: Buffer, start: number, end: number): void {
    // A server that names no SETTINGS_MAX_CONCURRENT_STREAMS sets no limit (RFC 9113 section 6.5.2):
    // only the assumption made before its first SETTINGS goes.
    if (!this.settled) this.#peerMaxStreams = MAX_STREAM_ID;
    for (let p = start; p < end; p += 6) {
      const key = buf.readUInt16BE(p);
      const value = buf.readUInt32BE(p + 2);
      if (key === SETTING.MAX_CONCURRENT_STREAMS) {
        this.#peerMaxStreams = value;
        const cap = this.#t.streams > 0 ? Math.min(this.#t.streams, value) : value;
        // A server allowing 0 streams for now: keep 1 slot so requests queue in the session rather than nowhere.
        this.limit = Math.max(1, cap);
      } else if (key === SETTING.INITIAL_WINDOW_SIZE) {
        if (value > 0x7fffffff) throw new H2ConnectionError(H2_CODE.FLOW_CONTROL_ERROR, 'SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1');
        const delta = value - this.#peerInitialWindow;
        this.#peerInitialWindow = value;
        for (const st of this.#streams.values()) st.sendWindow += delta;
      } else if (key === SETTING.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_SIZE || value > 0xffffff) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'SETTINGS_MAX_FRAME_SIZE out of range');
        this.#peerMaxFrame = value;
      }
    }
    this.#writer.frame(FRAME.SETTINGS, FLAG.ACK, 0);
    this.settled = true;
    this.#openWaiting();
    this.#resumeBodies();
  }

  #onGoaway(lastStreamId: number, code: number): void {
    this.dead = true;
    const before = this.goawayLastStreamId;
    if (code !== H2_CODE.NO_ERROR) this.errorCode ??= 'ERR_HTTP2_SESSION_ERROR';
    // A server may send GOAWAY again (node:http2's close() does): only a first one, or one that
    // lowers the last-stream-id, says something new.
    if (before !== undefined && lastStreamId >= before) return;
    this.goawayLastStreamId = lastStreamId;
    this.#owner.onSessionGoaway(this, lastStreamId, code);
    // Streams above the last-stream-id, and those not sent yet, were never processed: each is judged (retried) now.
    const refused: H2Stream[] = [];
    for (const st of this.#streams.values()) if (st.id > lastStreamId) refused.push(st);
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const st of refused) this.#closeStream(st, undefined);
    for (const st of waiting) this.#closeStream(st, undefined);
    if (this.active === 0 && !this.closed) this.#socket.end();
  }

  /** The session fails: its socket is destroyed (streams are judged as it closes). */
  #fail(err: Error): void {
    this.dead = true;
    this.errorCode ??= errorCodeOf(err);
    this.#socket.destroy();
  }

  #onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.dead = true;
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    const open = [...this.#streams.values()];
    this.#streams.clear();
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const st of open) {
      this.#release(st);
      this.#owner.onStreamClosed(st, st.id, undefined, this);
    }
    for (const st of waiting) {
      this.#release(st);
      this.#owner.onStreamClosed(st, undefined, undefined, this);
    }
    this.#owner.onSessionClose(this);
    for (const w of this.#closeWaiters.splice(0)) w();
  }

  /** Ends the session once its streams are done; resolves when its socket has closed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.dead = true;
    if (this.active === 0) {
      this.#writer.words(FRAME.GOAWAY, 0, 0, 0, H2_CODE.NO_ERROR);
      this.#flush();
      this.#socket.end();
    }
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  /** Ends the session now. */
  destroy(): void {
    this.dead = true;
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
    this.#socket.destroy();
  }
}
