import { readFile } from 'node:fs/promises';
import type { RolloutResult } from '../analysis/verdict.js';
import type { Clock } from '../clock.js';
import { InvalidInputError } from '../errors.js';
import type { TriggerRecord } from '../report/model.js';
import { runCommandTrigger } from '../rollout/command-trigger.js';
import type { ProcessGroups } from '../rollout/process-group.js';
import { deploymentFromManifest, loadPatch, resolveImageChange, sendTrigger, type TriggerSpec } from '../rollout/triggers.js';
import type { RolloutWatch } from '../rollout/watcher.js';
import type { TriggerAction } from '../scenario/types.js';
import type { ClusterSession } from './cluster-session.js';

/** What the release did: the trigger as the report records it, and how the watched rollout ended. */
export interface ReleaseOutcome {
  trigger: TriggerRecord | null;
  rollout: RolloutResult | null;
  startMs: number;
  endMs: number;
  /** The command timed out (command kind). */
  timedOut: boolean;
}

/** Everything a release needs from the run. */
export interface ReleaseContext {
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  signal: AbortSignal;
  /** A second signal: shortens the grace when the command's process group is ended. */
  hurry?: AbortSignal | undefined;
  /** Takes over what the command leaves running in its process group, to end it with the run. */
  processes?: ProcessGroups | undefined;
  commandTimeoutMs: number;
  session: ClusterSession | undefined;
  watch: RolloutWatch | undefined;
  deployment: string | undefined;
  onOutput?: (chunk: string) => void;
}

/** The cluster trigger spec of a scenario action (every kind but `command`). */
function clusterSpec(action: Exclude<TriggerAction, { kind: 'command' }>): TriggerSpec {
  switch (action.kind) {
    case 'patch':
      return { kind: 'patch', ...(action.patch === undefined ? {} : { patch: action.patch }), ...(action.file === undefined ? {} : { file: action.file }), patchType: action.patchType };
    default:
      return action;
  }
}

/**
 * Checks, before any traffic, that the release action can be carried out on this Deployment: not
 * paused for a restart, the container of an image change exists, the patch or manifest parses.
 */
export async function checkReleaseAction(action: TriggerAction, session: ClusterSession, deployment: string): Promise<void> {
  if (action.kind === 'command' || action.kind === 'watch') return;
  const d = await session.cluster.getDeployment(deployment, session.namespace);
  const read = (p: string): Promise<string> => readFile(p, 'utf8');
  switch (action.kind) {
    case 'restart':
      if (d.spec?.paused === true) {
        throw new InvalidInputError([{ path: 'trigger.restart', message: `deployment/${deployment} is paused: a restart would not roll out` }], `run \`kubectl rollout resume deployment/${deployment}\` first`);
      }
      return;
    case 'image':
      resolveImageChange(d, action.image);
      return;
    case 'patch':
      await loadPatch(clusterSpec(action) as Extract<TriggerSpec, { kind: 'patch' }>, read);
      return;
    case 'apply':
      deploymentFromManifest(await read(action.file).catch((err: Error) => {
        throw new InvalidInputError([{ path: 'trigger.apply', message: `cannot read ${action.file}: ${err.message}` }]);
      }), deployment, session.namespace, action.file);
      return;
  }
}

function rolloutResult(outcome: { status: RolloutResult['status']; message: string }, deployment: string): RolloutResult {
  return { status: outcome.status, message: outcome.message, object: `deployment/${deployment}` };
}

/**
 * Carries out the release: runs the command, or changes the Deployment through the API, and —
 * when a rollout is watched — waits until it completes, fails or times out. The rollout phase
 * lasts until both the command and the rollout are done.
 */
export async function runRelease(action: TriggerAction, ctx: ReleaseContext): Promise<ReleaseOutcome> {
  const { clock, watch } = ctx;
  const startMs = clock.nowMs();
  if (action.kind === 'command') {
    watch?.triggerSent({ message: action.command });
    const env = ctx.session?.kubeconfigPath === undefined ? ctx.env : { ...ctx.env, KUBECONFIG: ctx.session.kubeconfigPath };
    const result = await runCommandTrigger({
      command: action.command,
      timeoutMs: ctx.commandTimeoutMs,
      clock,
      env,
      cwd: ctx.cwd,
      signal: ctx.signal,
      ...(ctx.hurry ? { hurry: ctx.hurry } : {}),
      ...(ctx.processes ? { processes: ctx.processes } : {}),
      ...(ctx.onOutput ? { onOutput: ctx.onOutput } : {}),
    });
    const { timedOut, aborted: _aborted, ...rest } = result;
    const trigger: TriggerRecord = timedOut ? { ...rest, timedOut: true, timeoutMs: ctx.commandTimeoutMs } : rest;
    let rollout: RolloutResult | null = null;
    // A failed or timed-out command may never have started a rollout: do not wait for one then.
    if (watch && ctx.deployment !== undefined && trigger.exitCode === 0 && !timedOut) rollout = rolloutResult(await watch.done, ctx.deployment);
    return { trigger, rollout, startMs, endMs: clock.nowMs(), timedOut };
  }

  const session = ctx.session as ClusterSession;
  const deployment = ctx.deployment as string;
  if (action.kind === 'watch') {
    const outcome = watch ? await watch.done : { status: 'aborted' as const, message: 'not watched' };
    return { trigger: null, rollout: rolloutResult(outcome, deployment), startMs, endMs: clock.nowMs(), timedOut: false };
  }
  let trigger: TriggerRecord;
  try {
    const sent = await sendTrigger(session.cluster, clusterSpec(action), { deployment, namespace: session.namespace, clock });
    watch?.triggerSent({ message: sent.description, ...(sent.generation === undefined ? {} : { generation: sent.generation }) });
    trigger = { command: sent.description, startMs: sent.startMs, endMs: sent.endMs, exitCode: 0, signal: null, output: '', outputTruncated: false };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    trigger = { command: `${action.kind} deployment/${deployment}`, startMs, endMs: clock.nowMs(), exitCode: 1, signal: null, output: message, outputTruncated: false };
    return { trigger, rollout: null, startMs, endMs: clock.nowMs(), timedOut: false };
  }
  const rollout = watch ? rolloutResult(await watch.done, deployment) : null;
  return { trigger, rollout, startMs, endMs: clock.nowMs(), timedOut: false };
}
