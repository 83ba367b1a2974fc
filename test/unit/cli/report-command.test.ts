import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { reportCommand } from '../../../src/cli/report-command.js';
import { ZerodropError } from '../../../src/errors.js';
import { digestOf, loadSigningKey, renderJson, sealReport } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const root = mkdtempSync(join(tmpdir(), 'zerodrop-report-'));
const { fail } = fixtureReports();
const { digest: _digest, ...unsealed } = fail;
const pair = (): { priv: string; pub: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { priv: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, pub: publicKey.export({ type: 'spki', format: 'pem' }) as string };
};
const ours = pair();
const theirs = pair();
writeFileSync(join(root, 'ours.pub.pem'), ours.pub);
const signed = sealReport(fail, loadSigningKey(ours.priv, 'ours'));
const edited = renderJson(fail).replace('"failed": 97', '"failed": 0');
const forged = (() => {
  const e = { ...signed, verdict: 'pass' as const };
  return renderJson({ ...e, digest: digestOf(e) });
})();

function io(): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (o.out += s) },
    stderr: { write: (s: string) => (o.err += s) },
    env: {},
    cwd: root,
    onInterrupt: () => () => undefined,
  };
  return o;
}

function file(name: string, text: string): string {
  writeFileSync(join(root, name), text);
  return name;
}

function refused(fn: () => unknown): ZerodropError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZerodropError);
    return err as ZerodropError;
  }
  throw new Error('expected a ZerodropError');
}

describe('zerodrop report: trust before the verdict', () => {
  it('renders an intact report and exits with its verdict', () => {
    const a = io();
    expect(reportCommand({ report: file('intact.json', renderJson(fail)), format: ['md'], verify: true }, a)).toBe(1);
    expect(a.out).toContain('FAIL');
  });

  it.each([
    ['an edited report', 'edited.json', edited, 'E_REPORT_ALTERED', /was changed after zerodrop wrote it .*refusing to render it or to exit with its verdict/],
    ['a report without a digest', 'unsealed.json', renderJson(unsealed), 'E_REPORT_UNSEALED', /carries no digest/],
  ])('refuses %s with exit 5 and renders nothing', (_name, name, text, code, message) => {
    const a = io();
    const err = refused(() => reportCommand({ report: file(name, text), format: ['md'], verify: true }, a));
    expect(err.exitCode).toBe(5);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(/--no-verify/);
    expect(a.out).toBe('');
  });

  it('--no-verify renders an edited report with a warning and exits with its verdict', () => {
    const a = io();
    expect(reportCommand({ report: file('edited2.json', edited), format: ['md'], verify: false }, a)).toBe(1);
    expect(a.out).toContain('FAIL');
    expect(a.err).toMatch(/warning: .* does not match its digest.*rendered anyway \(--no-verify\)/);
  });

  it('--key: a report signed by the key passes', () => {
    expect(reportCommand({ report: file('signed.json', renderJson(signed)), format: ['md'], verify: true, key: 'ours.pub.pem' }, io())).toBe(1);
  });

  it.each([
    ['a recomputed digest over an edit', forged, 'E_REPORT_SIGNATURE'],
    ['an unsigned report', renderJson(fail), 'E_REPORT_UNSIGNED'],
    ['a report signed by another key', renderJson(sealReport(fail, loadSigningKey(theirs.priv, 'theirs'))), 'E_REPORT_SIGNATURE'],
  ])('--key: refuses %s with exit 5', (name, text, code) => {
    const a = io();
    const err = refused(() => reportCommand({ report: file(`${name.replace(/\W+/g, '-')}.json`, text), format: ['md'], verify: true, key: 'ours.pub.pem' }, a));
    expect(err.exitCode).toBe(5);
    expect(err.code).toBe(code);
    expect(a.out).toBe('');
  });

  it.each([
    ['a missing key file', { verify: true, key: 'nope.pem' }, /--key: .*nope\.pem: no such file/],
    ['--key with --no-verify', { verify: false, key: 'ours.pub.pem' }, /--key and --no-verify contradict each other/],
  ])('exit 3 for %s', (_name, opts, message) => {
    const err = refused(() => reportCommand({ report: file('s2.json', renderJson(signed)), format: ['md'], ...opts }, io()));
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(message);
  });
});
