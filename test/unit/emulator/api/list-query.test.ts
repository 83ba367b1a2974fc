import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { decodeContinue, encodeContinue, listRead, parseListQuery, queryBool, queryInt, queryOptionalBool, type ListRead } from '../../../../src/emulator/api/list-query.js';

function fail(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { code: err.code, reason: err.reason, message: err.message };
    throw err;
  }
  throw new Error('did not throw');
}

// The cases of apimachinery's Convert_Slice_string_To_bool (runtime/conversion.go): absent, "0"
// and "false" (any case) are false; every other value, the empty one included, is true.
describe('queryBool: upstream Convert_Slice_string_To_bool', () => {
  it.each<[string, boolean]>([
    ['', false],
    ['watch', true],
    ['watch=', true],
    ['watch=true', true],
    ['watch=True', true],
    ['watch=TRUE', true],
    ['watch=1', true],
    ['watch=yes', true],
    ['watch=2', true],
    ['watch=false', false],
    ['watch=False', false],
    ['watch=FALSE', false],
    ['watch=0', false],
    ['watch=00', true],
    ['watch=0&watch=1', false],
    ['other=1', false],
  ])('?%s -> %s', (query, want) => {
    expect(queryBool(new URLSearchParams(query), 'watch')).toBe(want);
  });

  it.each<[string, boolean | undefined]>([
    ['', undefined],
    ['sendInitialEvents=true', true],
    ['sendInitialEvents=false', false],
    ['sendInitialEvents', true],
  ])('optional ?%s -> %s', (query, want) => {
    expect(queryOptionalBool(new URLSearchParams(query), 'sendInitialEvents')).toBe(want);
  });
});

describe('queryInt: strconv.ParseInt', () => {
  it.each<[string, number | undefined]>([
    ['', undefined],
    ['limit=', undefined],
    ['limit=500', 500],
    ['limit=%2B5', 5],
    ['limit=-1', -1],
    ['limit=0', 0],
  ])('?%s -> %s', (query, want) => {
    expect(queryInt(new URLSearchParams(query), 'limit')).toBe(want);
  });

  it.each(['abc', '1.5', '1e3', ' 1', '0x10', '99999999999999999999'])('limit=%s is 400', (v) => {
    expect(fail(() => queryInt(new URLSearchParams({ limit: v }), 'limit'))).toMatchObject({ code: 400, reason: 'BadRequest', message: expect.stringContaining('invalid syntax') });
  });
});

describe('continue tokens', () => {
  it('round-trips, in the shape upstream encodes', () => {
    const t = encodeContinue({ rv: 42, start: 'default/web-1' });
    expect(JSON.parse(Buffer.from(t, 'base64url').toString())).toEqual({ v: 'meta.k8s.io/v1', rv: 42, start: 'default/web-1' });
    expect(decodeContinue(t)).toEqual({ rv: 42, start: 'default/web-1' });
  });

  it.each<[string, string]>([
    ['not base64 JSON', '%%%'],
    ['another version', Buffer.from(JSON.stringify({ v: 'x', rv: 1, start: 'a' })).toString('base64')],
    ['no resourceVersion', Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', start: 'a' })).toString('base64')],
    ['no start key', Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 3, start: '' })).toString('base64')],
  ])('%s: 400 invalid continue token', (_n, token) => {
    expect(fail(() => decodeContinue(token))).toMatchObject({ code: 400, message: expect.stringMatching(/^invalid continue token: continue key is not valid/) });
  });
});

describe('parseListQuery: what upstream accepts, and its errors', () => {
  it('reads a Python client watch', () => {
    expect(parseListQuery(new URLSearchParams('watch=True&labelSelector=app%3Dweb&timeoutSeconds=30&resourceVersion=12'))).toMatchObject({
      watch: true,
      labelSelector: 'app=web',
      timeoutSeconds: 30,
      resourceVersion: '12',
      allowWatchBookmarks: false,
      sendInitialEvents: undefined,
    });
  });

  it('takes the /watch/ path as a watch', () => {
    expect(parseListQuery(new URLSearchParams(''), true).watch).toBe(true);
  });

  it.each<[string, string, number, RegExp]>([
    ['a label selector that does not parse', 'labelSelector=a%20b%20c', 400, /unable to parse requirement/],
    ['a field selector that does not parse', 'fieldSelector=metadata.name', 400, /invalid selector: 'metadata.name'; can't understand 'metadata.name'/],
    ['a limit that is no integer', 'limit=many', 400, /strconv.ParseInt: parsing "many": invalid syntax/],
    ['a resourceVersion that is no integer', 'resourceVersion=abc', 400, /resourceVersion: Invalid value: "abc"/],
    ['resourceVersionMatch without resourceVersion', 'resourceVersionMatch=Exact', 422, /ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided/],
    ['an unknown resourceVersionMatch', 'resourceVersion=3&resourceVersionMatch=Newest', 422, /Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""/],
    ['Exact with resourceVersion 0', 'resourceVersion=0&resourceVersionMatch=Exact', 422, /resourceVersionMatch "exact" is forbidden for resourceVersion "0"/],
    ['resourceVersionMatch with continue', `resourceVersion=3&resourceVersionMatch=Exact&continue=${encodeContinue({ rv: 3, start: 'a' })}`, 422, /resourceVersionMatch is forbidden when continue is provided/],
    ['resourceVersion with continue', `resourceVersion=3&continue=${encodeContinue({ rv: 3, start: 'a' })}`, 400, /specifying resource version is not allowed when using continue/],
    ['sendInitialEvents on a list', 'sendInitialEvents=true', 422, /sendInitialEvents is forbidden for list/],
    ['sendInitialEvents on a watch without NotOlderThan', 'watch=1&sendInitialEvents=true', 422, /sendInitialEvents requires setting resourceVersionMatch to NotOlderThan/],
    ['resourceVersionMatch on a plain watch', 'watch=1&resourceVersion=3&resourceVersionMatch=NotOlderThan', 422, /resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided/],
    ['a continue token that is not one', 'continue=abc', 400, /invalid continue token/],
  ])('%s: %i', (_n, query, code, message) => {
    const e = fail(() => parseListQuery(new URLSearchParams(query)));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  });

  it.each<[string, string]>([
    ['a watch-list request as client-go sends it', 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'],
    ['a chunked list', 'limit=500'],
    ['an exact list', 'resourceVersion=5&resourceVersionMatch=Exact'],
    ['a list not older than', 'resourceVersion=5&resourceVersionMatch=NotOlderThan'],
    ['resourceVersion 0 with continue (allowed)', `resourceVersion=0&continue=${encodeContinue({ rv: 3, start: 'a' })}`],
  ])('accepts %s', (_n, query) => {
    expect(() => parseListQuery(new URLSearchParams(query))).not.toThrow();
  });
});

describe('listRead: which state a list reads', () => {
  it.each<[string, ListRead]>([
    ['', { kind: 'latest' }],
    ['resourceVersion=0', { kind: 'latest' }],
    ['resourceVersion=0&limit=10', { kind: 'latest' }],
    ['resourceVersion=7', { kind: 'notOlderThan', rv: 7 }],
    ['resourceVersion=7&resourceVersionMatch=NotOlderThan', { kind: 'notOlderThan', rv: 7 }],
    ['resourceVersion=7&resourceVersionMatch=NotOlderThan&limit=2', { kind: 'notOlderThan', rv: 7 }],
    ['resourceVersion=7&resourceVersionMatch=Exact', { kind: 'exact', rv: 7 }],
    // etcd's legacy rule: a version with a limit and no match is read exactly
    ['resourceVersion=7&limit=2', { kind: 'exact', rv: 7 }],
    [`limit=2&continue=${encodeContinue({ rv: 9, start: 'default/b' })}`, { kind: 'exact', rv: 9 }],
  ])('?%s', (query, want) => {
    expect(listRead(parseListQuery(new URLSearchParams(query)))).toEqual(want);
  });
});
