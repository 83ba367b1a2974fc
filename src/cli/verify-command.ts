import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, InvalidInputError, type ExitCode } from '../errors.js';
import { verifyReport } from '../report/digest.js';
import { REPORT_FILE_NAMES } from '../report/index.js';
import { loadVerifyKey, verifySignature } from '../report/signature.js';
import type { CliIo } from './io.js';
import { readKeyFile } from './sign-key.js';

/** Parsed arguments of `zerodrop verify`. */
export interface VerifyArgs {
  /** A run's report folder, or the path of a report.json. */
  dir: string;
  /** The Ed25519 public key (PEM file) the report must be signed with. */
  key?: string | undefined;
}

const HINT = 'pass a folder a zerodrop run wrote (reports/<run>/) or its report.json';

/**
 * `zerodrop verify DIR [--key PUBLIC.pem]`: recomputes the digest of DIR/report.json (or of the
 * report.json named) and says whether the report was altered after the run wrote it; with --key,
 * also checks its Ed25519 signature against that public key. Exit 0 intact (and signed by that
 * key), 1 altered or a signature that does not check out, 3 when the file or the key is missing
 * or unusable, the file is not a zerodrop report, or it carries no digest (or, with --key, no
 * signature) to check.
 */
export function verifyCommand(args: VerifyArgs, io: CliIo): ExitCode {
  const path = reportPath(resolve(io.cwd, args.dir));
  // The key first: a typo in --key is bad input whatever the report holds.
  const keyPath = args.key === undefined ? undefined : resolve(io.cwd, args.key);
  const publicKey = keyPath === undefined ? undefined : loadVerifyKey(readKeyFile(keyPath, '--key'), `--key ${keyPath}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError([{ path, message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})` }], HINT);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError([{ path, message: `not JSON: ${(err as Error).message}` }], HINT);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !('schemaVersion' in data)) {
    throw new InvalidInputError([{ path, message: 'not a zerodrop report (no schemaVersion field)' }], HINT);
  }
  const report = data as Record<string, unknown>;
  if (typeof report['digest'] !== 'string') {
    throw new InvalidInputError(
      [{ path, message: 'has no digest, so it cannot be verified' }],
      'reports carry a digest from the zerodrop version that added `zerodrop verify` on; re-run to get one',
    );
  }
  const check = verifyReport(report);
  if (check.ok && publicKey !== undefined) return verifySigned(report, path, publicKey, keyPath as string, io);
  if (check.ok) {
    const sig = report['signature'] as { keyId?: unknown } | undefined;
    const signed = sig !== undefined && typeof sig?.keyId === 'string' ? `\n  signed by ed25519 key ${sig.keyId} (not checked: pass --key PUBLIC.pem to check it)` : '';
    io.stdout.write(`intact: ${path} is unchanged since zerodrop wrote it\n  digest ${check.expected}${signed}\n`);
    return EXIT.pass;
  }
  io.stdout.write(
    `ALTERED: ${path} was changed after zerodrop wrote it; do not trust its verdict or figures\n` +
      `  digest recorded in the report: ${check.actual ?? '(none)'}\n` +
      `  digest of its content now:     ${check.expected}\n`,
  );
  return EXIT.fail;
}

/** The signature check of an intact report: 0 signed by the key, 1 not, 3 not signed at all. */
function verifySigned(report: Record<string, unknown>, path: string, publicKey: Parameters<typeof verifySignature>[1], keyPath: string, io: CliIo): ExitCode {
  const sig = verifySignature(report, publicKey);
  switch (sig.status) {
    case 'valid':
      io.stdout.write(`intact and signed: ${path} is unchanged since zerodrop wrote it, and signed by the key ${keyPath}\n  digest ${String(report['digest'])}\n  key ${sig.keyId}\n`);
      return EXIT.pass;
    case 'unsigned':
      throw new InvalidInputError(
        [{ path, message: `has no signature, so it cannot be checked against ${keyPath}: it was written without a signing key, or its signature was removed; do not trust it as signed` }],
        'sign reports with `zerodrop run --sign-key PRIVATE.pem` (or the ZERODROP_SIGN_KEY environment variable); without --key, verify checks the digest only',
      );
    case 'other-key':
      io.stdout.write(`NOT SIGNED BY THIS KEY: ${path} is signed by the key ${sig.keyId}, not by ${keyPath} (${sig.expectedKeyId}); do not trust it as signed by that key\n`);
      return EXIT.fail;
    case 'bad-signature':
      io.stdout.write(`BAD SIGNATURE: the signature of ${path} does not match its content; it was edited (and its digest recomputed) or forged: do not trust its verdict or figures\n`);
      return EXIT.fail;
    case 'malformed':
      io.stdout.write(`BAD SIGNATURE: ${path} carries a signature zerodrop did not write (${sig.why}); do not trust its verdict or figures\n`);
      return EXIT.fail;
    case 'altered':
      // verifySigned is called for intact reports only; kept for the type's sake.
      return EXIT.fail;
  }
}

/** DIR/report.json when DIR is a folder, else DIR itself. */
function reportPath(abs: string): string {
  // A missing path is reported when read.
  return statSync(abs, { throwIfNoEntry: false })?.isDirectory() === true ? join(abs, REPORT_FILE_NAMES.json) : abs;
}
