import { constants as zc, deflateRawSync, inflateRawSync } from 'node:zlib';
import { ZerodropError } from '../../errors.js';

// SPDY/3.1 framing (draft-mbelshe-httpbis-spdy-00 with the 3.1 flow-control amendments), as far
// as `kubectl port-forward` uses it: the frame layouts, the name/value header block and its zlib
// compression with the protocol's preset dictionary. Pure: bytes in, frames out, and back.

/** Protocol version carried in every control frame. */
export const SPDY_VERSION = 3;

/** Largest payload of one frame: the length field has 24 bits. */
export const SPDY_MAX_FRAME_LENGTH = 0xffffff;

/** Control frame type codes (spec 2.6). */
export const SPDY_FRAME_TYPE = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

/** RST_STREAM status codes (spec 2.6.3). */
export const SPDY_RST_STATUS = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** GOAWAY status codes (spec 2.6.6). */
export const SPDY_GOAWAY_STATUS = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** A name/value header block: lower-case names, each with one or more values. */
export type SpdyHeaders = Record<string, string[]>;

/** One SETTINGS entry (spec 2.6.4): 8-bit flags, 24-bit id, 32-bit value. */
export interface SpdySetting {
  flags: number;
  id: number;
  value: number;
}

/** A decoded SPDY/3.1 frame. */
export type SpdyFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedStreamId: number; priority: number; slot: number; fin: boolean; unidirectional: boolean; headers: SpdyHeaders }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clearSettings: boolean; settings: SpdySetting[] }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; fin: boolean; headers: SpdyHeaders }
  | { type: 'windowUpdate'; streamId: number; delta: number }
  /** A control frame of a type this codec does not know: the spec says to ignore it. */
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

/** A malformed frame or header block: the connection cannot go on (the peer gets a GOAWAY). */
export function spdyProtocolError(message: string): ZerodropError {
  return new ZerodropError('E_SPDY_PROTOCOL', `SPDY protocol error: ${message}`, {
    hint: 'the client sent a frame that is not valid SPDY/3.1; kubectl port-forward speaks it correctly, so check the client',
  });
}

// The preset dictionary of spec 2.6.10.1: length-prefixed header names and common values, then
// status lines, dates and media types as plain text.
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version',
  'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

function buildDictionary(): Buffer {
  const parts: Buffer[] = [];
  for (const w of DICTIONARY_WORDS) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    parts.push(len, Buffer.from(w, 'latin1'));
  }
  parts.push(Buffer.from(DICTIONARY_TAIL, 'latin1'));
  return Buffer.concat(parts);
}

/** The SPDY/3 header compression dictionary (1423 bytes). */
export const SPDY_DICTIONARY: Buffer = buildDictionary();

/** Adler-32 (RFC 1950 8.2): the DICTID a zlib stream names its preset dictionary by. */
export function adler32(buf: Uint8Array): number {
  let a = 1;
  let b = 0;
  // 5552 is the largest run that keeps b below 2^32 before the modulo (RFC 1950's NMAX)
  for (let i = 0; i < buf.length; ) {
    const end = Math.min(buf.length, i + 5552);
    for (; i < end; i++) {
      a += buf[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const DICT_ID = adler32(SPDY_DICTIONARY);
/** zlib has a 32 KiB window: older output cannot be referenced, so history beyond it is dropped. */
const WINDOW = 32 * 1024;
/** Most a header block may inflate to: a bound against compression bombs. */
const MAX_HEADER_BLOCK = 1024 * 1024;

/**
 * The zlib stream header our compressor starts with: CM=8 (deflate), CINFO=7 (32 KiB window),
 * FLEVEL=3 (maximum compression), FDICT set, FCHECK making the 16-bit value a multiple of 31;
 * then the DICTID.
 */
export function zlibDictionaryHeader(): Buffer {
  const cmf = 0x78;
  let flg = (3 << 6) | 0x20;
  flg += 31 - (((cmf << 8) | flg) % 31);
  const h = Buffer.alloc(6);
  h[0] = cmf;
  h[1] = flg;
  h.writeUInt32BE(DICT_ID, 2);
  return h;
}

function appendWindow(history: Buffer, out: Buffer): Buffer {
  const all = Buffer.concat([history, out]);
  return all.length > WINDOW ? all.subarray(all.length - WINDOW) : all;
}

/**
 * One direction's header compression context. SPDY compresses every header block of a
 * connection as one continuous zlib stream, flushed (Z_SYNC_FLUSH) at the end of each block. A
 * sync flush ends the deflate block on a byte boundary, so what links one block to the next is
 * only the window of earlier output: compressing each block on its own with that window as preset
 * dictionary yields exactly the continuation of the stream, and keeps this synchronous.
 */
export class HeaderCompressor {
  private history: Buffer = SPDY_DICTIONARY;
  private started = false;

  /** The compressed bytes of the next header block on this connection. */
  compress(block: Buffer): Buffer {
    const body = deflateRawSync(block, { dictionary: this.history, level: 9, finishFlush: zc.Z_SYNC_FLUSH });
    this.history = appendWindow(this.history, block);
    if (this.started) return body;
    this.started = true;
    return Buffer.concat([zlibDictionaryHeader(), body]);
  }
}

/** The receiving side of {@link HeaderCompressor}: inflates each block of the peer's continuous stream. */
export class HeaderDecompressor {
  private history: Buffer = SPDY_DICTIONARY;
  private started = false;

  /** The header block carried by the next compressed chunk on this connection. */
  decompress(chunk: Buffer): Buffer {
    let body = chunk;
    if (!this.started) {
      if (chunk.length < 2) throw spdyProtocolError('header block too short for a zlib header');
      const cmf = chunk[0] as number;
      const flg = chunk[1] as number;
      if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) throw spdyProtocolError('header block is not a zlib stream');
      if ((flg & 0x20) !== 0) {
        if (chunk.length < 6) throw spdyProtocolError('header block too short for a zlib DICTID');
        const id = chunk.readUInt32BE(2);
        if (id !== DICT_ID) throw spdyProtocolError(`header block compressed with an unknown dictionary (DICTID ${id.toString(16)})`);
        body = chunk.subarray(6);
      } else {
        // a stream without FDICT does not use the preset dictionary
        this.history = Buffer.alloc(0);
        body = chunk.subarray(2);
      }
      this.started = true;
    }
    let out: Buffer;
    try {
      out = inflateRawSync(body, { ...(this.history.length > 0 ? { dictionary: this.history } : {}), finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: MAX_HEADER_BLOCK });
    } catch (err) {
      throw spdyProtocolError(`header block does not inflate: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.history = appendWindow(this.history, out);
    return out;
  }
}

/** Serializes a header block (spec 2.6.10): count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const names = Object.keys(headers);
  const parts: Buffer[] = [u32(names.length)];
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from((headers[name] ?? []).join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses an uncompressed header block; names must be lower-case and unique, the block exact. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let pos = 0;
  const take = (n: number, what: string): Buffer => {
    if (pos + n > block.length) throw spdyProtocolError(`header block truncated in ${what}`);
    const b = block.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const count = take(4, 'the count').readUInt32BE(0);
  const out: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = take(take(4, 'a name length').readUInt32BE(0), 'a name').toString('utf8');
    if (name === '') throw spdyProtocolError('empty header name');
    if (name !== name.toLowerCase()) throw spdyProtocolError(`header name ${JSON.stringify(name)} is not lower-case`);
    if (Object.hasOwn(out, name)) throw spdyProtocolError(`header ${JSON.stringify(name)} appears twice`);
    const value = take(take(4, 'a value length').readUInt32BE(0), 'a value').toString('utf8');
    out[name] = value.split('\0');
  }
  if (pos !== block.length) throw spdyProtocolError(`header block has ${block.length - pos} bytes after its last header`);
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > SPDY_MAX_FRAME_LENGTH) throw spdyProtocolError(`control frame of ${payload.length} bytes is too large`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

function streamId31(id: number): number {
  if (!Number.isInteger(id) || id <= 0 || id > 0x7fffffff) throw spdyProtocolError(`stream id ${id} is out of range`);
  return id;
}

/** Encodes frames of one connection; owns that connection's outgoing header compression context. */
export class SpdyFrameEncoder {
  private readonly compressor = new HeaderCompressor();

  /** The bytes of one frame (header blocks compressed in the order frames are encoded). */
  encode(f: SpdyFrame): Buffer {
    switch (f.type) {
      case 'data': {
        if (f.data.length > SPDY_MAX_FRAME_LENGTH) throw spdyProtocolError(`data frame of ${f.data.length} bytes is too large`);
        const h = Buffer.alloc(8);
        h.writeUInt32BE(streamId31(f.streamId), 0);
        h.writeUInt32BE(((f.fin ? 1 : 0) << 24 | f.data.length) >>> 0, 4);
        return Buffer.concat([h, f.data]);
      }
      case 'synStream': {
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(streamId31(f.streamId), 0);
        fixed.writeUInt32BE(f.associatedStreamId & 0x7fffffff, 4);
        fixed[8] = (f.priority & 0x7) << 5;
        fixed[9] = f.slot & 0xff;
        const block = this.compressor.compress(encodeHeaderBlock(f.headers));
        return control(SPDY_FRAME_TYPE.synStream, (f.fin ? 1 : 0) | (f.unidirectional ? 2 : 0), Buffer.concat([fixed, block]));
      }
      case 'synReply':
      case 'headers': {
        const block = this.compressor.compress(encodeHeaderBlock(f.headers));
        return control(f.type === 'synReply' ? SPDY_FRAME_TYPE.synReply : SPDY_FRAME_TYPE.headers, f.fin ? 1 : 0, Buffer.concat([u32(streamId31(f.streamId)), block]));
      }
      case 'rstStream':
        return control(SPDY_FRAME_TYPE.rstStream, 0, Buffer.concat([u32(streamId31(f.streamId)), u32(f.status)]));
      case 'settings': {
        const parts = [u32(f.settings.length)];
        for (const s of f.settings) parts.push(u32(((s.flags & 0xff) << 24 | (s.id & 0xffffff)) >>> 0), u32(s.value));
        return control(SPDY_FRAME_TYPE.settings, f.clearSettings ? 1 : 0, Buffer.concat(parts));
      }
      case 'ping':
        return control(SPDY_FRAME_TYPE.ping, 0, u32(f.id));
      case 'goAway':
        return control(SPDY_FRAME_TYPE.goAway, 0, Buffer.concat([u32(f.lastGoodStreamId & 0x7fffffff), u32(f.status)]));
      case 'windowUpdate':
        // stream 0 is the connection's own window in SPDY/3.1
        return control(SPDY_FRAME_TYPE.windowUpdate, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
      case 'unknown':
        return control(f.frameType, f.flags, f.payload);
    }
  }
}

/**
 * Decodes the byte stream of one connection into frames, whatever the chunking: bytes of an
 * incomplete frame wait for the next push. Owns the incoming header decompression context.
 */
export class SpdyFrameDecoder {
  private readonly decompressor = new HeaderDecompressor();
  private pending: Buffer = Buffer.alloc(0);

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Adds received bytes; returns the frames they complete, in order. Throws on a malformed frame. */
  push(chunk: Buffer): SpdyFrame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: SpdyFrame[] = [];
    let pos = 0;
    while (this.pending.length - pos >= 8) {
      const word = this.pending.readUInt32BE(pos + 4);
      const length = word & 0xffffff;
      if (this.pending.length - pos < 8 + length) break;
      const first = this.pending.readUInt32BE(pos);
      const flags = word >>> 24;
      const payload = this.pending.subarray(pos + 8, pos + 8 + length);
      pos += 8 + length;
      if ((first & 0x80000000) === 0) {
        const streamId = first & 0x7fffffff;
        if (streamId === 0) throw spdyProtocolError('data frame on stream 0');
        frames.push({ type: 'data', streamId, fin: (flags & 1) !== 0, data: payload });
        continue;
      }
      const version = (first >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION) throw spdyProtocolError(`control frame of version ${version} (only ${SPDY_VERSION} is spoken)`);
      frames.push(this.controlFrame(first & 0xffff, flags, payload));
    }
    this.pending = pos === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(pos);
    return frames;
  }

  private controlFrame(type: number, flags: number, p: Buffer): SpdyFrame {
    const need = (n: number, what: string): void => {
      if (p.length < n) throw spdyProtocolError(`${what} frame of ${p.length} bytes is too short`);
    };
    const exact = (n: number, what: string): void => {
      if (p.length !== n) throw spdyProtocolError(`${what} frame must have ${n} bytes, got ${p.length}`);
    };
    const id = (at: number, what: string): number => {
      const v = p.readUInt32BE(at) & 0x7fffffff;
      if (v === 0) throw spdyProtocolError(`${what} frame on stream 0`);
      return v;
    };
    switch (type) {
      case SPDY_FRAME_TYPE.synStream: {
        need(10, 'SYN_STREAM');
        return {
          type: 'synStream',
          streamId: id(0, 'SYN_STREAM'),
          associatedStreamId: p.readUInt32BE(4) & 0x7fffffff,
          priority: (p[8] as number) >>> 5,
          slot: p[9] as number,
          fin: (flags & 1) !== 0,
          unidirectional: (flags & 2) !== 0,
          headers: decodeHeaderBlock(this.decompressor.decompress(p.subarray(10))),
        };
      }
      case SPDY_FRAME_TYPE.synReply:
      case SPDY_FRAME_TYPE.headers: {
        const what = type === SPDY_FRAME_TYPE.synReply ? 'SYN_REPLY' : 'HEADERS';
        need(4, what);
        const streamId = id(0, what);
        const headers = decodeHeaderBlock(this.decompressor.decompress(p.subarray(4)));
        return { type: type === SPDY_FRAME_TYPE.synReply ? 'synReply' : 'headers', streamId, fin: (flags & 1) !== 0, headers };
      }
      case SPDY_FRAME_TYPE.rstStream: {
        exact(8, 'RST_STREAM');
        const status = p.readUInt32BE(4);
        if (status === 0) throw spdyProtocolError('RST_STREAM with status 0');
        return { type: 'rstStream', streamId: id(0, 'RST_STREAM'), status };
      }
      case SPDY_FRAME_TYPE.settings: {
        need(4, 'SETTINGS');
        const n = p.readUInt32BE(0);
        exact(4 + n * 8, 'SETTINGS');
        const settings: SpdySetting[] = [];
        for (let i = 0; i < n; i++) {
          const fi = p.readUInt32BE(4 + i * 8);
          settings.push({ flags: fi >>> 24, id: fi & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', clearSettings: (flags & 1) !== 0, settings };
      }
      case SPDY_FRAME_TYPE.ping:
        exact(4, 'PING');
        return { type: 'ping', id: p.readUInt32BE(0) };
      case SPDY_FRAME_TYPE.goAway:
        exact(8, 'GOAWAY');
        return { type: 'goAway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case SPDY_FRAME_TYPE.windowUpdate:
        exact(8, 'WINDOW_UPDATE');
        return { type: 'windowUpdate', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', frameType: type, flags, payload: Buffer.from(p) };
    }
  }
}
