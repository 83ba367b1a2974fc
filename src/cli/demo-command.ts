import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startClock } from '../clock.js';
import { CouldNotRunError, EXIT, type ExitCode } from '../errors.js';
import { render } from '../report/index.js';
import { executeRun } from '../runner/execute-run.js';
import { resolveScenario } from '../scenario/resolve.js';
import { packageRoot, toolVersion } from '../version.js';
import type { CliIo } from './io.js';
import { progressWriter } from './progress.js';
import { scenarioDigest } from './run-command.js';
import { writeReportFiles } from './write-reports.js';

/** Parsed arguments of `zerodrop demo`. */
export interface DemoArgs {
  out: string;
  quiet: boolean;
}

interface DemoCase {
  name: string;
  signal: 'SIGHUP' | 'SIGUSR2';
  expect: 'pass' | 'fail';
  lesson: string;
}

const CASES: DemoCase[] = [
  { name: 'graceful-reload', signal: 'SIGHUP', expect: 'pass', lesson: 'a reload that keeps the listener open drops nothing' },
  { name: 'abrupt-restart', signal: 'SIGUSR2', expect: 'fail', lesson: 'a stop/start cuts connections and refuses new ones' },
];

/** Starts the demo's local server and resolves its port. */
function startDemoServer(): Promise<{ port: number; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'scenarios/apps/local-server.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), pid: child.pid as number, stop: () => child.kill('SIGKILL') });
    });
    child.once('exit', (code) => reject(new CouldNotRunError('E_DEMO_SERVER', `the demo server exited (code ${code}) before listening`)));
  });
}

/**
 * `zerodrop demo`: runs a passing and a failing release against a local server and shows both
 * verdicts. Exits 0 when each came out as expected: the failing run is the lesson, not an error.
 */
export async function demoCommand(args: DemoArgs, io: CliIo): Promise<ExitCode> {
  const controller = new AbortController();
  const unregister = io.onInterrupt(() => controller.abort());
  const lines: string[] = [];
  let asExpected = true;
  try {
    for (const demo of CASES) {
      if (controller.signal.aborted) return EXIT.interrupted;
      const server = await startDemoServer();
      try {
        const scenario = resolveScenario(
          {
            name: `demo-${demo.name}`,
            target: { url: `http://127.0.0.1:${server.port}/` },
            load: { rate: 1500 },
            trigger: { command: `kill -${demo.signal.slice(3)} ${server.pid}; sleep 2`, baseline: '2s', cooldown: '3s' },
          },
          {},
          { readText: () => '', resolvePath: (p) => p },
        );
        io.stdout.write(`\n== ${demo.name}: ${demo.lesson} (expect ${demo.expect.toUpperCase()})\n`);
        const progress = progressWriter(io.stderr, { quiet: args.quiet });
        const { report } = await executeRun(scenario, {
          clock: startClock(),
          env: io.env,
          cwd: io.cwd,
          signal: controller.signal,
          meta: { tool: { name: 'zerodrop', version: toolVersion() }, runId: `demo-${demo.name}`, commandLine: ['zerodrop', 'demo'], scenarioDigest: scenarioDigest(scenario) },
          onProgress: (phase, p) => progress.update(phase, p),
        });
        progress.done();
        const dir = join(io.cwd, args.out, demo.name);
        writeReportFiles(report, dir, ['json', 'junit', 'md']);
        if (!args.quiet) io.stdout.write(`${render(report, 'console', { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, width: io.stdout.columns ?? 100 })}\n`);
        const ok = report.verdict === demo.expect;
        asExpected &&= ok;
        lines.push(`${ok ? 'as expected' : 'UNEXPECTED'}: ${demo.name} -> ${report.verdict.toUpperCase()} (${report.reasons[0] ?? ''}); reports in ${dir}`);
      } finally {
        server.stop();
      }
    }
  } finally {
    unregister();
  }
  io.stdout.write(`\n${lines.join('\n')}\n`);
  return asExpected ? EXIT.pass : EXIT.fail;
}
