/**
 * Golden files for every renderer, from reports analyzeRun builds out of synthetic runs.
 * Regenerate after an intended change with: UPDATE_GOLDEN=1 npx vitest run test/unit/report
 * then read the diff before committing it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readReport, render } from '../../../src/report/index.js';
import type { ReportFormat } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/reports');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const reports = fixtureReports();

const FILES: Array<[ReportFormat, string]> = [
  ['json', 'report.json'],
  ['console', 'golden.txt'],
  ['junit', 'golden.xml'],
  ['md', 'golden.md'],
  ['html', 'golden.html'],
];

function golden(file: string, actual: string): void {
  const path = join(DIR, file);
  if (UPDATE || !existsSync(path)) {
    writeFileSync(path, actual);
    if (!UPDATE) throw new Error(`wrote missing golden file ${file}; check it and run again`);
    return;
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe.each(Object.keys(reports) as Array<keyof typeof reports>)('%s report', (name) => {
  const report = reports[name];

  it.each(FILES)('renders %s as in %s', (format, suffix) => {
    golden(`${name}.${suffix}`, render(report, format, { color: false, width: 100 }));
  });

  it('reads back from its report.json and renders the same', () => {
    const read = readReport(join(DIR, `${name}.report.json`));
    expect(read).toEqual(JSON.parse(JSON.stringify(report)));
    for (const [format] of FILES) expect(render(read, format)).toBe(render(report, format));
  });
});
