import { describe, expect, it } from 'vitest';
import { HpackDecoder, HpackError, encodeHeaderBlock, huffmanDecode } from '../../../src/traffic/hpack.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const REQ1: Array<[string, string]> = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQ2: Array<[string, string]> = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: Array<[string, string]> = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const RES1: Array<[string, string]> = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:21 GMT'],
  ['location', 'https://www.example.com'],
];
const RES2: Array<[string, string]> = [[':status', '307'], ...RES1.slice(1)];
const RES3: Array<[string, string]> = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', 'Mon, 21 Oct 2013 20:13:22 GMT'],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
];

/** RFC 7541 Appendix C: a sequence of header blocks on one decoder, with the dynamic table size after each. */
const SEQUENCES: Array<[string, number, Array<[string, Array<[string, string]>, number]>]> = [
  [
    'C.3 requests without Huffman',
    4096,
    [
      ['8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', REQ1, 57],
      ['8286 84be 5808 6e6f 2d63 6163 6865', REQ2, 110],
      ['8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65', REQ3, 164],
    ],
  ],
  [
    'C.4 requests with Huffman',
    4096,
    [
      ['8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff', REQ1, 57],
      ['8286 84be 5886 a8eb 1064 9cbf', REQ2, 110],
      ['8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf', REQ3, 164],
    ],
  ],
  [
    'C.5 responses without Huffman (table of 256, evictions)',
    256,
    [
      ['4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d', RES1, 222],
      ['4803 3330 37c1 c0bf', RES2, 222],
      [
        '88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31',
        RES3,
        215,
      ],
    ],
  ],
  [
    'C.6 responses with Huffman (table of 256, evictions)',
    256,
    [
      ['4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3', RES1, 222],
      ['4883 640e ffc1 c0bf', RES2, 222],
      [
        '88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
        RES3,
        215,
      ],
    ],
  ],
];

describe('HPACK decoder: RFC 7541 Appendix C', () => {
  it.each(SEQUENCES)('%s', (_name, tableSize, blocks) => {
    const d = new HpackDecoder(tableSize);
    for (const [bytes, headers, size] of blocks) {
      const all: Array<[string, string]> = [];
      const b = hex(bytes);
      d.decode(b, 0, b.length, undefined, all);
      expect(all).toEqual(headers);
      expect(d.tableSize).toBe(size);
    }
  });

  it.each<[string, string, Array<[string, string]>, number]>([
    ['C.2.1 literal with indexing', '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572', [['custom-key', 'custom-header']], 55],
    ['C.2.2 literal without indexing', '040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], 0],
    ['C.2.3 literal never indexed', '1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], 0],
    ['C.2.4 indexed', '82', [[':method', 'GET']], 0],
  ])('%s', (_name, bytes, headers, size) => {
    const d = new HpackDecoder();
    const all: Array<[string, string]> = [];
    const b = hex(bytes);
    d.decode(b, 0, b.length, undefined, all);
    expect(all).toEqual(headers);
    expect(d.tableSize).toBe(size);
  });

  it('reads :status and the wanted header without collecting, skipping unneeded values (C.6 then a pod header)', () => {
    const d = new HpackDecoder(256);
    const b1 = hex('4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3');
    d.decode(b1, 0, b1.length, 'location');
    expect([d.status, d.wanted]).toEqual([302, 'https://www.example.com']);
    // :status 200 indexed, then x-pod-name: web-1 as a literal without indexing (new name), a date skipped.
    const b2 = Buffer.concat([hex('88'), encodeHeaderBlock([['date', 'x'], ['x-pod-name', 'web-1']])]);
    d.decode(b2, 0, b2.length, 'x-pod-name');
    expect([d.status, d.wanted]).toEqual([200, 'web-1']);
    d.decode(b2, 0, b2.length, 'x-other');
    expect([d.status, d.wanted]).toEqual([200, undefined]);
  });

  it('decodes a block that is a slice of a larger buffer (start, end)', () => {
    const d = new HpackDecoder();
    const b = Buffer.concat([hex('ffff'), hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), hex('ffff')]);
    const all: Array<[string, string]> = [];
    d.decode(b, 2, b.length - 2, undefined, all);
    expect(all).toEqual(REQ1);
  });

  it('takes a dynamic table size update, evicting', () => {
    const d = new HpackDecoder();
    const b = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
    d.decode(b, 0, b.length, undefined);
    expect(d.tableSize).toBe(55);
    const shrink = hex('20');
    d.decode(shrink, 0, 1, undefined);
    expect(d.tableSize).toBe(0);
  });

  it.each<[string, string]>([
    ['index 0', '80'],
    ['an index beyond both tables', 'be'],
    ['a truncated string', '0408 2f73'],
    ['a table size above our SETTINGS_HEADER_TABLE_SIZE (4097)', '3fe2 1f'],
    ['an integer that never ends', '3fff ffff ffff ff'],
    ['Huffman padding longer than 7 bits', '0082 ffff 00'],
    ['Huffman padding not of ones', '0081 00 00'],
  ])('refuses %s (COMPRESSION_ERROR)', (_name, bytes) => {
    const d = new HpackDecoder();
    const b = hex(bytes);
    expect(() => d.decode(b, 0, b.length, undefined, [])).toThrow(HpackError);
  });
});

describe('HPACK Huffman', () => {
  it.each<[string, string]>([
    ['f1e3 c2e5 f23a 6ba0 ab90 f4ff', 'www.example.com'],
    ['a8eb 1064 9cbf', 'no-cache'],
    ['25a8 49e9 5ba9 7d7f', 'custom-key'],
    ['6402', '302'],
    ['aec3 771a 4b', 'private'],
    ['9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3', 'https://www.example.com'],
  ])('%s is %j', (bytes, text) => {
    const b = hex(bytes);
    expect(huffmanDecode(b, 0, b.length)).toBe(text);
  });
});

describe('HPACK encoder', () => {
  it.each<[string, Array<[string, string]>, string]>([
    ['C.2.2: a static name, literal without indexing', [[':path', '/sample/path']], '040c 2f73 616d 706c 652f 7061 7468'],
    ['C.2.4: a whole static entry is indexed', [[':method', 'GET']], '82'],
    ['a new name, literal without indexing', [['x-a', 'b']], '0003 782d 6101 62'],
    ['a value of 127 bytes or more: a multi-byte length', [['x', 'v'.repeat(130)]], `0001 78 7f03 ${'76'.repeat(130)}`],
    ['a static name above index 14: a multi-byte index', [['user-agent', 'z']], '0f2b 017a'],
  ])('%s', (_name, headers, bytes) => {
    expect(encodeHeaderBlock(headers).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it('round-trips through the decoder, leaving the dynamic table empty', () => {
    const headers: Array<[string, string]> = [
      [':method', 'POST'],
      [':scheme', 'https'],
      [':authority', 'example.com:8443'],
      [':path', '/api/v1?q=1'],
      ['content-type', 'application/json'],
      ['x-long', 'y'.repeat(300)],
    ];
    const block = encodeHeaderBlock(headers);
    const d = new HpackDecoder();
    const all: Array<[string, string]> = [];
    d.decode(block, 0, block.length, undefined, all);
    expect(all).toEqual(headers);
    expect(d.tableSize).toBe(0);
  });
});
