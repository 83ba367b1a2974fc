import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  REDACTED,
  isSecretHeader,
  isSecretParam,
  redactArgv,
  redactDeep,
  redactHeaders,
  redactText,
  redactUrl,
  secretsInText,
  secretsOfScenario,
} from '../../src/redact.js';

const R = REDACTED;

describe('redaction', () => {
  it.each([
    ['Authorization', true],
    ['Proxy-Authorization', true],
    ['cookie', true],
    ['Set-Cookie', true],
    ['X-Api-Key', true],
    ['X-Service-Token', true],
    ['X-Custom-Secret', true],
    ['X-Amz-Security-Token', true],
    ['X-Hub-Signature-256', true],
    ['Accept', false],
    ['X-Pod-Name', false],
    ['Content-Type', false],
  ])('header %s secret=%s', (name, secret) => {
    expect(isSecretHeader(name)).toBe(secret);
  });

  it.each([
    ['token', true], ['TOKEN', true], ['access_token', true], ['key', true], ['api_key', true], ['apikey', true], ['API-KEY', true],
    ['secret', true], ['client_secret', true], ['password', true], ['passwd', true], ['signature', true], ['sig', true], ['auth', true],
    ['X-Amz-Signature', true], ['X-Amz-Credential', true], ['X-Amz-Security-Token', true], ['X-Goog-Signature', true], ['GITHUB_TOKEN', true], ['db_password', true],
    ['page', false], ['q', false], ['tag', false], ['X-Amz-Date', false], ['keyboard', false], ['monkey', false], ['signKey', false],
  ])('parameter %s secret=%s', (name, secret) => {
    expect(isSecretParam(name)).toBe(secret);
  });

  it('redacts header values in a header map, and URL credentials in the other values', () => {
    expect(redactHeaders({ Authorization: 'Bearer abc', Accept: '*/*', Referer: 'http://u:pw@h/' })).toEqual({ Authorization: R, Accept: '*/*', Referer: `http://u:${R}@h/` });
  });

  it('redacts secrets in a command line, keeping the rest', () => {
    expect(redactArgv(['run', '--url', 'http://u:pw@h/', '--header', 'Authorization: Bearer abc', '--header=Cookie: a=b', '-H', 'Accept: x'])).toEqual([
      'run', '--url', `http://u:${R}@h/`, '--header', `Authorization: ${R}`, `--header=Cookie: ${R}`, '-H', 'Accept: x',
    ]);
  });

  it('redacts the secrets inside a trigger given on the command line', () => {
    expect(redactArgv(['run', '--trigger', "curl -fsS -H 'Authorization: Bearer zz9988' 'http://x/deploy?token=t1&v=2' && GITHUB_TOKEN=ghs_1 ./roll.sh"])).toEqual([
      'run', '--trigger', `curl -fsS -H 'Authorization: ${R}' 'http://x/deploy?token=${R}&v=2' && GITHUB_TOKEN=${R} ./roll.sh`,
    ]);
  });

  it.each([
    ['a URL without credentials', 'http://host:8080/x?page=2', 'http://host:8080/x?page=2'],
    ['a password (the user name is kept)', 'http://alice:s3cr3t@127.0.0.1:8080/', `http://alice:${R}@127.0.0.1:8080/`],
    ['a user name alone (often a token)', 'https://ghp_abc123@github.com/o/r.git', `https://${R}@github.com/o/r.git`],
    ['an @ inside the password', 'http://a:p@ss@host/p', `http://a:${R}@host/p`],
    ['secret query parameters, any case', 'http://h/x?token=abc&page=2&API_KEY=zz&Sig=qq#f', `http://h/x?token=${R}&page=2&API_KEY=${R}&Sig=${R}#f`],
    ['a presigned S3 URL', 'https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIA%2F1&X-Amz-Date=1&X-Amz-Signature=dead', `https://b.s3.amazonaws.com/o?X-Amz-Credential=${R}&X-Amz-Date=1&X-Amz-Signature=${R}`],
    ['a URL inside an error message', 'cannot reach http://alice:s3cr3t@127.0.0.1:1/?key=k9: refused', `cannot reach http://alice:${R}@127.0.0.1:1/?key=${R}: refused`],
    ['header lines in text', 'curl -H "X-Custom-Secret: hush" -H "Accept: */*"', `curl -H "X-Custom-Secret: ${R}" -H "Accept: */*"`],
    ['curl -u', 'curl -u bob:pw123 http://h/', `curl -u bob:${R} http://h/`],
    ['assignments and --flag value', 'API_KEY=k1 deploy --password "a b" --verbose', `API_KEY=${R} deploy --password ${R} --verbose`],
    ['a dotted assignment', '--set db.password=abc --set image.tag=v2', `--set db.password=${R} --set image.tag=v2`],
    ['ordinary report text', 'sha256:abc; error: boom at https://h:8/p (rollout: 3 pods)', 'sha256:abc; error: boom at https://h:8/p (rollout: 3 pods)'],
  ])('redactText: %s', (_name, text, want) => {
    expect(redactText(text)).toBe(want);
    expect(redactUrl(text)).toBe(want);
    expect(redactText(want)).toBe(want);
  });

  it('finds the secret values a text holds, decoded too', () => {
    expect(secretsInText('http://alice:p%40ss@h/?token=abc&x=1')).toEqual(expect.arrayContaining(['p%40ss', 'p@ss', 'abc']));
    expect(secretsInText('Authorization: Bearer tok123456')).toEqual(expect.arrayContaining(['Bearer tok123456', 'tok123456']));
    expect(secretsInText('Authorization: Bearer tok123456')).not.toContain('Bearer');
  });

  it('collects the secrets of a scenario: URL, secret headers, trigger command', () => {
    const secrets = secretsOfScenario({
      target: { url: 'http://alice:s3cr3t@h/?api_key=k-123456', headers: { Authorization: 'Bearer hdr-tok-1', 'X-Custom-Secret': 'custom-9', Accept: '*/*' } },
      trigger: { action: { kind: 'command', command: 'TOKEN=trig-tok-7 ./deploy.sh' } },
    });
    expect(secrets).toEqual(expect.arrayContaining(['s3cr3t', 'k-123456', 'Bearer hdr-tok-1', 'hdr-tok-1', 'custom-9', 'trig-tok-7']));
    expect(secrets).not.toContain('*/*');
  });

  it('redactDeep redacts every string and hunts known secrets in free text, keeping keys, numbers and dates', () => {
    const when = new Date(0);
    const out = redactDeep({ a: ['echo hdr-tok-123 done', 3, { url: 'http://u:p@h/' }], n: null, when, 'x-key': true }, ['hdr-tok-123', 'short']);
    expect(out).toEqual({ a: [`echo ${R} done`, 3, { url: `http://u:${R}@h/` }], n: null, when, 'x-key': true });
  });

  it('never throws and is idempotent on any text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab:/@?&=#"\' -_tokenpasswordAuthorizationhttp\n'.split('')), maxLength: 80 }), (s) => {
        const once = redactText(s);
        expect(redactText(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});
