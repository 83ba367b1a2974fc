import { readFileSync } from 'node:fs';
import { EXIT, ZerodropError } from '../errors.js';
import { loadSigningKey, type SigningKey } from '../report/signature.js';

/** The environment variable that holds the signing key's PEM text (how CI secrets arrive). */
export const SIGN_KEY_ENV = 'ZERODROP_SIGN_KEY';

/** Reads a key file, with a clear error (exit 3) naming the file and the option when it cannot be read. */
export function readKeyFile(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a key file' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? String(err)})`;
    throw new ZerodropError('E_KEY_FILE', `${option}: ${path}: ${why}`, { exitCode: EXIT.invalidInput, hint: 'pass the path of a PEM key file; make a key pair with `openssl genpkey -algorithm ed25519 -out zerodrop-sign.pem`' });
  }
}

/**
 * The key that signs the run's report.json: the file of `--sign-key` (report.signKey) when given,
 * else the PEM text in ZERODROP_SIGN_KEY, else none. Read before the run starts, so a bad key
 * fails at once (exit 3) rather than after the traffic. An empty variable (a CI secret that is not
 * available, as in a fork's pull request) signs nothing and says so.
 */
export function signingKeyOf(file: string | undefined, env: Record<string, string | undefined>, note: (s: string) => void): SigningKey | undefined {
  if (file !== undefined) return loadSigningKey(readKeyFile(file, '--sign-key (report.signKey)'), `the signing key ${file}`);
  const text = env[SIGN_KEY_ENV];
  if (text === undefined) return undefined;
  if (text.trim() === '') {
    note(`${SIGN_KEY_ENV} is set but empty: report.json will not be signed`);
    return undefined;
  }
  if (!text.includes('-----BEGIN')) {
    throw new ZerodropError('E_SIGN_KEY', `${SIGN_KEY_ENV} must hold the PEM text of the private key, not a path or a name`, {
      exitCode: EXIT.invalidInput,
      hint: `to sign with a key file use --sign-key FILE; to use the variable, put the whole file in it: ${SIGN_KEY_ENV}="$(cat zerodrop-sign.pem)"`,
    });
  }
  // Some CI secret stores hand a multi-line value over with its newlines escaped.
  const pem = !text.includes('\n') && text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
  return loadSigningKey(pem, `the ${SIGN_KEY_ENV} environment variable`);
}
