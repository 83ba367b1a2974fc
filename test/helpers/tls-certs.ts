import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA and serving certificates it signed, PEM-encoded, made with the openssl CLI. */
export interface TestPki {
  /** The CA certificate to trust (`ca`). */
  caPem: string;
  /** Its path on disk, for `--ca`. */
  caFile: string;
  /** A CA that signed nothing here: trusting it alone must fail the check. */
  otherCaPem: string;
  /** Makes a serving certificate for these subjectAltNames (e.g. `DNS:localhost,IP:127.0.0.1`). */
  serving(altNames: string): { certPem: string; keyPem: string };
  /** Removes the folder. */
  remove(): void;
}

/** Runs openssl; a missing openssl fails with the command that installs it. */
function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: 'pipe' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('these tests make their certificates with openssl: install it (Debian: apt-get install openssl)');
    throw err;
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throw-away PKI in a temporary folder: a CA, a second unrelated CA, and serving certs on demand. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-pki-'));
  openssl(['req', '-x509', ...EC, '-days', '1', '-subj', '/CN=zerodrop test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  openssl(['req', '-x509', ...EC, '-days', '1', '-subj', '/CN=zerodrop other CA', '-keyout', 'other.key', '-out', 'other.pem'], dir);
  let n = 0;
  return {
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    otherCaPem: readFileSync(join(dir, 'other.pem'), 'utf8'),
    serving(altNames) {
      const name = `server${n++}`;
      writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${altNames}\n`);
      openssl(['req', ...EC, '-subj', '/CN=zerodrop test server', '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
      return { certPem: readFileSync(join(dir, `${name}.pem`), 'utf8'), keyPem: readFileSync(join(dir, `${name}.key`), 'utf8') };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
