import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { startClock } from '../clock.js';
import { EXIT, ZerodropError, type ExitCode } from '../errors.js';
import { render } from '../report/index.js';
import { executeRun, type RunEnvironment } from '../runner/execute-run.js';
import { loadScenarioFile } from '../scenario/load-file.js';
import { redactArgv, redactDeep, redactUrl, secretsOfScenario } from '../redact.js';
import { resolveScenario, type ScenarioFlags } from '../scenario/resolve.js';
import type { Report } from '../report/model.js';
import type { Scenario } from '../scenario/types.js';
import { canonicalJson } from '../report/digest.js';
import { toolVersion } from '../version.js';
import { machineFacts, scenarioAsRun, toolGitFacts } from './audit-facts.js';
import { ProcessGroups } from '../rollout/process-group.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { progressWriter } from './progress.js';
import { signingKeyOf } from './sign-key.js';
import { appendStepSummary, defaultOutDir, openRunJournalFile, writeReportFiles } from './write-reports.js';

/** Parsed arguments of `zerodrop run`. */
export interface RunArgs extends ScenarioFlags {
  scenario?: string | undefined;
  quiet: boolean;
}

/** Reads the scenario file (if any) and merges the flags into a validated scenario. */
export function scenarioFromArgs(args: RunArgs, cwd: string): Scenario {
  const file = args.scenario === undefined ? undefined : resolve(cwd, args.scenario);
  const data = file === undefined ? undefined : loadScenarioFile(file);
  return resolveScenario(data, args, {
    readText: (p) => readFileSync(p, 'utf8'),
    resolvePath: (p, fromFlag) => resolve(fromFlag || file === undefined ? cwd : dirname(file), p),
  });
}

/** A stable digest of the scenario as run, secrets redacted (a hash of a short password could be guessed back). */
export function scenarioDigest(scenario: Scenario): string {
  return `sha256:${createHash('sha256').update(canonicalJson(scenarioAsRun(scenario))).digest('hex')}`;
}

/** The audit facts every report carries: the tool's commit, the machine, the scenario as run. */
export function auditFacts(scenario: Scenario): Pick<Report['meta'], 'git' | 'machine' | 'scenario'> {
  const git = toolGitFacts();
  return { ...(git === undefined ? {} : { git }), machine: machineFacts(), scenario: scenarioAsRun(scenario) };
}

/** The report meta of one run of `scenario`: the tool, the run's id and command line, the scenario digest and audit facts. */
export function runMeta(scenario: Scenario, runId: string, commandLine: string[]): RunEnvironment['meta'] {
  const meta = { tool: { name: 'zerodrop' as const, version: toolVersion() }, runId, commandLine, scenarioDigest: scenarioDigest(scenario), ...auditFacts(scenario) };
  // The command line may hold a secret the scenario file also holds (a header's value).
  return redactDeep(meta, secretsOfScenario(scenario));
}

/** `zerodrop run`: the whole job; returns the exit code. */
export async function runCommand(args: RunArgs, argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const scenario = scenarioFromArgs(args, io.cwd);
  // A bad key fails now, not after the traffic.
  const signKey = signingKeyOf(scenario.report.signKey, io.env, (s) => io.stderr.write(`zerodrop: ${s}\n`));
  const clock = startClock();
  const processes = new ProcessGroups();
  const interrupts = watchInterrupts(io, {
    first: 'stopping the traffic and the trigger, waiting for requests in flight, writing the reports (again: stop waiting; a third time: exit at once)...',
    second: 'not waiting for requests in flight; stopping the trigger without grace; still writing the reports...',
    beforeExit: () => processes.killAllNow(),
  });
  const progress = progressWriter(io.stderr, { quiet: args.quiet });
  const startedAt = new Date();
  // The folder is the run's from its start: the journal in it survives a killed process.
  const outDir = scenario.report.outDir ?? defaultOutDir(io.cwd, scenario.name, startedAt);
  const journal = openRunJournalFile(outDir, io.env);
  let ran = false;
  try {
    const outcome = await executeRun(scenario, {
      clock,
      env: io.env,
      cwd: io.cwd,
      signal: interrupts.stop,
      hurry: interrupts.hurry,
      processes,
      meta: runMeta(scenario, `${startedAt.toISOString()}-${scenario.name}`, ['zerodrop', ...redactArgv(argv)]),
      onProgress: (phase, p) => progress.update(phase, p),
      ...(journal === undefined ? {} : { journal: journal.sink }),
      onNote: (note) => {
        if (!args.quiet) io.stderr.write(`zerodrop: ${redactUrl(note)}\n`);
      },
    });
    ran = true;
    progress.done();
    const { report } = outcome;
    if (!args.quiet && scenario.report.formats.includes('console')) {
      io.stdout.write(`${render(report, 'console', { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR, width: io.stdout.columns ?? 100 })}\n`);
    } else {
      io.stdout.write(`zerodrop: ${report.verdict.toUpperCase()}: ${report.reasons[0] ?? ''}\n`);
    }
    let exitCode = outcome.exitCode;
    try {
      const files = writeReportFiles(report, outDir, scenario.report.formats, signKey);
      const summary = appendStepSummary(report, io.env);
      io.stdout.write(`reports: ${files.join(', ')}${summary ? ` (summary appended to ${summary})` : ''}\n`);
    } catch (err) {
      io.stderr.write(`zerodrop: could not write the reports to ${outDir}: ${(err as Error).message}\n  hint: pass --out with a writable folder\n`);
      io.stdout.write(`${render(report, 'json')}\n`);
      if (exitCode === EXIT.pass) exitCode = EXIT.couldNotRun;
    }
    return exitCode;
  } catch (err) {
    progress.done();
    // executeRun throws only before traffic starts: the folder holds nothing of a run that never ran.
    if (!ran) journal?.discard();
    if (err instanceof ZerodropError) throw err;
    throw new ZerodropError('E_INTERNAL', `internal error: ${(err as Error).stack ?? String(err)}`, {
      hint: 'this is a bug in zerodrop; please report it with the command line',
    });
  } finally {
    journal?.sink.close();
    interrupts.dispose();
  }
}
