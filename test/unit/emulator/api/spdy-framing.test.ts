import { constants as zc, createDeflate, createInflate, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  adler32,
  decodeHeaderBlock,
  encodeHeaderBlock,
  HeaderCompressor,
  HeaderDecompressor,
  SPDY_DICTIONARY,
  SpdyFrameDecoder,
  SpdyFrameEncoder,
  zlibDictionaryHeader,
  type SpdyFrame,
} from '../../../../src/emulator/api/spdy-framing.js';
import { ZerodropError } from '../../../../src/errors.js';

// Vectors below are written from the layouts of the SPDY/3 draft (draft-mbelshe-httpbis-spdy-00,
// sections 2.2, 2.6 and 2.6.10) and RFC 1950/1951, byte by byte.

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function protocolError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZerodropError);
    expect((err as ZerodropError).code).toBe('E_SPDY_PROTOCOL');
    return (err as Error).message;
  }
  throw new Error('expected a SPDY protocol error');
}

describe('frames without a header block: exact bytes both ways', () => {
  it.each<[string, SpdyFrame, string]>([
    ['DATA with FIN', { type: 'data', streamId: 1, fin: true, data: Buffer.from('hi') }, '00000001 01000002 6869'],
    ['DATA, empty, highest stream id', { type: 'data', streamId: 0x7fffffff, fin: false, data: Buffer.alloc(0) }, '7fffffff 00000000'],
    ['RST_STREAM CANCEL', { type: 'rstStream', streamId: 3, status: 5 }, '80030003 00000008 00000003 00000005'],
    ['RST_STREAM PROTOCOL_ERROR', { type: 'rstStream', streamId: 7, status: 1 }, '80030003 00000008 00000007 00000001'],
    [
      'SETTINGS with CLEAR_SETTINGS and one persisted entry',
      { type: 'settings', clearSettings: true, settings: [{ flags: 1, id: 4, value: 100 }] },
      '80030004 0100000c 00000001 01000004 00000064',
    ],
    ['SETTINGS, empty', { type: 'settings', clearSettings: false, settings: [] }, '80030004 00000004 00000000'],
    ['PING', { type: 'ping', id: 1 }, '80030006 00000004 00000001'],
    ['GOAWAY OK', { type: 'goAway', lastGoodStreamId: 5, status: 0 }, '80030007 00000008 00000005 00000000'],
    ['GOAWAY PROTOCOL_ERROR', { type: 'goAway', lastGoodStreamId: 0, status: 1 }, '80030007 00000008 00000000 00000001'],
    ['WINDOW_UPDATE of a stream', { type: 'windowUpdate', streamId: 1, delta: 65536 }, '80030009 00000008 00000001 00010000'],
    ['WINDOW_UPDATE of the connection (stream 0)', { type: 'windowUpdate', streamId: 0, delta: 1 }, '80030009 00000008 00000000 00000001'],
    ['an unknown control type is kept, to be ignored', { type: 'unknown', frameType: 0x0a, flags: 0, payload: Buffer.from('ab') }, '8003000a 00000002 6162'],
  ])('%s', (_name, frame, bytes) => {
    const encoded = new SpdyFrameEncoder().encode(frame);
    expect(encoded.toString('hex')).toBe(hex(bytes).toString('hex'));
    expect(new SpdyFrameDecoder().push(encoded)).toEqual([frame]);
  });
});

describe('frames with a header block round-trip through one connection', () => {
  const frames: SpdyFrame[] = [
    { type: 'synStream', streamId: 1, associatedStreamId: 0, priority: 0, slot: 0, fin: false, unidirectional: false, headers: { streamtype: ['error'], port: ['8080'], requestid: ['0'] } },
    { type: 'synStream', streamId: 3, associatedStreamId: 1, priority: 7, slot: 2, fin: true, unidirectional: true, headers: { streamtype: ['data'], port: ['8080'], requestid: ['0'] } },
    { type: 'synReply', streamId: 1, fin: false, headers: {} },
    { type: 'synReply', streamId: 3, fin: true, headers: { status: ['200 OK'], 'set-cookie': ['a=1', 'b=2'] } },
    { type: 'headers', streamId: 3, fin: false, headers: { 'x-extra': ['yes'] } },
    { type: 'headers', streamId: 5, fin: true, headers: {} },
  ];

  it.each(frames.map((f, i) => [`${f.type} #${i}`, i] as const))('%s', (_name, i) => {
    // every frame is encoded after the ones before it: the compression context is continuous
    const enc = new SpdyFrameEncoder();
    const dec = new SpdyFrameDecoder();
    for (const f of frames.slice(0, i)) expect(dec.push(enc.encode(f))).toEqual([f]);
    expect(dec.push(enc.encode(frames[i] as SpdyFrame))).toEqual([frames[i]]);
  });

  it('lays out SYN_STREAM as the spec does: control header, ids, priority, slot, then the zlib stream', () => {
    const f = frames[0] as SpdyFrame;
    const b = new SpdyFrameEncoder().encode(f);
    expect(b.subarray(0, 4).toString('hex')).toBe('80030001');
    expect(b.readUInt32BE(4) & 0xffffff).toBe(b.length - 8);
    expect(b.subarray(8, 18).toString('hex')).toBe('00000001' + '00000000' + '00' + '00');
    expect(b.subarray(18, 24).toString('hex')).toBe('78f9e3c6a7c2');
    const second = frames[1] as SpdyFrame;
    const b2 = new SpdyFrameEncoder().encode(second);
    expect(b2[4]).toBe(0x03); // FIN | UNIDIRECTIONAL
    expect(b2.subarray(8, 18).toString('hex')).toBe('00000003' + '00000001' + 'e0' + '02');
  });

  it('decodes the same frames whatever the chunking, byte by byte included', () => {
    const enc = new SpdyFrameEncoder();
    const all: SpdyFrame[] = [...frames, { type: 'data', streamId: 3, fin: false, data: Buffer.from('payload') }, { type: 'ping', id: 9 }];
    const bytes = Buffer.concat(all.map((f) => enc.encode(f)));
    const dec = new SpdyFrameDecoder();
    const out: SpdyFrame[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...dec.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(all);
    expect(dec.buffered).toBe(0);
    expect(new SpdyFrameDecoder().push(bytes)).toEqual(all);
  });
});

describe('header blocks', () => {
  it('encodes count, length-prefixed names and NUL-joined values (spec 2.6.10)', () => {
    expect(encodeHeaderBlock({ port: ['8080'] }).toString('hex')).toBe(hex('00000001 00000004 706f7274 00000004 38303830').toString('hex'));
    expect(encodeHeaderBlock({ a: ['x', 'y'] }).toString('hex')).toBe(hex('00000001 00000001 61 00000003 78 00 79').toString('hex'));
    expect(encodeHeaderBlock({}).toString('hex')).toBe('00000000');
    expect(decodeHeaderBlock(hex('00000002 00000001 61 00000003 780079 00000001 62 00000000'))).toEqual({ a: ['x', 'y'], b: [''] });
  });

  it.each([
    ['a name that is not lower-case', '00000001 00000001 41 00000000', /not lower-case/],
    ['a name given twice', '00000002 00000001 61 00000000 00000001 61 00000000', /appears twice/],
    ['an empty name', '00000001 00000000 00000000', /empty header name/],
    ['a truncated value', '00000001 00000001 61 00000005 7878', /truncated/],
    ['bytes after the last header', '00000000 00', /after its last header/],
    ['no count', '0000', /truncated/],
  ])('rejects %s', (_name, bytes, msg) => {
    expect(protocolError(() => decodeHeaderBlock(hex(bytes)))).toMatch(msg);
  });
});

describe('header compression with the SPDY/3 dictionary', () => {
  it('builds the dictionary of spec 2.6.10.1', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(SPDY_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY_DICTIONARY.subarray(-6).toString('latin1')).toBe('enq=0.');
    // the DICTID every SPDY/3 zlib stream carries
    expect(adler32(SPDY_DICTIONARY).toString(16)).toBe('e3c6a7c2');
  });

  it.each([
    ['empty', '', 0x00000001],
    ['Wikipedia', 'Wikipedia', 0x11e60398],
    ['a', 'a', 0x00620062],
    ['6000 bytes of 0xff (past the 5552-byte modulo run)', 'ff'.repeat(6000), -1],
  ])('computes adler32 of %s', (_name, input, expected) => {
    const buf = /^(ff)+$/.test(input) ? Buffer.from(input, 'hex') : Buffer.from(input, 'latin1');
    let a = 1;
    let b = 0;
    for (const x of buf) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    expect(adler32(buf)).toBe(expected === -1 ? ((b << 16) | a) >>> 0 : expected);
  });

  it('starts the stream with a valid zlib header naming the dictionary (RFC 1950)', () => {
    const h = zlibDictionaryHeader();
    expect(h.toString('hex')).toBe('78f9e3c6a7c2');
    expect(((h[0] as number) * 256 + (h[1] as number)) % 31).toBe(0);
    expect((h[1] as number) & 0x20).toBe(0x20);
  });

  it('inflates a block written by hand as a stored deflate block (RFC 1951 3.2.4)', () => {
    const block = encodeHeaderBlock({ port: ['80'] });
    const len = Buffer.alloc(4);
    len.writeUInt16LE(block.length, 0);
    len.writeUInt16LE(~block.length & 0xffff, 2);
    const stored = Buffer.concat([zlibDictionaryHeader(), Buffer.from([0x00]), len, block]);
    expect(decodeHeaderBlock(new HeaderDecompressor().decompress(stored))).toEqual({ port: ['80'] });
  });

  const blocks = [
    encodeHeaderBlock({ streamtype: ['error'], port: ['8080'], requestid: ['0'] }),
    encodeHeaderBlock({ streamtype: ['data'], port: ['8080'], requestid: ['0'] }),
    encodeHeaderBlock({}),
    encodeHeaderBlock({ streamtype: ['error'], port: ['8080'], requestid: ['1'] }),
    Buffer.alloc(40_000, 0x61), // longer than the 32 KiB window
    encodeHeaderBlock({ streamtype: ['data'], port: ['8080'], requestid: ['1'] }),
  ];

  it('compresses one continuous stream that an independent zlib inflater reads back', async () => {
    const c = new HeaderCompressor();
    const chunks = blocks.map((b) => c.compress(b));
    // later blocks refer back to earlier ones: a repeated block costs a few bytes
    expect((chunks[3] as Buffer).length).toBeLessThan((chunks[0] as Buffer).length);
    const inflater = createInflate({ dictionary: SPDY_DICTIONARY });
    const out: Buffer[] = [];
    inflater.on('data', (d: Buffer) => out.push(d));
    for (const ch of chunks) {
      inflater.write(ch);
      await new Promise<void>((resolve) => inflater.flush(zc.Z_SYNC_FLUSH, () => resolve()));
    }
    inflater.close();
    expect(Buffer.concat(out).equals(Buffer.concat(blocks))).toBe(true);
  });

  it('decompresses a continuous stream flushed per block, as a Go client writes it', async () => {
    const deflater = createDeflate({ dictionary: SPDY_DICTIONARY, level: 9 });
    const pending: Buffer[] = [];
    deflater.on('data', (d: Buffer) => pending.push(d));
    const d = new HeaderDecompressor();
    for (const b of blocks) {
      deflater.write(b);
      await new Promise<void>((resolve) => deflater.flush(zc.Z_SYNC_FLUSH, () => resolve()));
      const chunk = Buffer.concat(pending.splice(0));
      expect(d.decompress(chunk).equals(b)).toBe(true);
    }
    deflater.close();
  });

  it('reads a stream that uses no dictionary (no FDICT)', () => {
    const block = encodeHeaderBlock({ port: ['1'] });
    const chunk = deflateSync(block, { finishFlush: zc.Z_SYNC_FLUSH });
    expect(decodeHeaderBlock(new HeaderDecompressor().decompress(chunk))).toEqual({ port: ['1'] });
  });

  it.each([
    ['a foreign dictionary', '78f9 00000001 00', /unknown dictionary/],
    ['no zlib header', '0102', /not a zlib stream/],
    ['a truncated DICTID', '78f9 e3c6', /DICTID/],
    ['a single byte', '78', /too short/],
  ])('rejects a stream with %s', (_name, bytes, msg) => {
    expect(protocolError(() => new HeaderDecompressor().decompress(hex(bytes)))).toMatch(msg);
  });

  it('rejects garbage after a valid header', () => {
    expect(protocolError(() => new HeaderDecompressor().decompress(Buffer.concat([zlibDictionaryHeader(), hex('ffffffffff')]))))
      .toMatch(/does not inflate/);
  });
});

describe('malformed frames', () => {
  it.each([
    ['a control frame of SPDY/2', '80020006 00000004 00000001', /version 2/],
    ['a PING of 5 bytes', '80030006 00000005 0000000100', /PING frame must have 4 bytes/],
    ['RST_STREAM with status 0', '80030003 00000008 00000001 00000000', /status 0/],
    ['RST_STREAM on stream 0', '80030003 00000008 00000000 00000005', /stream 0/],
    ['a DATA frame on stream 0', '00000000 00000000', /stream 0/],
    ['a GOAWAY of 4 bytes', '80030007 00000004 00000000', /GOAWAY frame must have 8 bytes/],
    ['SETTINGS whose count disagrees with its length', '80030004 00000004 00000001', /SETTINGS frame must have 12 bytes/],
    ['SYN_STREAM shorter than its fixed part', '80030001 00000004 00000001', /too short/],
  ])('rejects %s', (_name, bytes, msg) => {
    expect(protocolError(() => new SpdyFrameDecoder().push(hex(bytes)))).toMatch(msg);
  });

  it('refuses to encode a stream id out of range', () => {
    expect(protocolError(() => new SpdyFrameEncoder().encode({ type: 'rstStream', streamId: 0, status: 5 }))).toMatch(/out of range/);
  });

  it('waits for the rest of a frame split anywhere', () => {
    const dec = new SpdyFrameDecoder();
    expect(dec.push(hex('800300'))).toEqual([]);
    expect(dec.push(hex('06000000'))).toEqual([]);
    expect(dec.buffered).toBe(7);
    expect(dec.push(hex('04000000'))).toEqual([]);
    expect(dec.push(hex('2a'))).toEqual([{ type: 'ping', id: 42 }]);
  });
});
