import { describe, expect, it } from 'vitest';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { TIMEOUT_CODE, classifyErrorCode, classifyStatus, errorCodeOf } from '../../../src/traffic/classify.js';

describe('classifyStatus', () => {
  it.each([
    [200, OUTCOME.success],
    [204, OUTCOME.success],
    [302, OUTCOME.success],
    [399, OUTCOME.success],
    [400, OUTCOME.http_4xx],
    [404, OUTCOME.http_4xx],
    [429, OUTCOME.http_4xx],
    [500, OUTCOME.http_5xx],
    [502, OUTCOME.http_5xx],
    [503, OUTCOME.http_5xx],
    [599, OUTCOME.http_5xx],
    [101, OUTCOME.other],
    [600, OUTCOME.other],
  ])('status %i -> outcome %i by default', (status, outcome) => {
    expect(classifyStatus(status)).toBe(outcome);
  });
  it.each([
    [200, OUTCOME.success],
    [301, OUTCOME.other],
    [404, OUTCOME.success],
    [503, OUTCOME.http_5xx],
  ])('with a predicate (2xx or 404), status %i -> %i', (status, outcome) => {
    expect(classifyStatus(status, (s) => (s >= 200 && s < 300) || s === 404)).toBe(outcome);
  });
});

function err(props: Record<string, unknown>): Error {
  return Object.assign(new Error('x'), props);
}

describe('errorCodeOf + classifyErrorCode', () => {
  it.each([
    ['refused', err({ code: 'ECONNREFUSED' }), 'ECONNREFUSED', OUTCOME.refused],
    ['reset', err({ code: 'ECONNRESET' }), 'ECONNRESET', OUTCOME.reset],
    ['broken pipe', err({ code: 'EPIPE' }), 'EPIPE', OUTCOME.reset],
    ['undici other side closed', err({ name: 'SocketError', code: 'UND_ERR_SOCKET' }), 'UND_ERR_SOCKET', OUTCOME.reset],
    ['short body', err({ code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }), 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', OUTCOME.reset],
    ['our timer', err({ code: TIMEOUT_CODE }), TIMEOUT_CODE, OUTCOME.timeout],
    ['undici headers timeout', err({ code: 'UND_ERR_HEADERS_TIMEOUT' }), 'UND_ERR_HEADERS_TIMEOUT', OUTCOME.timeout],
    ['connect timeout', err({ code: 'UND_ERR_CONNECT_TIMEOUT' }), 'UND_ERR_CONNECT_TIMEOUT', OUTCOME.timeout],
    ['dns', err({ code: 'ENOTFOUND' }), 'ENOTFOUND', OUTCOME.other],
    ['unreachable', err({ code: 'EHOSTUNREACH' }), 'EHOSTUNREACH', OUTCOME.other],
    ['tls', err({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), 'DEPTH_ZERO_SELF_SIGNED_CERT', OUTCOME.other],
    ['code in cause', err({ cause: err({ code: 'ECONNRESET' }) }), 'ECONNRESET', OUTCOME.reset],
    ['aggregate (happy eyeballs)', Object.assign(new AggregateError([err({ code: 'ECONNREFUSED' }), err({ code: 'ECONNREFUSED' })])), 'ECONNREFUSED', OUTCOME.refused],
    ['no code', new TypeError('boom'), 'TypeError', OUTCOME.other],
    ['not an error', 'weird', 'UNKNOWN', OUTCOME.other],
  ])('%s', (_name, e, code, outcome) => {
    expect(errorCodeOf(e)).toBe(code);
    expect(classifyErrorCode(errorCodeOf(e))).toBe(outcome);
  });
});
