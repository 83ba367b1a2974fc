import { resolve } from 'node:path';
import { EXIT, ZerodropError, type ErrorCode } from '../errors.js';
import { verifyReport } from '../report/digest.js';
import type { Report } from '../report/model.js';
import { loadVerifyKey, verifySignature } from '../report/signature.js';
import { readKeyFile } from './sign-key.js';

/** How far `zerodrop report` trusts a saved report before it renders it and exits with its verdict. */
export interface TrustOptions {
  /** False with --no-verify: render and exit with the verdict whatever the digest says (a warning still goes to stderr). */
  verify: boolean;
  /** An Ed25519 public key (PEM file): the report must also be signed by it. */
  key?: string | undefined;
}

const HINT = 'check it with `zerodrop verify <run folder>`; to render it anyway, knowing its figures may be edited, pass --no-verify';

/**
 * Refuses (exit 5, untrusted) a report whose digest does not match its content, that carries no
 * digest, or — with a key — whose signature is missing or not by that key: a CI gate must not
 * pass on an edited record. An unusable key file is bad input (exit 3). With `verify: false` it
 * only warns. `label` names the report in messages.
 */
export function checkReportTrust(report: Report, opts: TrustOptions, cwd: string, label: string, warn: (s: string) => void): void {
  const digest = verifyReport(report);
  if (!opts.verify) {
    if (opts.key !== undefined) {
      throw new ZerodropError('E_USAGE', '--key and --no-verify contradict each other', { exitCode: EXIT.invalidInput, hint: 'drop --no-verify to check the signature, or --key to render without checks' });
    }
    if (!digest.ok) warn(`warning: ${label} ${digest.actual === null ? 'carries no digest' : 'does not match its digest: it was changed after zerodrop wrote it'}; rendered anyway (--no-verify), its verdict and figures cannot be trusted`);
    return;
  }
  const keyPath = opts.key === undefined ? undefined : resolve(cwd, opts.key);
  const publicKey = keyPath === undefined ? undefined : loadVerifyKey(readKeyFile(keyPath, '--key'), `--key ${keyPath}`);
  if (digest.actual === null) {
    throw untrusted('E_REPORT_UNSEALED', `${label} carries no digest, so nothing shows it is the record zerodrop wrote`, 'reports written by zerodrop carry a digest; an older or hand-made report can be rendered with --no-verify');
  }
  if (!digest.ok) {
    throw untrusted('E_REPORT_ALTERED', `${label} was changed after zerodrop wrote it (its content hashes to ${digest.expected}, not to the digest it carries, ${digest.actual}): refusing to render it or to exit with its verdict`, HINT);
  }
  if (publicKey === undefined) return;
  const sig = verifySignature(report, publicKey);
  switch (sig.status) {
    case 'valid':
      return;
    case 'unsigned':
      throw untrusted('E_REPORT_UNSIGNED', `${label} is not signed, so it cannot be shown to be signed by ${keyPath}`, 'sign reports with `zerodrop run --sign-key PRIVATE.pem` (or ZERODROP_SIGN_KEY); drop --key to check the digest only');
    case 'other-key':
      throw untrusted('E_REPORT_SIGNATURE', `${label} is signed by the key ${sig.keyId}, not by ${keyPath} (${sig.expectedKeyId})`, 'pass the public key of the key that signs your runs');
    case 'bad-signature':
    case 'malformed':
    case 'altered':
      throw untrusted('E_REPORT_SIGNATURE', `${label}'s signature does not check out: it was edited (and its digest recomputed) or forged`, HINT);
  }
}

function untrusted(code: ErrorCode, message: string, hint: string): ZerodropError {
  return new ZerodropError(code, message, { exitCode: EXIT.untrusted, hint });
}
