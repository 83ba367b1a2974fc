import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.js';
import { verifyCommand } from '../../../src/cli/verify-command.js';
import { ZerodropError } from '../../../src/errors.js';
import { renderJson } from '../../../src/report/index.js';
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
});
