import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EXIT, InvalidInputError, type ExitCode } from '../errors.js';
import { verifyReport } from '../report/digest.js';
import { REPORT_FILE_NAMES } from '../report/index.js';
import type { CliIo } from './io.js';

/** Parsed arguments of `zerodrop verify`. */
export interface VerifyArgs {
  /** A run's report folder, or the path of a report.json. */
  dir: string;
}

const HINT = 'pass a folder a zerodrop run wrote (reports/<run>/) or its report.json';

/**
 * `zerodrop verify DIR`: recomputes the digest of DIR/report.json (or of the report.json named) and
 * says whether the report was altered after the run wrote it. Exit 0 intact, 1 altered, 3 when
 * the file is missing, is not a zerodrop report, or carries no digest to check.
 */
export function verifyCommand(args: VerifyArgs, io: CliIo): ExitCode {
  const path = reportPath(resolve(io.cwd, args.dir));
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError([{ path, message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})` }], HINT);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError([{ path, message: `not JSON: ${(err as Error).message}` }], HINT);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || !('schemaVersion' in data)) {
    throw new InvalidInputError([{ path, message: 'not a zerodrop report (no schemaVersion field)' }], HINT);
  }
  const report = data as Record<string, unknown>;
  if (typeof report['digest'] !== 'string') {
    throw new InvalidInputError(
      [{ path, message: 'has no digest, so it cannot be verified' }],
      'reports carry a digest from the zerodrop version that added `zerodrop verify` on; re-run to get one',
    );
  }
  const check = verifyReport(report);
  if (check.ok) {
    io.stdout.write(`intact: ${path} is unchanged since zerodrop wrote it\n  digest ${check.expected}\n`);
    return EXIT.pass;
  }
  io.stdout.write(
    `ALTERED: ${path} was changed after zerodrop wrote it; do not trust its verdict or figures\n` +
      `  digest recorded in the report: ${check.actual ?? '(none)'}\n` +
      `  digest of its content now:     ${check.expected}\n`,
  );
  return EXIT.fail;
}

/** DIR/report.json when DIR is a folder, else DIR itself. */
function reportPath(abs: string): string {
  // A missing path is reported when read.
  return statSync(abs, { throwIfNoEntry: false })?.isDirectory() === true ? join(abs, REPORT_FILE_NAMES.json) : abs;
}
