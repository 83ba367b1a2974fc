import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { readReport } from '../../../src/report/read.js';
import { renderJson } from '../../../src/report/json.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const good = fixtureReports().fail;
const dir = mkdtempSync(join(tmpdir(), 'zerodrop-read-'));

function failure(source: string, baseDir?: string): InvalidInputError {
  try {
    readReport(source, baseDir === undefined ? {} : { baseDir });
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return err as InvalidInputError;
  }
  throw new Error('expected readReport to throw');
}

describe('readReport', () => {
  it('reads a path relative to baseDir, or the JSON text itself', () => {
    writeFileSync(join(dir, 'report.json'), renderJson(good));
    expect(readReport('report.json', { baseDir: dir })).toEqual(JSON.parse(JSON.stringify(good)));
    expect(readReport(renderJson(good)).verdict).toBe('fail');
  });

  it.each<[string, () => string, RegExp, RegExp]>([
    ['a missing file', () => join(dir, 'nope.json'), /nope\.json: no such file/, /report\.json a zerodrop run wrote/],
    ['a directory', () => dir, /is a directory/, /report\.json/],
    ['text that is not JSON', () => '{ not json', /not JSON/, /report\.json/],
    ['JSON that is not a report', () => '{"hello": 1}', /not a zerodrop report \(no schemaVersion field\)/, /report\.json/],
    ['a bad schemaVersion', () => '{"schemaVersion": "1"}', /schemaVersion: must be a positive integer/, /report\.json/],
    ['a newer schema', () => JSON.stringify({ ...good, schemaVersion: 2 }), /2 is newer than this zerodrop reads \(1\)/, /upgrade zerodrop/],
  ])('rejects %s with a hint', (_name, source, message, hint) => {
    const err = failure(source());
    expect(err.message).toMatch(message);
    expect(err.hint).toMatch(hint);
    expect(err.exitCode).toBe(3);
  });

  it('lists every shape problem by field path', () => {
    const broken = JSON.parse(renderJson(good)) as Record<string, unknown>;
    broken['verdict'] = 'maybe';
    delete broken['totals'];
    (broken['checks'] as Array<Record<string, unknown>>)[0]!['status'] = 'meh';
    (broken['meta'] as Record<string, Record<string, unknown>>)['tool']!['name'] = 'k6';
    const err = failure(JSON.stringify(broken));
    expect(err.problems.map((p) => p.path)).toEqual(['verdict', 'totals', 'checks[0].status', 'meta.tool.name']);
  });

  it('caps the list for a wholly foreign file', () => {
    const err = failure(JSON.stringify({ schemaVersion: 1, phases: Array.from({ length: 50 }, () => 1) }));
    expect(err.problems).toHaveLength(21);
    expect(err.problems[20]?.message).toMatch(/^and \d+ more problems$/);
  });
});
