import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, InvalidInputError, type ExitCode } from '../errors.js';
import { REPORT_FILE_NAMES, REPORT_FORMATS, readReport, render } from '../report/index.js';
import { exitCodeOf } from '../runner/execute-run.js';
import type { CliIo } from './io.js';
import { checkReportTrust, type TrustOptions } from './report-trust.js';

/** Parsed arguments of `zerodrop report`. */
export interface ReportArgs extends TrustOptions {
  report: string;
  format: string[];
  out?: string | undefined;
}

/**
 * `zerodrop report FILE`: re-renders a saved report.json to the terminal or to files, and exits
 * with the saved run's exit code, so a later CI step can gate on a run made earlier. A report
 * whose digest does not match (or, with --key, whose signature does not check out) is refused
 * with exit 5 before anything is rendered, unless --no-verify.
 */
export function reportCommand(args: ReportArgs, io: CliIo): ExitCode {
  const formats = args.format.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
  const bad = formats.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (bad.length > 0) throw new InvalidInputError([{ path: '--format', message: `unknown format ${bad.join(', ')}: choose from ${REPORT_FORMATS.join(', ')}` }]);
  const report = readReport(resolve(io.cwd, args.report));
  checkReportTrust(report, { verify: args.verify !== false, key: args.key }, io.cwd, args.report, (s) => io.stderr.write(`zerodrop: ${s}\n`));
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
  return report.aborted ? EXIT.interrupted : exitCodeOf(report);
}
