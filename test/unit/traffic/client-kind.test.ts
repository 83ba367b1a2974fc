import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { undiciRefusal } from '../../../src/traffic/client-kind.js';
import { clientKindOf } from '../../../src/traffic/target.js';
import type { ClientKind } from '../../../src/traffic/target.js';

/**
 * Which client runs a target: the lean ones (HTTP/1.1 over http: and https:, HTTP/2 over TLS or
 * h2c) unless undici is asked for; undici speaks HTTP/2 over TLS only.
 */
describe('clientKindOf', () => {
  it.each<[string, boolean, ClientKind | undefined, ClientKind]>([
    ['http://a/', false, undefined, 'lean'],
    ['https://a/', false, undefined, 'lean'],
    ['https://10.0.0.1:8443/x', false, undefined, 'lean'],
    ['https://a/', true, undefined, 'lean'],
    ['http://a/', true, undefined, 'lean'],
    ['http://a/', false, 'undici', 'undici'],
    ['https://a/', false, 'undici', 'undici'],
    ['https://a/', true, 'undici', 'undici'],
    ['http://a/', false, 'lean', 'lean'],
    ['https://a/', false, 'lean', 'lean'],
    ['https://a/', true, 'lean', 'lean'],
    ['http://a/', true, 'lean', 'lean'],
    ['https://a/', true, 'node-http2', 'node-http2'],
    ['http://a/', true, 'node-http2', 'node-http2'],
  ])('%s http2=%s client=%s -> %s', (url, http2, client, expected) => {
    expect(clientKindOf({ url, http2, ...(client ? { client } : {}) })).toBe(expected);
  });

  it('refuses undici on cleartext HTTP/2, naming the fix', () => {
    expect(() => clientKindOf({ url: 'http://a/', http2: true, client: 'undici' })).toThrow(InvalidInputError);
    expect(() => clientKindOf({ url: 'http://a/', http2: true, client: 'undici' })).toThrow(/HTTP\/2 over TLS only.*"lean"/);
  });

  it.each(['http://a/', 'https://a/'])('refuses node-http2 without HTTP/2 (%s), naming the fix', (url) => {
    expect(() => clientKindOf({ url, client: 'node-http2' })).toThrow(/node-http2 is an HTTP\/2 client: add --http2/);
  });

  it('refuses a URL that is not http(s) whatever the client', () => {
    expect(() => clientKindOf({ url: 'ftp://a/' })).toThrow(InvalidInputError);
  });
});

describe('undiciRefusal', () => {
  it.each<[string, boolean, string | undefined]>([
    ['http://a/', false, undefined],
    ['https://a/', false, undefined],
    ['https://a/', true, undefined],
    ['http://a/', true, 'undici speaks HTTP/2 over TLS only'],
  ])('%s http2=%s -> %s', (url, http2, expected) => {
    expect(undiciRefusal(url, http2)).toBe(expected);
  });
});
