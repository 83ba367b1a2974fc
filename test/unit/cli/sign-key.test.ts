import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIGN_KEY_ENV, signingKeyOf } from '../../../src/cli/sign-key.js';
import { ZerodropError } from '../../../src/errors.js';
import { keyIdOf } from '../../../src/report/signature.js';

const root = mkdtempSync(join(tmpdir(), 'zerodrop-signkey-'));
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const id = keyIdOf(publicKey);
writeFileSync(join(root, 'k.pem'), pem);
const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

describe('the signing key of a run', () => {
  it.each([
    ['the file of --sign-key', join(root, 'k.pem'), {}],
    ['the PEM text in the environment', undefined, { [SIGN_KEY_ENV]: pem }],
    ['the PEM text with escaped newlines (some CI secret stores)', undefined, { [SIGN_KEY_ENV]: pem.replace(/\n/g, '\\n') }],
    ['the file, which wins over the environment', join(root, 'k.pem'), { [SIGN_KEY_ENV]: other }],
  ])('comes from %s', (_name, file, env) => {
    expect(signingKeyOf(file, env, () => undefined)?.keyId).toBe(id);
  });

  it('is none without either, and an empty variable says the report will not be signed', () => {
    expect(signingKeyOf(undefined, {}, () => undefined)).toBeUndefined();
    const notes: string[] = [];
    expect(signingKeyOf(undefined, { [SIGN_KEY_ENV]: '  ' }, (s) => notes.push(s))).toBeUndefined();
    expect(notes).toEqual([`${SIGN_KEY_ENV} is set but empty: report.json will not be signed`]);
  });

  it.each([
    ['a missing file', join(root, 'missing.pem'), {}, /--sign-key \(report\.signKey\): .*missing\.pem: no such file/],
    ['a folder', root, {}, /is a folder, not a key file/],
    ['a path in the variable', undefined, { [SIGN_KEY_ENV]: '/secrets/k.pem' }, /must hold the PEM text of the private key, not a path/],
  ])('exit 3 for %s', (_name, file, env, message) => {
    let err: unknown;
    try {
      signingKeyOf(file, env, () => undefined);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZerodropError);
    expect((err as ZerodropError).exitCode).toBe(3);
    expect((err as ZerodropError).message).toMatch(message);
  });
});
