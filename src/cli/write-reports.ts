import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { CouldNotRunError } from '../errors.js';
import { openJournalFile, type JournalSink } from '../runner/journal/file-sink.js';
import { join } from 'node:path';
import type { Report } from '../report/model.js';
import { REPORT_FILE_NAMES, render, type ReportFormat } from '../report/index.js';
import { withDigest } from '../report/digest.js';
import { sealReport, type SigningKey } from '../report/signature.js';

/**
 * Seals the report with its digest (and its signature when a key is given), then writes the
 * report files into dir (report.json always: it is the durable record, and `zerodrop verify`
 * checks it). Returns the paths written.
 */
export function writeReportFiles(report: Report, dir: string, formats: readonly ReportFormat[], signKey?: SigningKey): string[] {
  mkdirSync(dir, { recursive: true });
  const sealed = sealReport(report, signKey);
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

/** The run's journal file, and how to take it back when the run never started. */
export interface RunJournalFile {
  sink: JournalSink;
  /** The run threw before its traffic started: removes the journal, and the folder if the run created it and it is empty. */
  discard(): void;
}

/**
 * Creates the run's output folder and opens its journal (journal.ndjson) before the run starts, so
 * that a killed run leaves its record there. ZERODROP_JOURNAL=off turns it off: for the bench's
 * side-by-side measurement of what the journal costs, not for users. Throws CouldNotRunError
 * (exit 4) when the folder cannot be written: better before the run than after it.
 */
export function openRunJournalFile(dir: string, env: Record<string, string | undefined>): RunJournalFile | undefined {
  if (env.ZERODROP_JOURNAL === 'off') return undefined;
  const existed = existsSync(dir);
  let file: ReturnType<typeof openJournalFile>;
  try {
    file = openJournalFile(dir);
  } catch (err) {
    throw new CouldNotRunError('E_OUT_DIR', `cannot write the run's folder ${dir}: ${(err as Error).message}`, { hint: 'pass --out with a writable folder' });
  }
  return {
    sink: file,
    discard(): void {
      file.close();
      rmSync(file.path, { force: true });
      if (!existed && readdirSync(dir).length === 0) rmdirSync(dir);
    },
  };
}
