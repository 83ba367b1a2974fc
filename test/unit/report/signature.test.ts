import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZerodropError } from '../../../src/errors.js';
import { digestOf, verifyReport } from '../../../src/report/digest.js';
import { readReport, renderHtml, renderJson, renderJunit, renderMarkdown } from '../../../src/report/index.js';
import { keyIdOf, loadSigningKey, loadVerifyKey, sealReport, verifySignature } from '../../../src/report/signature.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const { fail } = fixtureReports();

function ed25519Pair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

const ours = ed25519Pair();
const theirs = ed25519Pair();
const key = loadSigningKey(ours.privatePem, 'test key');
const pub = loadVerifyKey(ours.publicPem, 'test public key');

function errorOf(fn: () => unknown): ZerodropError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZerodropError);
    return err as ZerodropError;
  }
  throw new Error('expected a ZerodropError');
}

describe('report signatures', () => {
  it('signs the digest, which the signature does not change', () => {
    const signed = sealReport(fail, key);
    expect(signed.digest).toBe(fail.digest);
    expect(signed.signature).toEqual({ alg: 'ed25519', keyId: keyIdOf(pub), value: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
    expect(digestOf(signed)).toBe(signed.digest);
    expect(verifyReport(signed).ok).toBe(true);
    expect(verifySignature(signed, pub)).toEqual({ status: 'valid', keyId: keyIdOf(pub) });
  });

  it('survives report.json: written last, read back, still valid', () => {
    const text = renderJson(sealReport(fail, key));
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys.slice(-2)).toEqual(['digest', 'signature']);
    expect(verifySignature(readReport(text), pub).status).toBe('valid');
  });

  it('the key id is the SHA-256 of the public key (same from either half)', () => {
    expect(keyIdOf(key.privateKey)).toBe(keyIdOf(pub));
    expect(key.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it.each([
    ['an edited figure', (r: Record<string, unknown>) => ({ ...r, totals: { ...(r['totals'] as object), failed: 0 } }), 'altered'],
    ['an edit with the digest recomputed (the forgery a digest alone cannot catch)', (r: Record<string, unknown>) => {
      const edited = { ...r, verdict: 'pass' };
      return { ...edited, digest: digestOf(edited) };
    }, 'bad-signature'],
    ['a signature by another key', (r: Record<string, unknown>) => sealReport(r as unknown as typeof fail, loadSigningKey(theirs.privatePem, 'other')), 'other-key'],
    ['the signature removed', (r: Record<string, unknown>) => {
      const { signature: _s, ...rest } = r;
      return rest;
    }, 'unsigned'],
    ['a signature with another algorithm', (r: Record<string, unknown>) => ({ ...r, signature: { ...(r['signature'] as object), alg: 'rsa' } }), 'malformed'],
    ['a re-signed edit with a forged key id', (r: Record<string, unknown>) => {
      const edited = sealReport({ ...(r as unknown as typeof fail), verdict: 'pass' }, loadSigningKey(theirs.privatePem, 'other'));
      return { ...edited, signature: { ...edited.signature, keyId: keyIdOf(pub) } };
    }, 'bad-signature'],
  ])('catches %s', (_name, tamper, status) => {
    const tampered = tamper(sealReport(fail, key) as unknown as Record<string, unknown>);
    expect(verifySignature(tampered, pub).status).toBe(status);
  });

  it('renderers name the signing key', () => {
    const signed = sealReport(fail, key);
    for (const text of [renderMarkdown(signed), renderHtml(signed), renderJunit(signed)]) expect(text).toContain(key.keyId);
  });

  it('reads keys made by openssl', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zerodrop-keys-'));
    const gen = spawnSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'k.pem')], { encoding: 'utf8' });
    expect(gen.status, `openssl genpkey failed (install it: apt-get install -y openssl): ${gen.stderr}`).toBe(0);
    expect(spawnSync('openssl', ['pkey', '-in', join(dir, 'k.pem'), '-pubout', '-out', join(dir, 'k.pub.pem')]).status).toBe(0);
    const k = loadSigningKey(readFileSync(join(dir, 'k.pem'), 'utf8'), 'k.pem');
    const p = loadVerifyKey(readFileSync(join(dir, 'k.pub.pem'), 'utf8'), 'k.pub.pem');
    expect(verifySignature(sealReport(fail, k), p).status).toBe('valid');
    // The key id is what `openssl pkey -pubin -outform DER | sha256sum` prints.
    const der = spawnSync('openssl', ['pkey', '-pubin', '-in', join(dir, 'k.pub.pem'), '-outform', 'DER']);
    expect(der.status).toBe(0);
    expect(k.keyId).toBe(`sha256:${createHash('sha256').update(der.stdout).digest('hex')}`);
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const encrypted = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
  it.each([
    ['an RSA key', rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /is an RSA key: zerodrop signs with Ed25519 keys only/, /openssl genpkey -algorithm ed25519/],
    ['an old-style RSA key', rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string, /is an RSA key/, /ed25519/],
    ['an EC key', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, /is an EC key/, /ed25519/],
    ['an encrypted key', encrypted, /encrypted with a passphrase/, /openssl pkey -in encrypted.pem/],
    ['a public key', ours.publicPem, /holds a public key: signing needs the private key/, /--sign-key/],
    ['text that is no key', 'hello', /is not a PEM private key/, /openssl genpkey/],
    ['a damaged key', ours.privatePem.replace(/\n[A-Za-z0-9+/]{10}/, '\n'), /could not be read as a private key/, /openssl genpkey/],
  ])('refuses %s as a signing key, with exit 3 and how to make a good one', (_name, pem, message, hint) => {
    const err = errorOf(() => loadSigningKey(pem, 'the key'));
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(hint);
  });

  it.each([
    ['an RSA public key', rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string, /RSA key: zerodrop signatures are Ed25519/],
    ['text that is no key', 'nope', /is not a PEM public key/],
    ['an encrypted private key', encrypted, /encrypted private key/],
  ])('refuses %s as a verify key', (_name, pem, message) => {
    const err = errorOf(() => loadVerifyKey(pem, 'the key'));
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(message);
  });

  it('accepts the private key as a verify key (its public half)', () => {
    expect(verifySignature(sealReport(fail, key), loadVerifyKey(ours.privatePem, 'private')).status).toBe('valid');
  });
});
