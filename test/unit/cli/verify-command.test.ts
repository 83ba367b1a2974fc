import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { verifyCommand } from '../../../src/cli/verify-command.js';
import { ZerodropError } from '../../../src/errors.js';
import { generateKeyPairSync } from 'node:crypto';
import { digestOf, loadSigningKey, renderJson, sealReport } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const root = mkdtempSync(join(tmpdir(), 'zerodrop-verify-'));
const { fail } = fixtureReports();
const { digest: _digest, ...unsealed } = fail;

function io(): CliIo & { out: string } {
  const o = {
    out: '',
    stdout: { write: (s: string) => (o.out += s) },
    stderr: { write: () => true },
    env: {},
    cwd: root,
    onInterrupt: () => () => undefined,
  };
  return o;
}

function runDir(name: string, text: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.json'), text);
  return dir;
}

function exitOf(fn: () => unknown): number {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZerodropError);
    return (err as ZerodropError).exitCode;
  }
  throw new Error('expected a ZerodropError');
}

describe('zerodrop verify', () => {
  it('exit 0 for an intact report, by folder or by file, whatever its formatting', () => {
    runDir('intact', renderJson(fail));
    const a = io();
    expect(verifyCommand({ dir: 'intact' }, a)).toBe(0);
    expect(a.out).toMatch(/^intact: .*intact\/report\.json is unchanged since zerodrop wrote it\n {2}digest sha256:[0-9a-f]{64}\n$/);
    // Re-indenting or reordering keys does not change what the report says.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(renderJson(fail)) as object).reverse()));
    const dir = runDir('reformatted', reordered);
    expect(verifyCommand({ dir: join(dir, 'report.json') }, io())).toBe(0);
  });

  it('exit 1 and says so plainly when a figure was edited', () => {
    const text = renderJson(fail).replace('"failed": 97', '"failed": 0');
    expect(text).not.toBe(renderJson(fail));
    runDir('edited', text);
    const a = io();
    expect(verifyCommand({ dir: 'edited' }, a)).toBe(1);
    expect(a.out).toContain('ALTERED: ');
    expect(a.out).toContain('was changed after zerodrop wrote it');
    expect(a.out).toContain(`digest recorded in the report: ${fail.digest}`);
  });

  it('exit 1 when the digest itself was replaced', () => {
    runDir('forged', renderJson({ ...fail, digest: `sha256:${'0'.repeat(64)}` }));
    expect(verifyCommand({ dir: 'forged' }, io())).toBe(1);
  });

  it.each([
    ['a missing folder', () => 'nowhere'],
    ['a folder without report.json', () => (mkdirSync(join(root, 'empty'), { recursive: true }), 'empty')],
    ['a file that is not JSON', () => runDir('garbage', '{ nope')],
    ['JSON that is not a report', () => runDir('foreign', '{"hello": 1}')],
    ['a report without a digest', () => runDir('unsealed', renderJson(unsealed))],
  ])('exit 3 for %s', (_name, make) => {
    const dir = make();
    expect(exitOf(() => verifyCommand({ dir }, io()))).toBe(3);
  });

  describe('--key: the signature', () => {
    const pair = (): { priv: string; pub: string } => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: publicKey.export({ type: 'spki', format: 'pem' }) as string };
    };
    const ours = pair();
    const theirs = pair();
    writeFileSync(join(root, 'ours.pub.pem'), ours.pub);
    writeFileSync(join(root, 'theirs.pub.pem'), theirs.pub);
    writeFileSync(join(root, 'rsa.pub.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const signed = sealReport(fail, loadSigningKey(ours.priv, 'ours'));

    it('exit 0 for an intact report signed by the key', () => {
      runDir('signed', renderJson(signed));
      const a = io();
      expect(verifyCommand({ dir: 'signed', key: 'ours.pub.pem' }, a)).toBe(0);
      expect(a.out).toContain('intact and signed: ');
      expect(a.out).toContain(`key ${signed.signature?.keyId}`);
    });

    it('without --key, says it is signed but that the signature was not checked', () => {
      runDir('signed-nokey', renderJson(signed));
      const a = io();
      expect(verifyCommand({ dir: 'signed-nokey' }, a)).toBe(0);
      expect(a.out).toContain(`signed by ed25519 key ${signed.signature?.keyId} (not checked: pass --key PUBLIC.pem to check it)`);
    });

    it.each([
      ['an edited figure', renderJson(signed).replace('"failed": 97', '"failed": 0'), 'ALTERED: '],
      ['an edit with the digest recomputed', (() => {
        const edited = { ...signed, verdict: 'pass' as const };
        return renderJson({ ...edited, digest: digestOf(edited) });
      })(), 'BAD SIGNATURE: '],
      ['a report signed by another key', renderJson(sealReport(fail, loadSigningKey(theirs.priv, 'theirs'))), 'NOT SIGNED BY THIS KEY: '],
    ])('exit 1 for %s', (name, text, says) => {
      runDir(`sig-${name.replace(/\W+/g, '-')}`, text);
      const a = io();
      expect(verifyCommand({ dir: `sig-${name.replace(/\W+/g, '-')}`, key: 'ours.pub.pem' }, a)).toBe(1);
      expect(a.out).toContain(says);
    });

    it.each([
      ['a report without a signature', () => runDir('unsigned', renderJson(fail)), 'ours.pub.pem', /has no signature, so it cannot be checked against .*ours\.pub\.pem/],
      ['a missing key file', () => runDir('signed2', renderJson(signed)), 'missing.pem', /--key: .*missing\.pem: no such file/],
      ['an RSA key', () => runDir('signed3', renderJson(signed)), 'rsa.pub.pem', /RSA key: zerodrop signatures are Ed25519/],
    ])('exit 3 for %s, saying so', (_name, make, key, message) => {
      const dir = make();
      let err: unknown;
      try {
        verifyCommand({ dir, key }, io());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ZerodropError);
      expect((err as ZerodropError).exitCode).toBe(3);
      expect((err as ZerodropError).message).toMatch(message);
    });
  });
});
