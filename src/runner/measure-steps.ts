import type { AgentLoad } from '../agents/index.js';
import type { RolloutResult } from '../analysis/verdict.js';
import { redactUrl } from '../redact.js';
import type { ReachabilityRecord, TriggerRecord } from '../report/model.js';
import { GROUP_KILL_GRACE_MS } from '../rollout/process-group.js';
import { snapshotRollout, type RolloutSnapshot } from '../rollout/triggers.js';
import type { RolloutWatch } from '../rollout/watcher.js';
import type { Scenario } from '../scenario/types.js';
import { startLoad, type LoadHandle, type LoadOptions, type LoadResult } from '../traffic/engine.js';
import { checkReachable } from '../traffic/preflight.js';
import { agentLoadOptionsOf } from './load-options.js';
import type { ClusterSession } from './cluster-session.js';
import type { RunJournal } from './journal/writer.js';
import type { RunMarks } from './phase-plan.js';
import { runRelease } from './release.js';
import type { LivePhase, RunEnvironment } from './run-environment.js';

// The steps of one measurement (executeRun's `measure`), in the order it takes them.

/** Sleeps, cut short by the signal. */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
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

/** Ends the process groups the run still owns (what the trigger left running), and says which would not die. */
export async function endProcesses(env: RunEnvironment): Promise<void> {
  if (env.processes === undefined || env.processes.size === 0) return;
  const stuck = await env.processes.endAll(GROUP_KILL_GRACE_MS, env.hurry);
  if (stuck.length > 0) env.onNote?.(`could not stop ${stuck.join(', ')}: it survived SIGKILL`);
}

/**
 * Checks the target answers before traffic starts. The emulator just started the pods: the
 * Service answers once they listen and the proxy has followed the endpoints. A real cluster's
 * target must answer at once. Ctrl-C here exits 130.
 */
export async function checkTarget(scenario: Scenario, env: RunEnvironment, session: ClusterSession | undefined, loadOptions: LoadOptions): Promise<ReachabilityRecord> {
  const { clock, signal } = env;
  const k8s = scenario.kubernetes;
  const reachStartMs = clock.nowMs();
  const waitMs = session?.dataplane !== undefined && k8s ? k8s.rolloutTimeoutMs : 0;
  if (waitMs > 0) env.onNote?.(`waiting up to ${Math.round(waitMs / 1000)} s for the target to answer...`);
  const probe = await checkReachable(loadOptions, { waitMs, signal });
  return { method: loadOptions.method.toUpperCase(), url: redactUrl(loadOptions.url), ...probe, startMs: reachStartMs, endMs: clock.nowMs() };
}

/** The rollout watch of a run on a cluster, ready, and the Deployment as it was before (both undefined without a cluster). */
export async function startRolloutWatch(scenario: Scenario, env: RunEnvironment, session: ClusterSession | undefined): Promise<{ watch?: RolloutWatch; before?: RolloutSnapshot }> {
  const k8s = scenario.kubernetes;
  if (!session || !k8s) return {};
  const { watchRollout } = await import('./kubernetes-parts.js');
  const before = await snapshotRollout(session.cluster, k8s.deployment, session.namespace);
  const watch = watchRollout(session.cluster, {
    namespace: session.namespace,
    deployment: k8s.deployment,
    ...(k8s.service === undefined ? {} : { service: k8s.service }),
    ...(k8s.ingress === undefined ? {} : { ingress: k8s.ingress }),
    clock: env.clock,
    // Agents start the load only after their start delay: the rollout budget counts from then.
    timeoutMs: (scenario.load.agents?.startDelayMs ?? 0) + scenario.load.warmupMs + (scenario.trigger?.baselineMs ?? 0) + k8s.rolloutTimeoutMs,
    signal: env.signal,
  });
  await watch.ready;
  return { watch, before };
}

/** A started load: its handle, the agents' load when agents send it, and its start on the run clock. */
export interface StartedLoad {
  handle: LoadHandle;
  agentLoad: AgentLoad | undefined;
  startMs: number;
}

/** Starts the load: in this process, or from agent pods (--agents N), whose Job starts them and whose load begins at their shared start. */
export async function startRunLoad(scenario: Scenario, env: RunEnvironment, session: ClusterSession | undefined, loadOptions: LoadOptions): Promise<StartedLoad> {
  let agentLoad: AgentLoad | undefined;
  if (scenario.load.agents && session) {
    const { startAgentLoad } = await import('./kubernetes-parts.js');
    agentLoad = await startAgentLoad(agentLoadOptionsOf(scenario.load.agents, session, loadOptions, env));
  }
  const startMs = agentLoad?.startMs ?? env.clock.nowMs();
  return { handle: agentLoad ?? startLoad(loadOptions, env.clock), agentLoad, startMs };
}

/** What the trigger did during the phases (both null without a trigger, or when aborted before it). */
export interface PhasesOutcome {
  trigger: TriggerRecord | null;
  rollout: RolloutResult | null;
}

/**
 * Runs the phases while the load flows: warmup, then either the measured duration or baseline,
 * the release (trigger and rollout) and cooldown. Marks their times (and the journal's), keeps
 * `live.phase` current for the progress line, and stops the load however it ends.
 */
export async function runPhases(
  scenario: Scenario,
  env: RunEnvironment,
  parts: { session: ClusterSession | undefined; watch: RolloutWatch | undefined; journal: RunJournal | undefined; handle: LoadHandle },
  marks: RunMarks,
  live: { phase: LivePhase },
): Promise<PhasesOutcome> {
  const { clock, signal } = env;
  const { session, watch, journal, handle } = parts;
  const trigger = scenario.trigger;
  const k8s = scenario.kubernetes;
  const out: PhasesOutcome = { trigger: null, rollout: null };
  try {
    await sleep(scenario.load.warmupMs, signal);
    if (trigger) {
      live.phase = 'baseline';
      await sleep(trigger.baselineMs, signal);
      if (!signal.aborted) {
        live.phase = 'rollout';
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
        out.trigger = release.trigger;
        out.rollout = release.rollout;
        marks.triggerEndMs = release.endMs;
        journal?.mark('trigger-end', release.endMs);
        journal?.trigger(out.trigger, out.rollout, out.trigger?.timedOut === true);
        live.phase = 'cooldown';
        await sleep(trigger.cooldownMs, signal);
      }
    } else {
      live.phase = 'measure';
      await sleep(scenario.load.durationMs as number, signal);
    }
  } finally {
    live.phase = 'stopping';
    marks.endMs = clock.nowMs();
    journal?.mark('load-end', marks.endMs);
    handle.stop();
  }
  return out;
}

/**
 * Waits for the stopped load's result; a second signal stops the wait for requests in flight
 * (they count as timeouts), and `abandoned` says how many were in flight then (0: none abandoned).
 */
export async function collectLoad(handle: LoadHandle, env: RunEnvironment): Promise<{ result: LoadResult; abandoned: number }> {
  let abandoned = 0;
  const abandon = (): void => {
    abandoned = handle.progress().inFlight;
    handle.abandon();
  };
  if (env.hurry?.aborted === true) abandon();
  else env.hurry?.addEventListener('abort', abandon, { once: true });
  const result = await handle.done.finally(() => env.hurry?.removeEventListener('abort', abandon));
  return { result, abandoned };
}
