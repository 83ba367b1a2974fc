import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withDigest } from '../report/digest.js';
import type { Report } from '../report/model.js';
import { REPORT_FILE_NAMES, render, type ReportFormat } from '../report/index.js';

/**
 * Seals the report with its digest, then writes the report files into dir (report.json always:
 * it is the durable record, and `zerodrop verify` checks it). Returns the paths written.
 */
export function writeReportFiles(report: Report, dir: string, formats: readonly ReportFormat[]): string[] {
  mkdirSync(dir, { recursive: true });
  const sealed = withDigest(report);
  const written: string[] = [];
  const wanted = new Set<ReportFormat>([...formats, 'json']);
  for (const format of Object.keys(REPORT_FILE_NAMES) as Array<keyof typeof REPORT_FILE_NAMES>) {
    if (!wanted.has(format)) continue;
    const path = join(dir, REPORT_FILE_NAMES[format]);
    writeFileSync(path, render(sealed, format));
    written.push(path);
  }
  return written;
}

/**
 * Appends the Markdown summary to GitHub's step summary file when the variable is set: the same
 * text as summary.md (sealed, so it names the report digest that `zerodrop verify` checks).
 */
export function appendStepSummary(report: Report, env: Record<string, string | undefined>): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return undefined;
  appendFileSync(file, `${render(withDigest(report), 'md')}\n`);
  return file;
}

/** A default output folder: reports/<UTC timestamp>-<name>. */
export function defaultOutDir(cwd: string, name: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(cwd, 'reports', `${stamp}-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}`);
}
