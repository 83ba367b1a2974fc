import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { startClock } from '../clock.js';
import { EXIT, ZerodropError, type ExitCode } from '../errors.js';
import { formatRate, formatSeconds } from '../text/format.js';
import { loadScenarioFile } from '../scenario/load-file.js';
import { redactArgv, redactUrl } from '../redact.js';
import { resolveScenario } from '../scenario/resolve.js';
import type { Scenario } from '../scenario/types.js';
import type { SweepResult } from '../sweep/model.js';
import { renderSweepHtml } from '../sweep/render-html.js';
import { renderSweepConsole, renderSweepMarkdown } from '../sweep/render.js';
import { checkSweepScenario, runSweep } from '../sweep/run-sweep.js';
import { resolveSweepSpec, type SweepFlags, type SweepSpec } from '../sweep/sweep-spec.js';
import { ProcessGroups } from '../rollout/process-group.js';
import { watchInterrupts } from './interrupts.js';
import type { CliIo } from './io.js';
import { progressWriter } from './progress.js';
import { signingKeyOf } from './sign-key.js';
import { runMeta, type RunArgs } from './run-command.js';
import { defaultOutDir, openRunJournalFile, writeReportFiles } from './write-reports.js';

/** Parsed arguments of `zerodrop sweep`. */
export interface SweepArgs extends RunArgs, SweepFlags {}

/** File names a sweep writes into its folder. */
export const SWEEP_FILES = { json: 'sweep.json', md: 'sweep.md', html: 'sweep.html' } as const;

/** Reads the scenario file, takes its `sweep:` section out, merges the flags into the scenario and the sweep. */
export function sweepFromArgs(args: SweepArgs, cwd: string): { scenario: Scenario; spec: SweepSpec } {
  const file = resolve(cwd, args.scenario ?? '');
  const data = loadScenarioFile(file);
  let section: unknown;
  let rest: unknown = data;
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && 'sweep' in data) {
    const { sweep, ...others } = data as Record<string, unknown>;
    section = sweep;
    rest = others;
  }
  // Both are checked before either complains, so one run shows every problem of the input.
  let scenario: Scenario | undefined;
  let spec: SweepSpec | undefined;
  const errors: ZerodropError[] = [];
  try {
    scenario = resolveScenario(rest, args, { readText: (p) => readFileSync(p, 'utf8'), resolvePath: (p, fromFlag) => resolve(fromFlag ? cwd : dirname(file), p) });
    checkSweepScenario(scenario);
  } catch (err) {
    if (!(err instanceof ZerodropError)) throw err;
    errors.push(err);
  }
  try {
    spec = resolveSweepSpec(section, args);
  } catch (err) {
    if (!(err instanceof ZerodropError)) throw err;
    errors.push(err);
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ZerodropError('E_INVALID_INPUT', errors.map((e) => e.message).join('\n'), { exitCode: EXIT.invalidInput, hint: 'run `zerodrop sweep --help` for the fields and an example' });
  return { scenario: scenario as Scenario, spec: spec as SweepSpec };
}

/** The exit code of a sweep: 130 interrupted, 4 when the Deployment could not be put back or nothing could be measured, 0 when a setting passed every repeat, else 1. */
export function sweepExitCode(result: SweepResult): ExitCode {
  if (result.aborted) return EXIT.interrupted;
  if (result.restore.status === 'failed' || result.restore.status === 'timeout') return EXIT.couldNotRun;
  if (result.recommendation.case !== null) return EXIT.pass;
  const runnable = result.cases.filter((c) => c.verdict !== 'invalid');
  if (runnable.length > 0 && runnable.every((c) => c.verdict === 'error')) return EXIT.couldNotRun;
  return EXIT.fail;
}

function caseDir(n: number, slug: string): string {
  return join('cases', `${String(n).padStart(2, '0')}-${slug}`);
}

/** `zerodrop sweep`: the whole job; returns the exit code. */
/** The folder of one repeat's reports and journal, relative to the sweep's. */
function repeatDir(c: { n: number; slug: string }, repeat: number, repeats: number): string {
  return repeats > 1 ? join(caseDir(c.n, c.slug), `repeat-${repeat}`) : caseDir(c.n, c.slug);
}

export async function sweepCommand(args: SweepArgs, argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const { scenario, spec } = sweepFromArgs(args, io.cwd);
  const signKey = signingKeyOf(scenario.report.signKey, io.env, (s) => io.stderr.write(`zerodrop: ${s}\n`));
  const startedAt = new Date();
  const outDir = scenario.report.outDir ?? defaultOutDir(io.cwd, `sweep-${scenario.name}`, startedAt);
  const caseFormats = scenario.report.formats.filter((f) => f !== 'console');
  const processes = new ProcessGroups();
  const interrupts = watchInterrupts(io, {
    first: 'stopping the sweep, restoring the Deployment, writing the results (again: stop waiting for requests in flight and the restore\'s rollout; a third time: exit at once, without restoring)...',
    second: 'not waiting for requests in flight nor for the restore\'s rollout (the restore is still sent); still writing the results...',
    beforeExit: () => processes.killAllNow(),
  });
  const progress = progressWriter(io.stderr, { quiet: args.quiet });
  const note = (s: string): void => {
    if (!args.quiet) {
      progress.done();
      io.stderr.write(`zerodrop: ${redactUrl(s)}\n`);
    }
  };
  try {
    const result = await runSweep(scenario, spec, {
      newClock: startClock,
      env: io.env,
      cwd: io.cwd,
      signal: interrupts.stop,
      restoreSignal: interrupts.hurry,
      hurry: interrupts.hurry,
      processes,
      meta: runMeta(scenario, `${startedAt.toISOString()}-sweep-${scenario.name}`, ['zerodrop', ...redactArgv(argv)]),
      onProgress: (phase, p) => progress.update(phase, p),
      onNote: note,
      onStep: (step, c, repeat, pos) => {
        const which = `[${pos.index}/${pos.of}] #${c.n} ${c.label}${spec.repeat > 1 ? ` (repeat ${repeat}/${spec.repeat})` : ''}`;
        note(step === 'prepare' ? `${which}: putting the settings on the Deployment and waiting for it to settle...` : `${which}: measuring the release under load...`);
      },
      openJournal: (c, repeat, repeats) => {
        try {
          return openRunJournalFile(join(outDir, repeatDir(c, repeat, repeats)), io.env);
        } catch (err) {
          note(`case ${c.n} (${c.label}) runs without a journal: ${(err as Error).message}`);
          return undefined;
        }
      },
      onReport: (c, repeat, report, repeats) => {
        progress.done();
        const rel = repeatDir(c, repeat, repeats);
        const rollout = report.phases.find((p) => p.name === 'rollout');
        if (!args.quiet) {
          io.stderr.write(
            `zerodrop:   -> ${report.verdict.toUpperCase()}${report.aborted ? ' (interrupted)' : ''}: ${report.window.failed} of ${report.window.sent} failed (${formatRate(report.budget.observedFailureRate)}), rollout ${rollout ? formatSeconds(rollout.endMs - rollout.startMs) : '-'}\n`,
          );
        }
        try {
          writeReportFiles(report, join(outDir, rel), caseFormats, signKey);
          return rel;
        } catch (err) {
          io.stderr.write(`zerodrop: could not write the reports of case ${c.n} to ${join(outDir, rel)}: ${(err as Error).message}\n`);
          return undefined;
        }
      },
    });
    progress.done();

    // Each case's folder gets its worst repeat's reports at the top when it ran more than once.
    for (const c of result.cases) {
      if (c.summary.repeatsRun === 0 && c.repeats.length === 0) continue;
      c.dir = caseDir(c.n, c.slug);
      if (spec.repeat > 1 && c.report !== null) {
        try {
          writeReportFiles(c.report, join(outDir, c.dir), caseFormats, signKey);
        } catch {
          // reported per repeat already
        }
      }
    }
    let exitCode = sweepExitCode(result);
    try {
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, SWEEP_FILES.json), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(outDir, SWEEP_FILES.md), renderSweepMarkdown(result));
      writeFileSync(join(outDir, SWEEP_FILES.html), renderSweepHtml(result));
    } catch (err) {
      io.stderr.write(`zerodrop: could not write the sweep results to ${outDir}: ${(err as Error).message}\n  hint: pass --out with a writable folder\n`);
      if (exitCode === EXIT.pass) exitCode = EXIT.couldNotRun;
    }
    if (!args.quiet && scenario.report.formats.includes('console')) {
      io.stdout.write(`\n${renderSweepConsole(result, { color: Boolean(io.stdout.isTTY) && !io.env.NO_COLOR })}\n`);
    } else {
      io.stdout.write(`zerodrop: ${result.recommendation.case === null ? 'NO SETTING PASSED' : 'RECOMMENDATION'}: ${result.recommendation.message}\n`);
    }
    const rel = relative(io.cwd, outDir);
    const shown = rel === '' ? '.' : rel.startsWith('..') ? outDir : rel;
    io.stdout.write(`results: ${join(shown, SWEEP_FILES.json)}, ${join(shown, SWEEP_FILES.md)}, ${join(shown, SWEEP_FILES.html)}, ${join(shown, 'cases')}/\n`);
    if (result.restore.status === 'failed' || result.restore.status === 'timeout') io.stderr.write(`zerodrop: ${result.restore.message}\n`);
    return exitCode;
  } catch (err) {
    progress.done();
    if (err instanceof ZerodropError) throw err;
    throw new ZerodropError('E_INTERNAL', `internal error: ${(err as Error).stack ?? String(err)}`, { hint: 'this is a bug in zerodrop; please report it with the command line' });
  } finally {
    interrupts.dispose();
  }
}
