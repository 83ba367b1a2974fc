import { describe, expect, it } from 'vitest';
import { FLAG, FRAME, FrameReader, FrameWriter, H2ConnectionError } from '../../../src/traffic/http2-frames.js';
import type { FrameHandler } from '../../../src/traffic/http2-frames.js';

interface Seen {
  type: number;
  flags: number;
  id: number;
  payload: string;
  length: number;
}

function collect(): FrameHandler & { seen: Seen[] } {
  const seen: Seen[] = [];
  return {
    seen,
    onFrame(type, flags, id, buf, start, end, length) {
      seen.push({ type, flags, id, payload: buf.toString('latin1', start, end), length });
    },
  };
}

function frame(type: number, flags: number, id: number, payload: Buffer | string): Buffer {
  const p = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, p]);
}

/** Feeds `bytes` cut at every given offset. */
function feed(bytes: Buffer, cuts: number[]): Seen[] {
  const r = new FrameReader();
  const h = collect();
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    r.push(bytes.subarray(from, at), h);
    from = at;
  }
  return h.seen;
}

const STREAM = Buffer.concat([
  frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 3, 0, 0, 0, 100])),
  frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, 'hdr'),
  frame(FRAME.DATA, 0, 1, 'hello'),
  frame(FRAME.DATA, FLAG.END_STREAM, 1, ''),
  frame(FRAME.PING, 0, 0, '12345678'),
]);
const EXPECTED: Seen[] = [
  { type: FRAME.SETTINGS, flags: 0, id: 0, payload: '\x00\x03\x00\x00\x00\x64', length: 6 },
  { type: FRAME.HEADERS, flags: FLAG.END_HEADERS, id: 1, payload: 'hdr', length: 3 },
  { type: FRAME.DATA, flags: 0, id: 1, payload: 'hello', length: 5 },
  { type: FRAME.DATA, flags: FLAG.END_STREAM, id: 1, payload: '', length: 0 },
  { type: FRAME.PING, flags: 0, id: 0, payload: '12345678', length: 8 },
];

describe('FrameReader', () => {
  it.each<[string, number[]]>([
    ['one chunk', []],
    ['inside a frame header', [4]],
    ['between header and payload', [9]],
    ['inside payloads, twice', [20, 30]],
    ['every byte apart', Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1)],
  ])('cuts frames whatever the chunks: %s', (_name, cuts) => {
    expect(feed(STREAM, cuts)).toEqual(EXPECTED);
  });

  it.each<[string, Buffer, Seen]>([
    ['DATA with padding (counted by flow control, stripped)', frame(FRAME.DATA, FLAG.PADDED, 3, Buffer.concat([Buffer.from([4]), Buffer.from('ab'), Buffer.alloc(4)])), { type: 0, flags: FLAG.PADDED, id: 3, payload: 'ab', length: 7 }],
    ['HEADERS with padding', frame(FRAME.HEADERS, FLAG.PADDED | FLAG.END_HEADERS, 5, Buffer.concat([Buffer.from([2]), Buffer.from('xyz'), Buffer.alloc(2)])), { type: 1, flags: FLAG.PADDED | FLAG.END_HEADERS, id: 5, payload: 'xyz', length: 6 }],
    ['HEADERS with priority', frame(FRAME.HEADERS, FLAG.PRIORITY, 7, Buffer.concat([Buffer.alloc(5), Buffer.from('blk')])), { type: 1, flags: FLAG.PRIORITY, id: 7, payload: 'blk', length: 8 }],
    ['HEADERS with padding and priority', frame(FRAME.HEADERS, FLAG.PADDED | FLAG.PRIORITY, 9, Buffer.concat([Buffer.from([1]), Buffer.alloc(5), Buffer.from('q'), Buffer.alloc(1)])), { type: 1, flags: FLAG.PADDED | FLAG.PRIORITY, id: 9, payload: 'q', length: 8 }],
    ['the reserved bit of the stream id is ignored', Buffer.concat([frame(FRAME.RST_STREAM, 0, 1, Buffer.from([0, 0, 0, 7]))]).fill(0x80, 5, 6), { type: 3, flags: 0, id: 1, payload: '\x00\x00\x00\x07', length: 4 }],
  ])('%s', (_name, bytes, expected) => {
    expect(feed(bytes, [])).toEqual([expected]);
    expect(feed(bytes, [10])).toEqual([expected]);
  });

  it.each<[string, Buffer]>([
    ['a frame above SETTINGS_MAX_FRAME_SIZE', frame(FRAME.DATA, 0, 1, Buffer.alloc(16_385))],
    ['padding longer than the frame', frame(FRAME.DATA, FLAG.PADDED, 1, Buffer.from([9, 1, 2]))],
    ['a padded frame without its pad length', frame(FRAME.DATA, FLAG.PADDED, 1, Buffer.alloc(0))],
  ])('refuses %s (connection error)', (_name, bytes) => {
    expect(() => feed(bytes, [])).toThrow(H2ConnectionError);
  });
});

describe('FrameWriter', () => {
  it('splits a header block into HEADERS and CONTINUATION frames at the max frame size', () => {
    const w = new FrameWriter();
    const block = Buffer.from('a'.repeat(16_384) + 'b'.repeat(16_384) + 'c'.repeat(10));
    w.headers(1, block, true, 16_384);
    const out = w.take()!;
    const seen = feed(out, [100]);
    expect(seen.map((f) => [f.type, f.flags, f.id, f.payload.length])).toEqual([
      [FRAME.HEADERS, FLAG.END_STREAM, 1, 16_384],
      [FRAME.CONTINUATION, 0, 1, 16_384],
      [FRAME.CONTINUATION, FLAG.END_HEADERS, 1, 10],
    ]);
    expect(seen.map((f) => f.payload).join('')).toBe(block.toString('latin1'));
  });

  it('writes a small block as one HEADERS with END_HEADERS, and words and settings frames', () => {
    const w = new FrameWriter();
    w.headers(3, Buffer.from('blk'), false, 16_384);
    w.words(FRAME.WINDOW_UPDATE, 0, 0, 1000);
    w.words(FRAME.GOAWAY, 0, 0, 5, 2);
    w.settings([[4, 65_535]]);
    expect(feed(w.take()!, [])).toEqual([
      { type: FRAME.HEADERS, flags: FLAG.END_HEADERS, id: 3, payload: 'blk', length: 3 },
      { type: FRAME.WINDOW_UPDATE, flags: 0, id: 0, payload: '\x00\x00\x03\xe8', length: 4 },
      { type: FRAME.GOAWAY, flags: 0, id: 0, payload: '\x00\x00\x00\x05\x00\x00\x00\x02', length: 8 },
      { type: FRAME.SETTINGS, flags: 0, id: 0, payload: '\x00\x04\x00\x00\xff\xff', length: 6 },
    ]);
    expect(w.take()).toBeNull();
  });

  it('grows past its staging buffer and hands over an independent copy', () => {
    const w = new FrameWriter();
    const big = Buffer.alloc(40_000, 7);
    w.frame(FRAME.DATA, 0, 1, big, 0, 16_000);
    w.frame(FRAME.DATA, 0, 1, big, 16_000, 32_000);
    const first = w.take()!;
    w.frame(FRAME.DATA, 0, 1, Buffer.from('zz'));
    expect(first.length).toBe(2 * (9 + 16_000));
    expect(first.subarray(9, 20).every((b) => b === 7)).toBe(true);
  });
});
