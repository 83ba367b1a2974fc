import { readFileSync } from 'node:fs';
import { analyzeRun } from '../analysis/analyze.js';
import type { Clock } from '../clock.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { GeneratorHealth, Report, TriggerRecord } from '../report/model.js';
import { runCommandTrigger } from '../rollout/command-trigger.js';
import type { Scenario } from '../scenario/types.js';
import { startLoad, type LoadHandle, type LoadOptions, type LoadProgress } from '../traffic/engine.js';
import { checkReachable } from '../traffic/preflight.js';
import { phasesOf, type RunMarks } from './phase-plan.js';

/** The phase the run is in, for progress lines. */
export type LivePhase = 'warmup' | 'measure' | 'baseline' | 'rollout' | 'cooldown' | 'stopping';

/** What a run needs from its surroundings; the CLI passes the real ones. */
export interface RunEnvironment {
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborts the run (Ctrl-C, SIGTERM): traffic and trigger stop, the report is marked aborted. */
  signal: AbortSignal;
  /** Facts for report.meta that the caller knows (tool version, command line, digest, run id). */
  meta: Pick<Report['meta'], 'tool' | 'runId' | 'commandLine' | 'scenarioDigest'>;
  /** Called about every 250 ms while traffic runs. */
  onProgress?: (phase: LivePhase, progress: LoadProgress) => void;
  /** Trigger output as it arrives. */
  onTriggerOutput?: (chunk: string) => void;
}

/** A finished run: the report and the exit code it maps to. */
export interface RunOutcome {
  report: Report;
  exitCode: ExitCode;
}

/** Maps the engine's options from a scenario. */
export function loadOptionsOf(scenario: Scenario, durationMs: number): LoadOptions {
  const t = scenario.target;
  const ranges = t.successStatus;
  const opts: LoadOptions = {
    url: t.url,
    method: t.method,
    headers: t.headers,
    model: scenario.load.model,
    durationMs,
    timeoutMs: t.timeoutMs,
    keepAlive: t.keepAlive,
    http2: t.http2,
    insecure: t.insecure,
    intervalMs: scenario.load.intervalMs,
    successStatus: (status: number) => {
      for (const [lo, hi] of ranges) if (status >= lo && status <= hi) return true;
      return false;
    },
  };
  if (t.body !== undefined) opts.body = t.body;
  if (t.caFile !== undefined) opts.ca = readFileSync(t.caFile);
  if (scenario.load.rate !== undefined) opts.rate = scenario.load.rate;
  if (scenario.load.ramp !== undefined) opts.ramp = scenario.load.ramp;
  if (scenario.load.connections !== undefined) opts.connections = scenario.load.connections;
  if (scenario.load.maxInFlight !== undefined) opts.maxInFlight = scenario.load.maxInFlight;
  return opts;
}

/** Maps a report's verdict to the exit-code contract. */
export function exitCodeOf(report: Report): ExitCode {
  if (report.aborted) return EXIT.interrupted;
  return report.verdict === 'pass' ? EXIT.pass : report.verdict === 'fail' ? EXIT.fail : EXIT.inconclusive;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Runs one scenario: checks the target answers, sends the traffic, runs the trigger between
 * baseline and cooldown, then judges the run. Throws only before traffic starts (bad target:
 * CouldNotRunError); once traffic flows, every ending — pass, fail, abort — yields a report.
 */
export async function executeRun(scenario: Scenario, env: RunEnvironment): Promise<RunOutcome> {
  const { clock, signal } = env;
  const trigger = scenario.trigger;
  const startedAt = new Date();
  const warmupMs = scenario.load.warmupMs;
  const plannedMs = trigger
    ? warmupMs + trigger.baselineMs + trigger.timeoutMs + trigger.cooldownMs + 10_000
    : warmupMs + (scenario.load.durationMs as number);
  const loadOptions = loadOptionsOf(scenario, plannedMs);

  await checkReachable(loadOptions);

  const loadStart = clock.nowMs();
  const handle: LoadHandle = startLoad(loadOptions, clock);
  let phase: LivePhase = warmupMs > 0 ? 'warmup' : trigger ? 'baseline' : 'measure';
  const progressTimer = env.onProgress
    ? setInterval(() => env.onProgress?.(phase, handle.progress()), 250)
    : undefined;

  const marks: RunMarks = { startMs: loadStart, warmupEndMs: loadStart + warmupMs, endMs: 0 };
  let triggerRecord: TriggerRecord | null = null;
  let triggerTimedOut = false;
  try {
    await sleep(warmupMs, signal);
    if (trigger) {
      phase = 'baseline';
      await sleep(trigger.baselineMs, signal);
      if (!signal.aborted) {
        phase = 'rollout';
        marks.triggerStartMs = clock.nowMs();
        const result = await runCommandTrigger({
          command: trigger.command,
          timeoutMs: trigger.timeoutMs,
          clock,
          env: env.env,
          cwd: env.cwd,
          signal,
          ...(env.onTriggerOutput ? { onOutput: env.onTriggerOutput } : {}),
        });
        const { timedOut, aborted: _aborted, ...record } = result;
        triggerRecord = record;
        triggerTimedOut = timedOut;
        marks.triggerEndMs = record.endMs;
        phase = 'cooldown';
        await sleep(trigger.cooldownMs, signal);
      }
    } else {
      phase = 'measure';
      await sleep(scenario.load.durationMs as number, signal);
    }
  } finally {
    phase = 'stopping';
    marks.endMs = clock.nowMs();
    handle.stop();
  }
  const result = await handle.done;
  if (progressTimer) clearInterval(progressTimer);
  const endedAt = new Date();

  const phases = phasesOf(marks, trigger !== undefined);
  const run = result.recorder.toRunData(phases, clock.t0EpochMs, marks.endMs);
  const generator: GeneratorHealth = {
    unsent: run.intervals.reduce((n, i) => n + i.unsent, 0),
    scheduleLagP99Ms: result.health.scheduleLagP99Ms,
    scheduleLagMaxMs: result.health.scheduleLagMaxMs,
    eventLoopDelayP99Ms: result.health.eventLoopDelayP99Ms,
    eventLoopDelayMaxMs: result.health.eventLoopDelayMaxMs,
    workers: 1,
    saturated: false,
  };
  const load: Report['meta']['load'] = {
    model: scenario.load.model,
    durationMs: marks.endMs - loadStart,
    warmupMs,
    timeoutMs: scenario.target.timeoutMs,
    keepAlive: scenario.target.keepAlive,
  };
  if (scenario.load.rate !== undefined) load.rate = scenario.load.rate;
  if (scenario.load.connections !== undefined) load.connections = scenario.load.connections;

  const report = analyzeRun({
    run,
    budget: scenario.budget.maxFailureRate,
    confidence: scenario.budget.confidence,
    trigger: triggerRecord,
    events: [],
    generator,
    aborted: signal.aborted,
    meta: {
      ...env.meta,
      name: scenario.name,
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      target: { url: scenario.target.url, method: scenario.target.method },
      load,
    },
  });
  if (triggerTimedOut) report.reasons.push(`the trigger did not finish within its ${Math.round((trigger?.timeoutMs ?? 0) / 1000)} s timeout and was stopped`);
  return { report, exitCode: exitCodeOf(report) };
}
