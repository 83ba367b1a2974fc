import { join } from 'node:path';
import { startClock } from '../clock.js';
import { EXIT, type ExitCode } from '../errors.js';
import { REPORT_FORMATS, render } from '../report/index.js';
import { executeRun } from '../runner/execute-run.js';
import { packageRoot } from '../version.js';
import { ProcessGroups } from '../rollout/process-group.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { progressWriter } from './progress.js';
import { runMeta, scenarioFromArgs } from './run-command.js';
import { writeReportFiles } from './write-reports.js';

/** Parsed arguments of `zerodrop demo`. */
export interface DemoArgs {
  out: string;
  quiet: boolean;
}

interface DemoCase {
  file: string;
  expect: 'pass' | 'fail';
  lesson: string;
}

const CASES: DemoCase[] = [
  { file: 'scenarios/emulator-graceful.yaml', expect: 'pass', lesson: 'readiness probe, preStop sleep, graceful drain, maxUnavailable 0: no request dropped' },
  { file: 'scenarios/emulator-naive.yaml', expect: 'fail', lesson: 'no readiness probe, no preStop, exit on SIGTERM: requests dropped' },
];

/**
 * `zerodrop demo`: rolls out a well-configured and a naive Deployment under load on the embedded
 * Kubernetes emulator and shows both verdicts with their reasons. Exits 0 when each came out as
 * expected: the failing run is the lesson, not an error.
 */
export async function demoCommand(args: DemoArgs, io: CliIo): Promise<ExitCode> {
  const processes = new ProcessGroups();
  const interrupts = watchInterrupts(io, {
    first: 'stopping the demo run, stopping the emulator, writing the reports (again: stop waiting for requests in flight; a third time: exit at once)...',
    second: 'not waiting for requests in flight; still writing the reports...',
    beforeExit: () => processes.killAllNow(),
  });
  const lines: string[] = [];
  let asExpected = true;
  try {
    for (const demo of CASES) {
      if (interrupts.stop.aborted) return EXIT.interrupted;
      const scenarioPath = join(packageRoot(), demo.file);
      const scenario = scenarioFromArgs({ scenario: scenarioPath, quiet: args.quiet }, io.cwd);
      io.stdout.write(`\n== ${scenario.name}: ${demo.lesson} (expect ${demo.expect.toUpperCase()})\n`);
      const progress = progressWriter(io.stderr, { quiet: args.quiet });
      const { report } = await executeRun(scenario, {
        clock: startClock(),
        env: io.env,
        cwd: io.cwd,
        signal: interrupts.stop,
        hurry: interrupts.hurry,
        processes,
        meta: runMeta(scenario, `demo-${scenario.name}`, ['zerodrop', 'demo']),
        onProgress: (phase, p) => progress.update(phase, p),
        onNote: (note) => {
          if (!args.quiet) io.stderr.write(`zerodrop: ${note}\n`);
        },
      });
      progress.done();
      const dir = join(io.cwd, args.out, scenario.name);
      writeReportFiles(report, dir, REPORT_FORMATS.filter((f) => f !== 'console'));
      if (!args.quiet) io.stdout.write(`${render(report, 'console', { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, width: io.stdout.columns ?? 100 })}\n`);
      const ok = report.verdict === demo.expect;
      asExpected &&= ok;
      lines.push(`${ok ? 'as expected' : 'UNEXPECTED'}: ${scenario.name} -> ${report.verdict.toUpperCase()}: ${report.reasons[0] ?? ''}\n    reports: ${dir}`);
    }
  } finally {
    interrupts.dispose();
  }
  io.stdout.write(`\n${lines.join('\n')}\n`);
  if (interrupts.stop.aborted) return EXIT.interrupted;
  return asExpected ? EXIT.pass : EXIT.fail;
}
