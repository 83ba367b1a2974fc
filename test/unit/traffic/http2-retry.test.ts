import { describe, expect, it } from 'vitest';
import { classifyErrorCode } from '../../../src/traffic/classify.js';
import { h2ErrorName, judgeStreamEnd, type StreamEnd, type StreamVerdict } from '../../../src/traffic/http2-retry.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';

const end = (e: Partial<StreamEnd>): StreamEnd => ({ headersReceived: false, streamId: 5, rstCode: undefined, goawayLastStreamId: undefined, retried: false, sessionErrorCode: undefined, ...e });

describe('judgeStreamEnd: what a well-behaved HTTP/2 client does with a stream that ended early', () => {
  it.each<[string, Partial<StreamEnd>, StreamVerdict]>([
    ['above the GOAWAY last-stream-id: never processed, retried', { streamId: 21, goawayLastStreamId: 19, rstCode: 7 }, { retry: 'goaway' }],
    ['above the GOAWAY, the session then cut: still never processed', { streamId: 21, goawayLastStreamId: 19, sessionErrorCode: 'ERR_HTTP2_SESSION_ERROR' }, { retry: 'goaway' }],
    ['not sent yet (no id) when the GOAWAY came', { streamId: undefined, goawayLastStreamId: 19 }, { retry: 'goaway' }],
    ['REFUSED_STREAM before any response', { rstCode: 7 }, { retry: 'refused_stream' }],
    ['refused again after its one retry: refused', { rstCode: 7, retried: true }, { fail: 'HTTP2_REFUSED_STREAM' }],
    ['above a GOAWAY again after its retry: refused', { streamId: 3, goawayLastStreamId: 1, retried: true }, { fail: 'HTTP2_GOAWAY_REFUSED' }],
    ['at or below the last-stream-id, the session closed under it: processed, a failure', { streamId: 19, goawayLastStreamId: 19 }, { fail: 'HTTP2_SESSION_CLOSED' }],
    ['below the last-stream-id, reset by the server: a failure by its code', { streamId: 17, goawayLastStreamId: 19, rstCode: 2 }, { fail: 'HTTP2_RST_INTERNAL_ERROR' }],
    ['REFUSED_STREAM after the response began: processed, a reset', { rstCode: 7, headersReceived: true }, { fail: 'HTTP2_RST_REFUSED_STREAM' }],
    ['reset with CANCEL', { rstCode: 8 }, { fail: 'HTTP2_RST_CANCEL' }],
    ['the socket died under it', { sessionErrorCode: 'ECONNRESET', rstCode: 2 }, { fail: 'ECONNRESET' }],
    ['the session could not connect', { streamId: undefined, sessionErrorCode: 'ECONNREFUSED' }, { fail: 'ECONNREFUSED' }],
    ['closed with no reset and no error', {}, { fail: 'HTTP2_SESSION_CLOSED' }],
  ])('%s', (_name, e, want) => {
    expect(judgeStreamEnd(end(e))).toEqual(want);
  });

  it.each<[string, number]>([
    ['HTTP2_REFUSED_STREAM', OUTCOME.refused],
    ['HTTP2_GOAWAY_REFUSED', OUTCOME.refused],
    ['HTTP2_RST_INTERNAL_ERROR', OUTCOME.reset],
    ['HTTP2_RST_CANCEL', OUTCOME.reset],
    ['HTTP2_SESSION_CLOSED', OUTCOME.reset],
    ['ECONNREFUSED', OUTCOME.refused],
  ])('classifies %s', (code, outcome) => {
    expect(classifyErrorCode(code)).toBe(outcome);
  });

  it.each([
    [0, 'NO_ERROR'],
    [7, 'REFUSED_STREAM'],
    [11, 'ENHANCE_YOUR_CALM'],
    [0x1f, 'ERROR_0x1f'],
  ])('names HTTP/2 error code %s %s', (code, name) => {
    expect(h2ErrorName(code)).toBe(name);
  });
});
