import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { leanRefusal } from '../../../src/traffic/client-kind.js';
import { clientKindOf } from '../../../src/traffic/target.js';
import type { ClientKind } from '../../../src/traffic/target.js';

/** Which client runs a target: the lean one for HTTP/1.1 over http: and https:, undici for HTTP/2. */
describe('clientKindOf', () => {
  it.each<[string, boolean, ClientKind | undefined, ClientKind]>([
    ['http://a/', false, undefined, 'lean'],
    ['https://a/', false, undefined, 'lean'],
    ['https://10.0.0.1:8443/x', false, undefined, 'lean'],
    ['https://a/', true, undefined, 'undici'],
    ['http://a/', true, undefined, 'undici'],
    ['http://a/', false, 'undici', 'undici'],
    ['https://a/', false, 'undici', 'undici'],
    ['https://a/', true, 'undici', 'undici'],
    ['http://a/', false, 'lean', 'lean'],
    ['https://a/', false, 'lean', 'lean'],
  ])('%s http2=%s client=%s -> %s', (url, http2, client, expected) => {
    expect(clientKindOf({ url, http2, ...(client ? { client } : {}) })).toBe(expected);
  });

  it.each(['http://a/', 'https://a/'])('refuses lean with HTTP/2 (%s), naming the fix', (url) => {
    expect(() => clientKindOf({ url, http2: true, client: 'lean' })).toThrow(InvalidInputError);
    expect(() => clientKindOf({ url, http2: true, client: 'lean' })).toThrow(/HTTP\/1.1 only.*undici/);
  });

  it('refuses a URL that is not http(s) whatever the client', () => {
    expect(() => clientKindOf({ url: 'ftp://a/' })).toThrow(InvalidInputError);
  });
});

describe('leanRefusal', () => {
  it.each([
    [false, undefined],
    [true, 'the lean client speaks HTTP/1.1 only'],
  ])('http2=%s -> %s', (http2, expected) => {
    expect(leanRefusal(http2)).toBe(expected);
  });
});
