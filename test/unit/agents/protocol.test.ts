import { describe, expect, it } from 'vitest';
import { LineSplitter, RECORD_VERSION, countDelta, decodeRecord, deltaToEncoded, encodeRecord, type AgentRecord } from '../../../src/agents/protocol.js';
import { Recorder } from '../../../src/metrics/recorder.js';

const base = { zd: RECORD_VERSION, seq: 3, index: 1, wallMs: 1_700_000_000_123.5 } as const;
const settings = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 4000 };

const records: AgentRecord[] = [
  { ...base, type: 'hello', pod: 'j-1-abcde', version: '0.1.0', settings },
  { ...base, type: 'ready', startAtWallMs: 1_700_000_010_000 },
  { ...base, type: 'start', lateMs: 0 },
  { ...base, type: 'interval', tMs: 12_345.6, rows: [{ fromRow: 120, counts: [5, 0, 0, 1, 0, 0, 0, 2] }], statusCodes: { '200': 5 }, errorCodes: { UND_ERR_HEADERS_TIMEOUT: 1 }, live: { sent: 6, succeeded: 5, failed: 1, unsent: 2, inFlight: 0 } },
  { ...base, type: 'histograms', histograms: [{ index: 12, data: 'HISTFAAAA' }] },
  { ...base, type: 'error', message: 'boom' },
];

describe('agent records', () => {
  it.each(records.map((r) => [r.type, r]))('%s round-trips through one NDJSON line', (_type, r) => {
    const line = encodeRecord(r);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(decodeRecord(line)).toEqual(r);
  });

  it.each(['', 'listening on 8080', '{"level":"info"}', '   '])('%j is not a record', (line) => {
    expect(decodeRecord(line)).toBeUndefined();
  });

  it.each([
    ['{"zd":1,', /not JSON/],
    ['{"zd":2,"seq":0,"index":0,"wallMs":1,"type":"hello"}', /version/],
    ['{"zd":1,"index":0,"wallMs":1,"type":"ready","startAtWallMs":1}', /seq/],
    ['{"zd":1,"seq":0,"index":0,"wallMs":1,"type":"nope"}', /unknown type/],
    ['{"zd":1,"seq":0,"index":0,"wallMs":1,"type":"interval","rows":[{"fromRow":0,"counts":[1,2]}],"statusCodes":{},"errorCodes":{},"live":{}}', /whole rows/],
    ['{"zd":1,"seq":0,"index":0,"wallMs":1,"type":"interval","rows":[],"statusCodes":{"200":-1},"errorCodes":{},"live":{}}', /statusCodes/],
  ])('a malformed record is refused: %s', (line, message) => {
    expect(() => decodeRecord(line)).toThrow(message);
    expect(() => decodeRecord(line)).toThrow(expect.objectContaining({ code: 'E_BAD_AGENT_RECORD' }));
  });

  it('LineSplitter rebuilds lines across arbitrary chunk boundaries', () => {
    const text = records.map(encodeRecord).join('');
    for (const size of [1, 7, 64, text.length]) {
      const s = new LineSplitter();
      const lines: string[] = [];
      for (let i = 0; i < text.length; i += size) lines.push(...s.push(text.slice(i, i + size)));
      expect(s.flush()).toBe('');
      expect(lines.map((l) => decodeRecord(l))).toEqual(records);
    }
  });

  it('deltaToEncoded places row blocks at their rows and decodes into a Recorder', () => {
    const enc = deltaToEncoded(settings, { rows: [{ fromRow: 2, counts: [1, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0, 0, 0, 0] }], statusCodes: { '200': 4, '503': 1 } });
    const r = Recorder.fromJSON(enc);
    const iv = r.intervals();
    expect(iv).toHaveLength(4);
    expect(iv[2]).toMatchObject({ tMs: 200, succeeded: 1, sent: 1 });
    expect(iv[3]).toMatchObject({ tMs: 300, succeeded: 3, failed: 1, sent: 4 });
    expect(r.statusCodes()).toEqual({ '200': 4, '503': 1 });
  });

  it('countDelta keeps what grew', () => {
    expect(countDelta({ '200': 10, '503': 2, '404': 1 }, { '200': 4, '503': 2 })).toEqual({ '200': 6, '404': 1 });
  });
});
