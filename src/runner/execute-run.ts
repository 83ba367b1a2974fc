import { analyzeRun } from '../analysis/analyze.js';
import type { Clock } from '../clock.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { GeneratorHealth, ReachabilityRecord, Report, TriggerRecord } from '../report/model.js';
import type { RolloutResult } from '../analysis/verdict.js';
import { GROUP_KILL_GRACE_MS, ProcessGroups } from '../rollout/process-group.js';
import { rolloutMeta, snapshotRollout, type RolloutSnapshot } from '../rollout/triggers.js';
import type { RolloutWatch } from '../rollout/watcher.js';
import { redactDeep, redactUrl, secretsOfScenario } from '../redact.js';
import type { Scenario } from '../scenario/types.js';
import { startLoad, type LoadHandle, type LoadHealth, type LoadProgress } from '../traffic/engine.js';
import { checkReachable } from '../traffic/preflight.js';
import { clientKindOf } from '../traffic/target.js';
import type { ClusterSession } from './cluster-session.js';
import { phasesOf, type RunMarks } from './phase-plan.js';
import { checkReleaseAction, runRelease } from './release.js';
import type { JournalSink } from './journal/file-sink.js';
import { journalPlanOf, openRunJournal } from './journal/plan.js';
import { agentLoadOptionsOf, loadOptionsOf } from './load-options.js';

/** The phase the run is in, for progress lines. */
export type LivePhase = 'warmup' | 'measure' | 'baseline' | 'rollout' | 'cooldown' | 'stopping';

/** What a run needs from its surroundings; the CLI passes the real ones. */
export interface RunEnvironment {
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborts the run (Ctrl-C, SIGTERM, SIGHUP): traffic and trigger stop, the report is marked aborted. */
  signal: AbortSignal;
  /**
   * Shortens the waits of an aborted run (a second signal): requests in flight are abandoned
   * (counted as timeouts), process groups get no grace before SIGKILL; the report is still made.
   */
  hurry?: AbortSignal;
  /**
   * Owns the process groups the run starts (the trigger's, with whatever it left running), so
   * the caller can kill them at once if it must exit; the run ends them itself when its traffic
   * stops. The run makes its own when not given.
   */
  processes?: ProcessGroups;
  /** Facts for report.meta that the caller knows (tool version, command line, digest, run id). */
  meta: Pick<Report['meta'], 'tool' | 'runId' | 'commandLine' | 'scenarioDigest' | 'git' | 'machine' | 'scenario'>;
  /** Called about every 250 ms while traffic runs. */
  onProgress?: (phase: LivePhase, progress: LoadProgress) => void;
  /** Trigger output as it arrives. */
  onTriggerOutput?: (chunk: string) => void;
  /** One-line notes on what the run is doing (starting the emulator, rolling back...). */
  onNote?: (note: string) => void;
  /** Where the run's journal goes (journal.ndjson in the output folder), so a killed run can be rebuilt; unset: no journal. */
  journal?: JournalSink;
}

/** A finished run: the report and the exit code it maps to. */
export interface RunOutcome {
  report: Report;
  exitCode: ExitCode;
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

/** Ends the process groups the run still owns (what the trigger left running), and says which would not die. */
async function endProcesses(env: RunEnvironment): Promise<void> {
  if (env.processes === undefined || env.processes.size === 0) return;
  const stuck = await env.processes.endAll(GROUP_KILL_GRACE_MS, env.hurry);
  if (stuck.length > 0) env.onNote?.(`could not stop ${stuck.join(', ')}: it survived SIGKILL`);
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
  const journal = env.journal && openRunJournal(env.journal, clock, journalPlanOf(scenario, env.meta, loadOptions, startedAt, clock.t0EpochMs), loadOptions, secretsOfScenario(scenario), env.onNote);

  // The emulator just started the pods: the Service answers once they listen and the proxy has
  // followed the endpoints. A real cluster's target must answer at once. Ctrl-C here exits 130.
  const reachStartMs = clock.nowMs();
  const waitMs = session?.dataplane !== undefined && k8s ? k8s.rolloutTimeoutMs : 0;
  if (waitMs > 0) env.onNote?.(`waiting up to ${Math.round(waitMs / 1000)} s for the target to answer...`);
  const probe = await checkReachable(loadOptions, { waitMs, signal });
  const reachability: ReachabilityRecord = { method: loadOptions.method.toUpperCase(), url: redactUrl(url), ...probe, startMs: reachStartMs, endMs: clock.nowMs() };

  let watch: RolloutWatch | undefined;
  let before: RolloutSnapshot | undefined;
  if (session && k8s) {
    const { watchRollout } = await import('./kubernetes-parts.js');
    before = await snapshotRollout(session.cluster, k8s.deployment, session.namespace);
    watch = watchRollout(session.cluster, {
      namespace: session.namespace,
      deployment: k8s.deployment,
      ...(k8s.service === undefined ? {} : { service: k8s.service }),
      clock,
      // Agents start the load only after their start delay: the rollout budget counts from then.
      timeoutMs: (scenario.load.agents?.startDelayMs ?? 0) + warmupMs + (trigger?.baselineMs ?? 0) + k8s.rolloutTimeoutMs,
      signal,
    });
    await watch.ready;
  }

  // Load from agent pods (--agents N): the Job starts them; the load begins at their shared start.
  let agentLoad: Awaited<ReturnType<typeof import('./kubernetes-parts.js').startAgentLoad>> | undefined;
  if (scenario.load.agents && session) {
    const { startAgentLoad } = await import('./kubernetes-parts.js');
    agentLoad = await startAgentLoad(agentLoadOptionsOf(scenario.load.agents, session, loadOptions, env));
  }
  const loadStart = agentLoad?.startMs ?? clock.nowMs();
  const handle: LoadHandle = agentLoad ?? startLoad(loadOptions, clock);
  journal?.started(loadStart, () => watch?.events() ?? []);
  let phase: LivePhase = warmupMs > 0 ? 'warmup' : trigger ? 'baseline' : 'measure';
  const progressTimer = env.onProgress ? setInterval(() => env.onProgress?.(phase, handle.progress()), 250) : undefined;

  const marks: RunMarks = { startMs: loadStart, warmupEndMs: loadStart + warmupMs, endMs: 0 };
  let triggerRecord: TriggerRecord | null = null;
  let rollout: RolloutResult | null = null;
  try {
    await sleep(warmupMs, signal);
    if (trigger) {
      phase = 'baseline';
      await sleep(trigger.baselineMs, signal);
      if (!signal.aborted) {
        phase = 'rollout';
        marks.triggerStartMs = clock.nowMs();
        journal?.mark('trigger-start', marks.triggerStartMs);
        const release = await runRelease(trigger.action, {
          clock,
          env: env.env,
          cwd: env.cwd,
          signal,
          hurry: env.hurry,
          processes: env.processes,
          commandTimeoutMs: trigger.timeoutMs,
          session,
          watch,
          deployment: k8s?.deployment,
          ...(env.onTriggerOutput ? { onOutput: env.onTriggerOutput } : {}),
        });
        triggerRecord = release.trigger;
        rollout = release.rollout;
        marks.triggerEndMs = release.endMs;
        journal?.mark('trigger-end', release.endMs);
        journal?.trigger(triggerRecord, rollout, triggerRecord?.timedOut === true);
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
    journal?.mark('load-end', marks.endMs);
    handle.stop();
  }
  // A second signal stops the wait for requests in flight (they count as timeouts).
  let abandoned = 0;
  const abandon = (): void => {
    abandoned = handle.progress().inFlight;
    handle.abandon();
  };
  if (env.hurry?.aborted === true) abandon();
  else env.hurry?.addEventListener('abort', abandon, { once: true });
  const result = await handle.done.finally(() => env.hurry?.removeEventListener('abort', abandon));
  if (progressTimer) clearInterval(progressTimer);
  // The traffic is over: what the trigger left running (a port-forward...) has served its turn.
  await endProcesses(env);
  watch?.stop();
  const endedAt = new Date();

  const phases = phasesOf(marks, trigger !== undefined);
  const run = result.recorder.toRunData(phases, clock.t0EpochMs, marks.endMs);
  const generator = generatorHealthOf(result.health, run.intervals.reduce((n, i) => n + i.unsent, 0));
  const load: Report['meta']['load'] = {
    model: scenario.load.model,
    durationMs: marks.endMs - loadStart,
    warmupMs,
    timeoutMs: scenario.target.timeoutMs,
    keepAlive: scenario.target.keepAlive,
    client: clientKindOf(loadOptions),
  };
  if (scenario.load.rate !== undefined) load.rate = scenario.load.rate;
  if (scenario.load.connections !== undefined) load.connections = scenario.load.connections;

  let after: RolloutSnapshot | undefined;
  if (session && k8s) after = await snapshotRollout(session.cluster, k8s.deployment, session.namespace).catch(() => undefined);

  const meta: Report['meta'] = {
    ...env.meta,
    name: scenario.name,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    target: { url: redactUrl(url), method: scenario.target.method },
    load,
  };
  if (session && k8s) meta.cluster = { ...rolloutMeta(session.cluster, k8s.deployment, before, after), ...(session.dataplane === undefined ? {} : { dataplane: session.dataplane }) };

  const report = analyzeRun({
    run,
    budget: scenario.budget.maxFailureRate,
    confidence: scenario.budget.confidence,
    trigger: triggerRecord,
    rollout,
    events: watch?.events() ?? [],
    generator,
    aborted: signal.aborted,
    meta,
  });
  report.reachability = reachability;
  if (session) report.preflight = session.preflight;
  if (agentLoad) report.agents = agentLoad.agentReports();
  if (abandoned > 0) report.reasons.push(`a second signal stopped the wait for the requests still in flight (${abandoned} at that moment): those unanswered are counted as timeouts`);

  if (session && k8s?.rollbackOnFail && report.verdict === 'fail' && !signal.aborted) await rollBack(report, session, k8s, env);
  // Every renderer, the journal and the caller get a report without secrets: the trigger's command and output,
  // error texts and agents' messages may quote the URL, a header or a token.
  const safe = redactDeep(report, secretsOfScenario(scenario));
  journal?.end(safe, exitCodeOf(safe));
  return { report: safe, exitCode: exitCodeOf(safe) };
}

/** The report's view of the generator's health (`unsent` counted from the run's intervals). */
function generatorHealthOf(h: LoadHealth, unsent: number): GeneratorHealth {
  return {
    unsent,
    scheduleLagP99Ms: h.scheduleLagP99Ms,
    scheduleLagMaxMs: h.scheduleLagMaxMs,
    eventLoopDelayP99Ms: h.eventLoopDelayP99Ms,
    eventLoopDelayMaxMs: h.eventLoopDelayMaxMs,
    workers: h.workers.length,
    saturated: h.saturated,
    perWorker: h.workers.map((w) => ({
      eventLoopDelayP99Ms: w.eventLoopDelayP99Ms,
      eventLoopDelayMaxMs: w.eventLoopDelayMaxMs,
      eventLoopUtilization: w.eventLoopUtilization,
      scheduleLagP99Ms: w.scheduleLagP99Ms,
      scheduleLagMaxMs: w.scheduleLagMaxMs,
      sent: w.sent,
      unsent: w.unsent,
    })),
    saturationReasons: h.saturationReasons,
  };
}

/** `rollbackOnFail`: rolls the Deployment back after a failing verdict and says how it went in the report. */
async function rollBack(report: Report, session: ClusterSession, k8s: NonNullable<Scenario['kubernetes']>, env: RunEnvironment): Promise<void> {
  const { clock, signal } = env;
  env.onNote?.(`the verdict is fail: rolling deployment/${k8s.deployment} back to its previous revision...`);
  try {
    const { rollbackDeployment } = await import('./kubernetes-parts.js');
    const rb = await rollbackDeployment(session.cluster, {
      deployment: k8s.deployment,
      namespace: session.namespace,
      clock,
      timeoutMs: k8s.rolloutTimeoutMs,
      signal,
      ...(k8s.service === undefined ? {} : { service: k8s.service }),
    });
    rb.watch?.stop();
    report.rollback = { fromRevision: rb.fromRevision ?? null, toRevision: rb.toRevision, replicaSet: rb.replicaSet, status: rb.outcome.status, message: rb.outcome.message };
    report.reasons.push(
      rb.outcome.status === 'complete'
        ? `rolled back deployment/${k8s.deployment} to revision ${rb.toRevision} (${rb.replicaSet})`
        : `the rollback of deployment/${k8s.deployment} to revision ${rb.toRevision} did not complete: ${rb.outcome.message}`,
    );
  } catch (err) {
    report.rollback = { fromRevision: null, toRevision: '', replicaSet: '', status: 'failed', message: (err as Error).message };
    report.reasons.push(`the rollback of deployment/${k8s.deployment} failed: ${(err as Error).message}`);
  }
}
