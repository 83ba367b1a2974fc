import { EXIT, type ExitCode } from '../errors.js';
import type { Report } from '../report/model.js';
import { ProcessGroups } from '../rollout/process-group.js';
import { redactDeep, secretsOfScenario } from '../redact.js';
import type { Scenario } from '../scenario/types.js';
import type { ClusterSession } from './cluster-session.js';
import { checkTarget, collectLoad, endProcesses, runPhases, startRolloutWatch, startRunLoad } from './measure-steps.js';
import { phasesOf, type RunMarks } from './phase-plan.js';
import { checkReleaseAction } from './release.js';
import { analyzeMeasured, reportMetaOf, rollBack } from './run-report.js';
import type { LivePhase, RunEnvironment, RunOutcome } from './run-environment.js';
import { journalPlanOf, openRunJournal } from './journal/plan.js';
import { loadOptionsOf } from './load-options.js';
import { describeGrpcByReflection } from './grpc-reflection-step.js';

export type { LivePhase, RunEnvironment, RunOutcome } from './run-environment.js';

/** Maps a report's verdict to the exit-code contract. */
export function exitCodeOf(report: Report): ExitCode {
  if (report.aborted) return EXIT.interrupted;
  return report.verdict === 'pass' ? EXIT.pass : report.verdict === 'fail' ? EXIT.fail : EXIT.inconclusive;
}

/**
 * Runs one scenario: opens the cluster (or starts the emulator) when the scenario names a
 * Deployment, checks the target answers, sends the traffic, runs the release between baseline
 * and cooldown while watching the rollout, then judges the run. Throws only before traffic starts
 * (bad input, unreachable target or cluster); once traffic flows, every ending — pass, fail,
 * abort — yields a report. Everything it started is stopped before it returns or throws; a
 * session passed in is used as it is and left open.
 */
export async function executeRun(scenario: Scenario, given: RunEnvironment, opts: { session?: ClusterSession } = {}): Promise<RunOutcome> {
  const env: RunEnvironment = { ...given, processes: given.processes ?? new ProcessGroups() };
  try {
    return await executeOwned(scenario, env, opts);
  } finally {
    // Nothing the run started outlives it, however it ended.
    await endProcesses(env);
  }
}

async function executeOwned(scenario: Scenario, env: RunEnvironment, opts: { session?: ClusterSession }): Promise<RunOutcome> {
  const k8s = scenario.kubernetes;
  if (opts.session) {
    // A caller that runs many measurements on one cluster (the sweep) owns the session.
    if (k8s && scenario.trigger) await checkReleaseAction(scenario.trigger.action, opts.session, k8s.deployment);
    return measure(scenario, env, opts.session);
  }
  let session: ClusterSession | undefined;
  if (k8s) {
    env.onNote?.(k8s.emulator ? 'starting the embedded Kubernetes emulator and applying the manifests...' : `connecting to the cluster for deployment/${k8s.deployment}...`);
    const { openClusterSession } = await import('./kubernetes-parts.js');
    session = await openClusterSession(k8s, scenario.target, { signal: env.signal });
  }
  try {
    if (session && k8s && scenario.trigger) await checkReleaseAction(scenario.trigger.action, session, k8s.deployment);
    return await measure(scenario, env, session);
  } finally {
    await session?.stop();
  }
}

/**
 * One measurement on an open session (or none): the target's reachability, the rollout watch,
 * the load, the phases with the release, the collected result, then the report (meta, analysis,
 * rollback on a failing verdict), redacted.
 */
async function measure(scenario: Scenario, env: RunEnvironment, session: ClusterSession | undefined): Promise<RunOutcome> {
  const { clock, signal } = env;
  const trigger = scenario.trigger;
  const k8s = scenario.kubernetes;
  const startedAt = new Date();
  const warmupMs = scenario.load.warmupMs;
  const rolloutBudgetMs = k8s ? k8s.rolloutTimeoutMs : 0;
  const plannedMs = trigger
    ? warmupMs + trigger.baselineMs + Math.max(trigger.timeoutMs, rolloutBudgetMs) + trigger.cooldownMs + 10_000
    : warmupMs + (scenario.load.durationMs as number);
  const url = scenario.target.url ?? session?.targetUrl ?? '';
  const loadOptions = loadOptionsOf(scenario, url, plannedMs);
  // The Ingress rule's Host, unless the scenario sets its own.
  if (session !== undefined && Object.keys(session.targetHeaders).length > 0 && !Object.keys(loadOptions.headers).some((h) => h.toLowerCase() === 'host')) {
    loadOptions.headers = { ...session.targetHeaders, ...loadOptions.headers };
  }
  const journal = env.journal && openRunJournal(env.journal, clock, journalPlanOf(scenario, env.meta, loadOptions, startedAt, clock.t0EpochMs), loadOptions, secretsOfScenario(scenario), env.onNote);

  const reachability = await checkTarget(scenario, env, session, loadOptions);
  // A gRPC method without a .proto: the server, now answering, describes it.
  await describeGrpcByReflection(scenario, loadOptions, env);
  const { watch, before } = await startRolloutWatch(scenario, env, session);
  const { handle, agentLoad, stream, startMs: loadStart } = await startRunLoad(scenario, env, session, loadOptions);
  if (stream) journal?.connectionsFrom(() => stream.connections());
  journal?.started(loadStart, () => watch?.events() ?? []);
  const live: { phase: LivePhase } = { phase: warmupMs > 0 ? 'warmup' : trigger ? 'baseline' : 'measure' };
  const progressTimer = env.onProgress ? setInterval(() => env.onProgress?.(live.phase, handle.progress()), 250) : undefined;

  const marks: RunMarks = { startMs: loadStart, warmupEndMs: loadStart + warmupMs, endMs: 0 };
  const phases = await runPhases(scenario, env, { session, watch, journal, handle }, marks, live);
  const { result, abandoned } = await collectLoad(handle, env);
  if (progressTimer) clearInterval(progressTimer);
  // The traffic is over: what the trigger left running (a port-forward...) has served its turn.
  await endProcesses(env);
  watch?.stop();
  const endedAt = new Date();

  const run = result.recorder.toRunData(phasesOf(marks, trigger !== undefined), clock.t0EpochMs, marks.endMs);
  const meta = await reportMetaOf(scenario, env, session, loadOptions, { startedAt, endedAt, loadStartMs: loadStart, loadEndMs: marks.endMs }, before);
  const report = analyzeMeasured(scenario, env, run, meta, { health: result.health, phases, watch, reachability, session, agentLoad, abandoned, ...(stream === undefined ? {} : { connections: stream.connections() }) });

  if (session && k8s?.rollbackOnFail && report.verdict === 'fail' && !signal.aborted) await rollBack(report, session, k8s, env);
  // Every renderer, the journal and the caller get a report without secrets: the trigger's command and output,
  // error texts and agents' messages may quote the URL, a header or a token.
  const safe = redactDeep(report, secretsOfScenario(scenario));
  journal?.end(safe, exitCodeOf(safe));
  return { report: safe, exitCode: exitCodeOf(safe) };
}
