/**
 * HPACK (RFC 7541) for zerodrop's lean HTTP/2 client: an encoder for the request's header block
 * (literals without indexing, so one block serves every request of every session) and a decoder
 * for responses (static and dynamic tables, Huffman strings). The decoder reads only what the
 * client needs (:status and the pod header) and skips the values of literals that never enter the
 * dynamic table, so a typical response costs no Huffman decoding at all.
 */

/** A malformed header block: the session must end with COMPRESSION_ERROR (RFC 9113 section 4.3). */
export class HpackError extends Error {
  readonly code = 'ERR_HTTP2_COMPRESSION_ERROR';
}

/** RFC 7541 Appendix A, index 1..61 (entry 0 unused). */
const STATIC: ReadonlyArray<readonly [string, string]> = [
  ['', ''],
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ...[
    'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'accept', 'access-control-allow-origin', 'age', 'allow', 'authorization', 'cache-control',
    'content-disposition', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-range', 'content-type', 'cookie', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified',
    'link', 'location', 'max-forwards', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'refresh', 'retry-after', 'server',
    'set-cookie', 'strict-transport-security', 'transfer-encoding', 'user-agent', 'vary', 'via', 'www-authenticate',
  ].map((n) => [n, n === 'accept-encoding' ? 'gzip, deflate' : ''] as const),
];
const STATIC_COUNT = 61;

/**
 * Code lengths of the 257 Huffman symbols (RFC 7541 Appendix B), as 'A' + length - 5. The code is
 * canonical (codes follow from the lengths, shortest first, then by symbol), so lengths suffice.
 */
const HUFFMAN_LENGTHS =
  'ISXXXXXXXTZXXZXXXXXXXXZXXXXXXXXXBFFHIBDGFFDGDBBBAAABBBBBBBCDKBHFIBCCCCCCCCCCCCCCCCCCCCCCDCDIOIJBKABABABBBACCBBBABCBAABCCCCCKGJIXPRPPRRRSRSSSSSTSTTRSTSSSSQRSRSSTRQPRRSSQSRRTQRSSQQRQSRSSPRRRSRRSVVPORSRUVVVWWVTUOQVWWVWTQQVVXWWWPTPQRQQSRRUUTTVSVWVVWWWWWXWWWWWVZ';
const EOS = 256;

/** Canonical decoding tables: per code length, the first code, how many codes, where they start in SYMBOLS. */
const FIRST_CODE = new Int32Array(31);
const CODE_COUNT = new Int32Array(31);
const SYMBOL_OFFSET = new Int32Array(31);
const SYMBOLS = new Uint16Array(257);
{
  const lengths = Array.from(HUFFMAN_LENGTHS, (c) => c.charCodeAt(0) - 65 + 5);
  const order = lengths.map((_, s) => s).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  let code = 0;
  let prevLen = lengths[order[0]!]!;
  order.forEach((s, i) => {
    const len = lengths[s]!;
    if (i > 0) code = (code + 1) << (len - prevLen);
    prevLen = len;
    if (CODE_COUNT[len] === 0) {
      FIRST_CODE[len] = code;
      SYMBOL_OFFSET[len] = i;
    }
    CODE_COUNT[len]!++;
    SYMBOLS[i] = s;
  });
}

/** Scratch for decoded strings (grown when needed; strings are copied out as latin1). */
let scratch = Buffer.allocUnsafe(256);

/** Decodes a Huffman string into latin1. */
export function huffmanDecode(src: Buffer, start: number, end: number): string {
  if (scratch.length < (end - start) * 2) scratch = Buffer.allocUnsafe((end - start) * 2);
  const out = scratch;
  let n = 0;
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = src[i]!;
    for (let b = 7; b >= 0; b--) {
      code = (code << 1) | ((byte >> b) & 1);
      len++;
      if (len >= 5) {
        const k = code - FIRST_CODE[len]!;
        if (k >= 0 && k < CODE_COUNT[len]!) {
          const sym = SYMBOLS[SYMBOL_OFFSET[len]! + k]!;
          if (sym === EOS) throw new HpackError('HPACK: EOS symbol in a Huffman string');
          out[n++] = sym;
          code = 0;
          len = 0;
        } else if (len >= 30) {
          throw new HpackError('HPACK: invalid Huffman code');
        }
      }
    }
  }
  // Padding: fewer than 8 bits, all ones (the EOS code's prefix).
  if (len > 7 || code !== (1 << len) - 1) throw new HpackError('HPACK: invalid Huffman padding');
  return out.toString('latin1', 0, n);
}

/** Position after an integer with an N-bit prefix, and its value (shared to avoid allocation). */
let intEnd = 0;

function readInt(buf: Buffer, pos: number, end: number, prefixBits: number): number {
  const max = (1 << prefixBits) - 1;
  let v = buf[pos]! & max;
  pos++;
  if (v === max) {
    let shift = 0;
    let b: number;
    do {
      if (pos >= end) throw new HpackError('HPACK: truncated integer');
      b = buf[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 28) throw new HpackError('HPACK: integer too large');
    } while (b & 0x80);
  }
  intEnd = pos;
  return v;
}

/** Reads a string literal at pos; strEnd is set to the position after it. */
let strEnd = 0;

function readString(buf: Buffer, pos: number, end: number): string {
  if (pos >= end) throw new HpackError('HPACK: truncated string');
  const huffman = (buf[pos]! & 0x80) !== 0;
  const len = readInt(buf, pos, end, 7);
  const from = intEnd;
  if (from + len > end) throw new HpackError('HPACK: truncated string');
  strEnd = from + len;
  return huffman ? huffmanCached(buf, from, from + len) : buf.toString('latin1', from, from + len);
}

/**
 * Decoded Huffman strings by their coded bytes. Servers send the same values response after
 * response (nginx adds server, date and content-type to the dynamic table on every response,
 * Huffman-coded, and never refers to them): a lookup costs far less than decoding bit by bit.
 */
const huffmanCache = new Map<string, string>();
const HUFFMAN_CACHE_MAX = 512;

function huffmanCached(buf: Buffer, start: number, end: number): string {
  // Long strings are rarely repeated: decoded without the cache.
  if (end - start > 64) return huffmanDecode(buf, start, end);
  const key = buf.toString('latin1', start, end);
  let s = huffmanCache.get(key);
  if (s === undefined) {
    s = huffmanDecode(buf, start, end);
    if (huffmanCache.size >= HUFFMAN_CACHE_MAX) huffmanCache.clear();
    huffmanCache.set(key, s);
  }
  return s;
}

function skipString(buf: Buffer, pos: number, end: number): number {
  if (pos >= end) throw new HpackError('HPACK: truncated string');
  const len = readInt(buf, pos, end, 7);
  if (intEnd + len > end) throw new HpackError('HPACK: truncated string');
  return intEnd + len;
}

/**
 * One session's response decoder (its dynamic table lives as long as the session). decode() sets
 * `status` and `wanted` (the value of the header asked for, if present); with `all`, it collects
 * every header (tests, and anything that needs them).
 */
export class HpackDecoder {
  /** :status of the last block (0 if none). */
  status = 0;
  /** Value of the wanted header in the last block, if any. */
  wanted: string | undefined = undefined;
  /** Dynamic table, oldest first (names and values apart). */
  readonly #names: string[] = [];
  readonly #values: string[] = [];
  #size = 0;
  #maxSize: number;
  /** The largest size the server may set (our SETTINGS_HEADER_TABLE_SIZE). */
  readonly #limit: number;

  constructor(tableSize = 4096) {
    this.#maxSize = tableSize;
    this.#limit = tableSize;
  }

  /** Bytes the dynamic table holds (RFC 7541 section 4.1). */
  get tableSize(): number {
    return this.#size;
  }

  /** Decodes one whole header block; throws HpackError when it is malformed. */
  decode(buf: Buffer, start: number, end: number, want: string | undefined, all: Array<[string, string]> | null = null): void {
    this.status = 0;
    this.wanted = undefined;
    let pos = start;
    while (pos < end) {
      const b = buf[pos]!;
      let name: string;
      let value: string | undefined;
      if (b & 0x80) {
        // Indexed header field.
        const idx = readInt(buf, pos, end, 7);
        pos = intEnd;
        if (idx === 0) throw new HpackError('HPACK: index 0');
        name = this.#name(idx);
        value = this.#value(idx);
      } else if ((b & 0xe0) === 0x20) {
        // Dynamic table size update.
        const size = readInt(buf, pos, end, 5);
        pos = intEnd;
        if (size > this.#limit) throw new HpackError('HPACK: table size above the limit');
        this.#maxSize = size;
        this.#evict(0);
        continue;
      } else {
        const indexing = (b & 0xc0) === 0x40;
        const idx = readInt(buf, pos, end, indexing ? 6 : 4);
        pos = intEnd;
        if (idx === 0) {
          name = readString(buf, pos, end);
          pos = strEnd;
        } else {
          name = this.#name(idx);
        }
        if (indexing || all !== null || name === ':status' || name === want) {
          value = readString(buf, pos, end);
          pos = strEnd;
          if (indexing) this.#insert(name, value);
        } else {
          // Not indexed and not needed: its value is never read.
          pos = skipString(buf, pos, end);
          continue;
        }
      }
      if (all !== null) all.push([name, value]);
      if (name === ':status') this.status = Number(value);
      else if (name === want && this.wanted === undefined) this.wanted = value;
    }
  }

  #name(idx: number): string {
    if (idx <= STATIC_COUNT) return STATIC[idx]![0];
    const i = this.#names.length - (idx - STATIC_COUNT);
    if (i < 0) throw new HpackError(`HPACK: index ${idx} beyond the tables`);
    return this.#names[i]!;
  }

  #value(idx: number): string {
    if (idx <= STATIC_COUNT) return STATIC[idx]![1];
    return this.#values[this.#values.length - (idx - STATIC_COUNT)]!;
  }

  #insert(name: string, value: string): void {
    const size = name.length + value.length + 32;
    this.#evict(size);
    // An entry larger than the table empties it and is not added (RFC 7541 section 4.4).
    if (size > this.#maxSize) return;
    this.#names.push(name);
    this.#values.push(value);
    this.#size += size;
  }

  /** Evicts the oldest entries until `room` more bytes fit. */
  #evict(room: number): void {
    while (this.#size + room > this.#maxSize && this.#names.length > 0) {
      const name = this.#names.shift()!;
      const value = this.#values.shift()!;
      this.#size -= name.length + value.length + 32;
    }
  }
}

function pushInt(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  value -= max;
  while (value >= 128) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function pushString(out: number[], s: string): void {
  const bytes = Buffer.from(s, 'latin1');
  pushInt(out, bytes.length, 7, 0);
  for (const b of bytes) out.push(b);
}

/**
 * Encodes a header list (names lower-case) into one header block: a static-table match is
 * indexed, anything else is a literal without indexing (raw strings, indexed name when the static
 * table has it). Nothing enters the server's dynamic table, so the block is the same for every
 * request of every session.
 */
export function encodeHeaderBlock(headers: ReadonlyArray<readonly [string, string]>): Buffer {
  const out: number[] = [];
  for (const [name, value] of headers) {
    let nameIdx = 0;
    let full = 0;
    for (let i = 1; i <= STATIC_COUNT; i++) {
      if (STATIC[i]![0] !== name) continue;
      if (nameIdx === 0) nameIdx = i;
      if (STATIC[i]![1] === value) {
        full = i;
        break;
      }
    }
    if (full !== 0) {
      pushInt(out, full, 7, 0x80);
      continue;
    }
    pushInt(out, nameIdx, 4, 0x00);
    if (nameIdx === 0) pushString(out, name);
    pushString(out, value);
  }
  return Buffer.from(out);
}
