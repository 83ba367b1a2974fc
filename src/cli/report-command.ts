import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, InvalidInputError, ZerodropError, type ExitCode } from '../errors.js';
import { REPORT_FILE_NAMES, REPORT_FORMATS, readReport, render } from '../report/index.js';
import type { Report } from '../report/model.js';
import { exitCodeOf } from '../runner/execute-run.js';
import { compareReports } from '../runner/journal/compare.js';
import { parseJournal, type JournalRead } from '../runner/journal/read.js';
import { rebuildReport } from '../runner/journal/rebuild.js';
import { JOURNAL_FILE } from '../runner/journal/records.js';
import type { CliIo } from './io.js';
import { checkReportTrust, type TrustOptions } from './report-trust.js';
import { writeReportFiles } from './write-reports.js';

/** Parsed arguments of `zerodrop report`. */
export interface ReportArgs extends TrustOptions {
  report: string;
  format: string[];
  out?: string | undefined;
  /** Re-derive the report from the run folder's journal and check report.json against it. */
  fromJournal?: boolean | undefined;
}

/**
 * `zerodrop report FILE|DIR`: re-renders a saved report.json to the terminal or to files, and exits
 * with the saved run's exit code, so a later CI step can gate on a run made earlier. Given a run
 * folder whose run was killed (a journal, no report.json of that run), it first rebuilds every
 * report from the journal (see reportOfRunFolder). A report read from disk
 * whose digest does not match (or, with --key, whose signature does not check out) is refused
 * with exit 5 before anything is rendered, unless --no-verify.
 */
export function reportCommand(args: ReportArgs, io: CliIo): ExitCode {
  const formats = args.format.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  const bad = formats.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0) throw new InvalidInputError([{ path: '--format', message: `unknown format ${bad.join(', ')}: choose from ${REPORT_FORMATS.join(', ')}` }]);
  const path = resolve(io.cwd, args.report);
  const folder = isFolder(path) ? reportOfRunFolder(path, args.fromJournal === true, io) : undefined;
  if (folder === undefined && args.fromJournal === true) throw new InvalidInputError([{ path: args.report, message: '--from-journal takes a run folder (the one holding journal.ndjson), not a file' }]);
  const report = folder?.report ?? readReport(path);
  // A report rebuilt from the journal just now is our own derivation; one read from disk must prove it is the one zerodrop wrote.
  if (folder === undefined || folder.read === true) checkReportTrust(report, { verify: args.verify !== false, key: args.key }, io.cwd, args.report, (s) => io.stderr.write(`zerodrop: ${s}\n`));
  for (const format of formats as Array<(typeof REPORT_FORMATS)[number]>) {
    const text = render(report, format, { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, width: io.stdout.columns ?? 100 });
    if (args.out === undefined || format === 'console') {
      io.stdout.write(`${text}\n`);
    } else {
      const dir = resolve(io.cwd, args.out);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, REPORT_FILE_NAMES[format]);
      writeFileSync(path, text);
      io.stdout.write(`wrote ${path}\n`);
    }
  }
  folder?.afterRender?.();
  return folder?.exitCode ?? savedExitCode(report);
}

/**
 * The exit code of a saved report. A report rebuilt from the journal of a killed run exits 2
 * (inconclusive), not 130: 130 says that zerodrop itself caught a signal, stopped in order and
 * wrote its reports; a killed run had no such chance, and what is left is a measurement cut short,
 * which is what "inconclusive" means in the exit-code contract.
 */
export function savedExitCode(report: Report): ExitCode {
  if (report.rebuilt?.complete === false) return EXIT.inconclusive;
  return report.aborted ? EXIT.interrupted : exitCodeOf(report);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** What a run folder gives `zerodrop report`: the report to render, its exit code, and a check to run after rendering. */
interface FolderReport {
  report: Report;
  exitCode: ExitCode;
  /** true: the report was read from the folder's report.json (not rebuilt), so its digest is checked. */
  read?: boolean;
  afterRender?: () => void;
}

/**
 * A run folder: its report.json when that is the journal's run's; else (the run was killed, or
 * report.json is an older run's) every report rebuilt from journal.ndjson and written into the
 * folder. With `fromJournal`, the report re-derived from the journal, checked against report.json.
 */
export function reportOfRunFolder(dir: string, fromJournal: boolean, io: CliIo): FolderReport {
  const reportPath = join(dir, REPORT_FILE_NAMES.json);
  const journalPath = join(dir, JOURNAL_FILE);
  const saved = existsSync(reportPath) ? readReport(reportPath) : undefined;
  const journal = existsSync(journalPath) ? parseJournal(readFileSync(journalPath, 'utf8')) : undefined;
  if (journal === undefined) {
    if (fromJournal) throw new InvalidInputError([{ path: dir, message: `has no ${JOURNAL_FILE}: nothing to re-derive the report from` }], 'runs made before zerodrop kept a journal have none');
    if (saved === undefined) throw new InvalidInputError([{ path: dir, message: `holds neither ${REPORT_FILE_NAMES.json} nor ${JOURNAL_FILE}` }], 'pass the folder a zerodrop run wrote, e.g. reports/<run>');
    return { report: saved, exitCode: savedExitCode(saved), read: true };
  }
  if (fromJournal) return checkAgainstJournal(journal, saved, io);
  if (saved !== undefined && saved.meta.runId === journalRunId(journal)) return { report: saved, exitCode: savedExitCode(saved), read: true };
  return rebuildFolder(dir, journal, io);
}

function journalRunId(journal: JournalRead): string | undefined {
  const plan = journal.records[0];
  return plan?.type === 'plan' ? plan.meta.runId : undefined;
}

/** Rebuilds report.json, summary.md, junit.xml and report.html of a run folder from its journal. */
function rebuildFolder(dir: string, journal: JournalRead, io: CliIo): FolderReport {
  const { report, complete } = rebuildReport(journal);
  const files = writeReportFiles(report, dir, ['md', 'junit', 'html']);
  const why = complete ? 'the run finished but its report.json is missing' : `the run was cut short: its journal ends at ${report.rebuilt?.lastRecordAt ?? '?'} with no end record`;
  io.stderr.write(`zerodrop: ${why}; rebuilt its reports from ${JOURNAL_FILE}${journal.tornTail ? ' (a torn last line, written as the process died, was left out)' : ''}: ${files.join(', ')}\n`);
  return { report, exitCode: complete ? exitCodeOf(report) : EXIT.inconclusive };
}

/**
 * `--from-journal`: the report re-derived from the journal, checked against report.json (or, with
 * no report.json, against the journal's own end record). Disagreement is an error (exit 4): the
 * record contradicts itself, so neither verdict can be trusted.
 */
function checkAgainstJournal(journal: JournalRead, saved: Report | undefined, io: CliIo): FolderReport {
  const rebuilt = rebuildReport(journal);
  const { report } = rebuilt;
  const exitCode = rebuilt.complete ? exitCodeOf(report) : EXIT.inconclusive;
  const check = (): void => {
    if (saved === undefined) {
      io.stderr.write(`zerodrop: no ${REPORT_FILE_NAMES.json} to check against: shown is the report re-derived from ${JOURNAL_FILE}${rebuilt.complete ? '' : ' (the run was cut short)'}\n`);
      return;
    }
    if (saved.meta.runId !== journalRunId(journal)) {
      throw new ZerodropError('E_JOURNAL_MISMATCH', `${REPORT_FILE_NAMES.json} is run ${saved.meta.runId}, the journal is run ${journalRunId(journal) ?? '?'}: they are not the same run's`, { hint: 'each run writes its own folder; do not copy reports between them' });
    }
    const diffs = compareReports(saved, report);
    if (diffs.length > 0) {
      const lines = diffs.map((d) => `  - ${d.field}: report.json says ${JSON.stringify(d.saved)}, the journal says ${JSON.stringify(d.journal)}`);
      throw new ZerodropError('E_JOURNAL_MISMATCH', `${REPORT_FILE_NAMES.json} disagrees with the run's journal:\n${lines.join('\n')}`, {
        hint: 'report.json was edited, or was written by another run or zerodrop version; the journal is what the run appended as it went',
      });
    }
    io.stderr.write(`zerodrop: ${REPORT_FILE_NAMES.json} agrees with its journal (${journal.records.length} records): verdict ${saved.verdict}, ${saved.totals.sent} sent, ${saved.totals.failed} failed\n`);
  };
  return { report, exitCode: saved === undefined ? exitCode : savedExitCode(saved), afterRender: check };
}
