/**
 * Signed reports: the digest (digest.ts) tells an edit from the original only while nobody
 * recomputes it; an Ed25519 signature over the digest, made with a key the editor does not hold,
 * tells a forged record from a true one. `signature` is excluded from the digest's coverage the
 * way `digest` is, so signing does not change what the digest covers.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { EXIT, ZerodropError, type ErrorCode } from '../errors.js';
import { digestOf, verifyReport } from './digest.js';
import type { Report, ReportSignature } from './model.js';

/** The one signature algorithm. */
export const SIGNATURE_ALGORITHM = 'ed25519';

const KEYGEN = 'make one with `openssl genpkey -algorithm ed25519 -out zerodrop-sign.pem` and its public half with `openssl pkey -in zerodrop-sign.pem -pubout -out zerodrop-sign.pub.pem`';

/** A private key ready to sign, with the id of its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  keyId: string;
}

/** `sha256:<hex>` of the public key's DER (SubjectPublicKeyInfo): the id a signature names its key by. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return `sha256:${createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex')}`;
}

function keyError(code: ErrorCode, message: string, hint: string): ZerodropError {
  return new ZerodropError(code, message, { exitCode: EXIT.invalidInput, hint });
}

/**
 * Reads an Ed25519 private key from PEM text (`source` names where it came from, for errors).
 * Throws (exit 3) for text that is not a PEM key, an encrypted key, a public key, or a key of
 * another type (RSA, EC), saying how to make a suitable one.
 */
export function loadSigningKey(pem: string, source: string): SigningKey {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem)) {
    if (/-----BEGIN [A-Z0-9 ]*PUBLIC KEY-----/.test(pem)) {
      throw keyError('E_SIGN_KEY', `${source} holds a public key: signing needs the private key`, `pass the private key to --sign-key (the public key is for \`zerodrop verify --key\`); ${KEYGEN}`);
    }
    throw keyError('E_SIGN_KEY', `${source} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" line)`, KEYGEN);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw keyError('E_SIGN_KEY', `${source} is encrypted with a passphrase, which zerodrop cannot ask for`, 'store the key unencrypted in your CI secret store: `openssl pkey -in encrypted.pem -out zerodrop-sign.pem`');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MISSING_PASSPHRASE') {
      throw keyError('E_SIGN_KEY', `${source} is encrypted with a passphrase, which zerodrop cannot ask for`, 'store the key unencrypted in your CI secret store: `openssl pkey -in encrypted.pem -out zerodrop-sign.pem`');
    }
    throw keyError('E_SIGN_KEY', `${source} could not be read as a private key (${code ?? (err as Error).message})`, KEYGEN);
  }
  if (privateKey.asymmetricKeyType !== SIGNATURE_ALGORITHM) {
    throw keyError('E_SIGN_KEY', `${source} is an ${String(privateKey.asymmetricKeyType).toUpperCase()} key: zerodrop signs with Ed25519 keys only`, KEYGEN);
  }
  return { privateKey, keyId: keyIdOf(privateKey) };
}

/** Reads the Ed25519 public key that checks signatures, from PEM text (a private key's PEM works too: its public half is used). */
export function loadVerifyKey(pem: string, source: string): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw keyError('E_VERIFY_KEY', `${source} is an encrypted private key`, 'pass the public key: `openssl pkey -in zerodrop-sign.pem -pubout -out zerodrop-sign.pub.pem`');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw keyError('E_VERIFY_KEY', `${source} is not a PEM public key (${(err as { code?: string }).code ?? (err as Error).message})`, 'pass the public key that matches the signing key: `openssl pkey -in zerodrop-sign.pem -pubout -out zerodrop-sign.pub.pem`');
  }
  if (key.asymmetricKeyType !== SIGNATURE_ALGORITHM) {
    throw keyError('E_VERIFY_KEY', `${source} is an ${String(key.asymmetricKeyType).toUpperCase()} key: zerodrop signatures are Ed25519`, 'pass the Ed25519 public key that matches the signing key');
  }
  return key;
}

/** The signature of a report: Ed25519 over its digest text (`sha256:<hex>`), which covers everything but `digest` and `signature`. */
export function signatureOf(report: Report | Record<string, unknown>, key: SigningKey): ReportSignature {
  const digest = digestOf(report);
  return { alg: SIGNATURE_ALGORITHM, keyId: key.keyId, value: sign(null, Buffer.from(digest, 'utf8'), key.privateKey).toString('base64') };
}

/** The report sealed: its digest, then its signature when a key is given (both last, in that order). */
export function sealReport<R extends Report>(report: R, key?: SigningKey): R & { digest: string; signature?: ReportSignature } {
  const { digest: _d, signature: _s, ...rest } = report;
  const digest = digestOf(rest);
  const sealed = { ...(rest as R), digest };
  return key === undefined ? sealed : { ...sealed, signature: signatureOf(rest as R, key) };
}

/** What checking a report against a public key found. */
export type SignatureCheck =
  | { status: 'valid'; keyId: string }
  /** The content no longer matches the digest: edited after it was written. */
  | { status: 'altered'; expected: string; actual: string | null }
  /** No signature (never signed, or it was removed). */
  | { status: 'unsigned' }
  /** Signed, but by another key than the one given. */
  | { status: 'other-key'; keyId: string; expectedKeyId: string }
  /** The signature does not verify (forged, or the digest was recomputed after an edit). */
  | { status: 'bad-signature'; keyId: string }
  /** The signature field is not one zerodrop writes. */
  | { status: 'malformed'; why: string };

/** Checks a parsed report.json: intact digest, then a valid Ed25519 signature by `publicKey` over it. */
export function verifySignature(report: Report | Record<string, unknown>, publicKey: KeyObject): SignatureCheck {
  const digest = verifyReport(report);
  if (!digest.ok) return { status: 'altered', expected: digest.expected, actual: digest.actual };
  const sig = (report as { signature?: unknown }).signature;
  if (sig === undefined) return { status: 'unsigned' };
  if (sig === null || typeof sig !== 'object') return { status: 'malformed', why: 'signature is not an object' };
  const { alg, keyId, value } = sig as Record<string, unknown>;
  if (alg !== SIGNATURE_ALGORITHM) return { status: 'malformed', why: `signature.alg is ${JSON.stringify(alg)}, not "${SIGNATURE_ALGORITHM}"` };
  if (typeof keyId !== 'string' || typeof value !== 'string') return { status: 'malformed', why: 'signature.keyId and signature.value must be texts' };
  const expectedKeyId = keyIdOf(publicKey);
  if (keyId !== expectedKeyId) return { status: 'other-key', keyId, expectedKeyId };
  const ok = verify(null, Buffer.from(digest.expected, 'utf8'), publicKey, Buffer.from(value, 'base64'));
  return ok ? { status: 'valid', keyId } : { status: 'bad-signature', keyId };
}
