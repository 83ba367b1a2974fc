import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretHeader, redactArgv, redactHeaders, redactUrl } from '../../../src/scenario/redact.js';

describe('redaction', () => {
  it.each([
    ['Authorization', true],
    ['cookie', true],
    ['X-Api-Key', true],
    ['X-Service-Token', true],
    ['Accept', false],
    ['X-Pod-Name', false],
  ])('%s secret=%s', (name, secret) => {
    expect(isSecretHeader(name)).toBe(secret);
  });

  it('redacts header values in a header map', () => {
    expect(redactHeaders({ Authorization: 'Bearer abc', Accept: '*/*' })).toEqual({ Authorization: REDACTED, Accept: '*/*' });
  });

  it('redacts secrets in a command line, keeping the rest', () => {
    expect(redactArgv(['run', '--url', 'http://u:pw@h/', '--header', 'Authorization: Bearer abc', '--header=Cookie: a=b', '-H', 'Accept: x'])).toEqual([
      'run', '--url', `http://u:${REDACTED}@h/`, '--header', `Authorization: ${REDACTED}`, `--header=Cookie: ${REDACTED}`, '-H', 'Accept: x',
    ]);
  });

  it('leaves URLs without passwords alone', () => {
    expect(redactUrl('http://host:8080/x')).toBe('http://host:8080/x');
  });
});
