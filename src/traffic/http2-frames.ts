/**
 * HTTP/2 framing (RFC 9113 section 4 and 6) for zerodrop's lean HTTP/2 client: a reader that cuts
 * a byte stream into frames whatever the chunk boundaries (padding and priority fields stripped),
 * and a writer that gathers outgoing frames into one buffer per socket write.
 */

/** Frame types (RFC 9113 section 6). */
export const FRAME = { DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 } as const;

/** Frame flags. */
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** SETTINGS identifiers. */
export const SETTING = { HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5, MAX_HEADER_LIST_SIZE: 6 } as const;

/** HTTP/2 error codes this client sends or tests for. */
export const H2_CODE = { NO_ERROR: 0, PROTOCOL_ERROR: 1, FLOW_CONTROL_ERROR: 3, FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, CANCEL: 8, COMPRESSION_ERROR: 9 } as const;

/** The client connection preface (RFC 9113 section 3.4), before its SETTINGS frame. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** The default (and smallest) SETTINGS_MAX_FRAME_SIZE. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;

/** A connection error (RFC 9113 section 5.4.1): the session ends with GOAWAY(code). */
export class H2ConnectionError extends Error {
  constructor(
    readonly h2code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Receives each frame: payload is buf[start, end) with padding and priority fields removed; `length` is the whole payload (flow control counts it). */
export interface FrameHandler {
  onFrame(type: number, flags: number, streamId: number, buf: Buffer, start: number, end: number, length: number): void;
}

/**
 * Cuts incoming bytes into frames. A frame split across chunks waits (only its bytes are kept)
 * until it is whole; a chunk holding many frames is read in place, without copies.
 */
export class FrameReader {
  #pending: Buffer | null = null;
  /** Largest payload accepted (our SETTINGS_MAX_FRAME_SIZE). */
  readonly maxFrameSize: number;

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Feeds a chunk; calls the handler for every whole frame. Throws H2ConnectionError on a malformed frame. */
  push(chunk: Buffer, handler: FrameHandler): void {
    const p = this.#pending;
    const buf = p === null ? chunk : Buffer.concat([p, chunk]);
    this.#pending = null;
    const total = buf.length;
    let off = 0;
    while (total - off >= 9) {
      const len = (buf[off]! << 16) | (buf[off + 1]! << 8) | buf[off + 2]!;
      if (len > this.maxFrameSize) throw new H2ConnectionError(H2_CODE.FRAME_SIZE_ERROR, `frame of ${len} bytes above SETTINGS_MAX_FRAME_SIZE ${this.maxFrameSize}`);
      if (total - off < 9 + len) break;
      const type = buf[off + 3]!;
      const flags = buf[off + 4]!;
      const id = buf.readUInt32BE(off + 5) & 0x7fffffff;
      let start = off + 9;
      let end = start + len;
      off = end;
      if (type === FRAME.DATA || type === FRAME.HEADERS) {
        if (flags & FLAG.PADDED) {
          if (len < 1) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'padded frame without its pad length');
          const pad = buf[start]!;
          start++;
          end -= pad;
        }
        if (type === FRAME.HEADERS && flags & FLAG.PRIORITY) start += 5;
        if (end < start) throw new H2ConnectionError(H2_CODE.PROTOCOL_ERROR, 'padding longer than the frame');
      }
      handler.onFrame(type, flags, id, buf, start, end, len);
    }
    if (off < total) this.#pending = off === 0 ? buf : buf.subarray(off);
  }
}

/**
 * Gathers outgoing frames; take() hands them over as one buffer (its own copy, so the staging
 * buffer is reused).
 */
export class FrameWriter {
  #buf = Buffer.allocUnsafe(16_384);
  #len = 0;

  /** Bytes waiting. */
  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  #header(len: number, type: number, flags: number, id: number): void {
    const b = this.#buf;
    const o = this.#len;
    b[o] = len >>> 16;
    b[o + 1] = (len >>> 8) & 0xff;
    b[o + 2] = len & 0xff;
    b[o + 3] = type;
    b[o + 4] = flags;
    b.writeUInt32BE(id, o + 5);
    this.#len = o + 9;
  }

  /** Raw bytes (the connection preface). */
  raw(bytes: Buffer): void {
    this.#reserve(bytes.length);
    bytes.copy(this.#buf, this.#len);
    this.#len += bytes.length;
  }

  /** One frame with payload[start, end). */
  frame(type: number, flags: number, id: number, payload: Buffer | null = null, start = 0, end = payload === null ? 0 : payload.length): void {
    const n = end - start;
    this.#reserve(9 + n);
    this.#header(n, type, flags, id);
    if (n > 0) {
      payload!.copy(this.#buf, this.#len, start, end);
      this.#len += n;
    }
  }

  /** A frame whose payload is 32-bit words (WINDOW_UPDATE, RST_STREAM, GOAWAY). */
  words(type: number, flags: number, id: number, a: number, b?: number): void {
    const n = b === undefined ? 4 : 8;
    this.#reserve(9 + n);
    this.#header(n, type, flags, id);
    this.#buf.writeUInt32BE(a >>> 0, this.#len);
    if (b !== undefined) this.#buf.writeUInt32BE(b >>> 0, this.#len + 4);
    this.#len += n;
  }

  /** SETTINGS with (id, value) pairs. */
  settings(pairs: ReadonlyArray<readonly [number, number]>): void {
    this.#reserve(9 + 6 * pairs.length);
    this.#header(6 * pairs.length, FRAME.SETTINGS, 0, 0);
    for (const [id, value] of pairs) {
      this.#buf.writeUInt16BE(id, this.#len);
      this.#buf.writeUInt32BE(value >>> 0, this.#len + 2);
      this.#len += 6;
    }
  }

  /** A header block as HEADERS (+ CONTINUATION frames when above the peer's max frame size). */
  headers(id: number, block: Buffer, endStream: boolean, maxFrameSize: number): void {
    const total = block.length;
    let n = Math.min(total, maxFrameSize);
    const flags = (endStream ? FLAG.END_STREAM : 0) | (n === total ? FLAG.END_HEADERS : 0);
    this.frame(FRAME.HEADERS, flags, id, block, 0, n);
    while (n < total) {
      const m = Math.min(total - n, maxFrameSize);
      this.frame(FRAME.CONTINUATION, n + m === total ? FLAG.END_HEADERS : 0, id, block, n, n + m);
      n += m;
    }
  }

  /** Everything written since the last take, as one buffer of its own; null when nothing. */
  take(): Buffer | null {
    const n = this.#len;
    if (n === 0) return null;
    const out = Buffer.allocUnsafe(n);
    this.#buf.copy(out, 0, 0, n);
    this.#len = 0;
    return out;
  }
}
