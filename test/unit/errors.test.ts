/**
 * The error catalogue (src/errors.ts) and its table in README.md ("Error codes") cannot drift.
 * Regenerate the table after changing the catalogue with: UPDATE_GOLDEN=1 npx vitest run test/unit/errors.test.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CouldNotRunError, ERROR_CODES, EXIT, InvalidInputError, ZerodropError, type ErrorCode } from '../../src/errors.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '../../README.md');
const START = '<!-- error-codes:start (generated from src/errors.ts by test/unit/errors.test.ts) -->';
const END = '<!-- error-codes:end -->';

/** The README's table of the catalogue: code, meaning, exit code. */
function catalogueTable(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, spec]) => `| \`${code}\` | ${spec.meaning} | ${spec.exitCode} |`);
  return ['| code | meaning | exit code |', '| --- | --- | --- |', ...rows].join('\n');
}

describe('error catalogue', () => {
  it('README.md lists every code with its meaning and exit code', () => {
    const text = readFileSync(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);
    expect(start, `README.md has no ${START} marker`).toBeGreaterThan(-1);
    expect(end).toBeGreaterThan(start);
    const want = `${START}\n${catalogueTable()}\n${END}`;
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(README, text.slice(0, start) + want + text.slice(end + END.length));
    else expect(text.slice(start, end + END.length)).toBe(want);
  });

  it.each(Object.entries(ERROR_CODES))('%s has a meaning, a hint and an exit code of the contract', (_code, spec) => {
    expect(spec.meaning.length).toBeGreaterThan(10);
    expect(spec.hint.length).toBeGreaterThan(5);
    expect(Object.values(EXIT)).toContain(spec.exitCode);
    expect(spec.meaning).not.toContain('|');
  });

  it('an error takes its hint and exit code from the catalogue unless the thrower sharpens them', () => {
    const plain = new ZerodropError('E_USAGE', 'x');
    expect([plain.code, plain.hint, plain.exitCode]).toEqual(['E_USAGE', ERROR_CODES.E_USAGE.hint, EXIT.invalidInput]);
    const sharp = new ZerodropError('E_USAGE', 'x', { hint: 'h', exitCode: EXIT.couldNotRun });
    expect([sharp.hint, sharp.exitCode]).toEqual(['h', EXIT.couldNotRun]);
    expect(new CouldNotRunError('E_OUT_DIR', 'x').exitCode).toBe(EXIT.couldNotRun);
    expect(new InvalidInputError([{ path: 'load.rate', message: 'must be positive' }]).code).toBe('E_INVALID_INPUT');
  });

  it('a code outside the catalogue does not typecheck', () => {
    // @ts-expect-error: E_TYPO is not in the catalogue (npm run typecheck fails if this line compiles)
    const typo: ErrorCode = 'E_TYPO';
    expect(Object.keys(ERROR_CODES)).not.toContain(typo);
  });
});
