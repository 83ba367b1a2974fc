import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import type { V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { Cluster } from '../cluster/cluster.js';
import { apiErrorCode, apiErrorMessage } from '../cluster/cluster-errors.js';
import { CouldNotRunError } from '../errors.js';
import { Recorder } from '../metrics/recorder.js';
import type { LoadOptions } from '../traffic/engine.js';
import { RateMeter, type LoadHandle, type LoadProgress, type LoadResult } from '../traffic/load-result.js';
import { agentLoadResult, agentReportsOf, type AgentReport } from './agent-result.js';
import { applyLine, newSlot, observePods, slotFinal, type Slot } from './agent-slot.js';
import { wireLoadOf, type AgentSpec } from './agent-spec.js';
import { AGENT_CONTAINER, agentJob, agentSecret, type AgentsPlacement } from './job-manifest.js';
import { followLines } from './log-follower.js';
import type { AgentLive } from './protocol.js';
import { checkShardable } from './shard.js';

export type { AgentReport } from './agent-result.js';
export type { AgentStatus } from './judge.js';

/** Inputs of {@link startAgentLoad}. */
export interface AgentLoadOptions {
  /** The cluster the agents' Job runs on. */
  cluster: Cluster;
  namespace: string;
  /** The whole run's load; each agent takes its shard. */
  load: LoadOptions;
  placement: AgentsPlacement;
  /** Time from creating the Job to the shared start: pods must be scheduled, pulled and ready by then. */
  startDelayMs: number;
  clock: Clock;
  signal: AbortSignal;
  runId: string;
  /** How often agents write a record (default 1000 ms). */
  reportEveryMs?: number;
  /** Job name (default `zerodrop-agents-<random>`). */
  jobName?: string;
  onNote?: (note: string) => void;
}

const POLL_MS = 500;
/** Time beyond the request timeout that agents get to stop and write their last records. */
const FLUSH_GRACE_MS = 15_000;
/** Longest wait for the agents' pods to be gone after the Job is deleted. */
const CLEANUP_WAIT_MS = 30_000;
const WAITING_IMAGE_ERRORS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function ownerOf(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${hostname()}`;
}

/**
 * A load spread over agent pods of an Indexed Job (see startAgentLoad). It follows every pod's
 * log, merges each agent's records exactly as they arrive, watches the pods for deaths and
 * evictions, and when the load ends (stop(), or every agent done) collects the last records,
 * deletes the Job and its Secret, waits for the pods to be gone, and resolves `done`.
 */
export class AgentLoad implements LoadHandle {
  readonly done: Promise<LoadResult>;
  /** The shared start on the run clock. */
  readonly startMs: number;
  /** The Job's name (and its Secret's). */
  readonly jobName: string;
  readonly #o: AgentLoadOptions;
  readonly #slots: Slot[];
  readonly #meter: RateMeter;
  #poll: NodeJS.Timeout | undefined;
  #polling = false;
  #stopping = false;
  #abandoned = false;
  #stopAtMs: number | undefined;
  #finishing = false;
  #resolve!: (r: LoadResult) => void;
  #reports: AgentReport[] = [];
  readonly #cleanupProblems: string[] = [];
  #ownerPatched: Promise<void> = Promise.resolve();

  /** Use startAgentLoad. */
  constructor(o: AgentLoadOptions, jobName: string, startMs: number, jobCreatedWallMs: number) {
    this.#o = o;
    this.jobName = jobName;
    this.startMs = startMs;
    this.#meter = new RateMeter(o.clock.nowMs());
    this.#slots = Array.from({ length: o.placement.count }, (_, index) => newSlot(index, jobCreatedWallMs));
    this.done = new Promise<LoadResult>((resolve) => {
      this.#resolve = resolve;
    });
    this.#poll = setInterval(() => void this.#tick(), POLL_MS);
    void this.#tick();
    o.signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** @internal Keeps the Secret's owner patch awaited before cleanup. */
  set ownerPatched(p: Promise<void>) {
    this.#ownerPatched = p;
  }

  /** Every agent's slot says hello (its process runs and its records arrive). */
  get helloCount(): number {
    return this.#slots.filter((s) => s.hello).length;
  }

  /** Why no agent is running yet, when a pod is stuck on its image or config (else undefined). */
  stuckReason(): string | undefined {
    if (this.helloCount > 0) return undefined;
    const s = this.#slots.find((x) => x.waitingReason !== undefined && WAITING_IMAGE_ERRORS.has(x.waitingReason));
    return s === undefined ? undefined : `agent ${s.index} (pod ${s.pod ?? '?'}) is stuck in ${s.waitingReason}`;
  }

  /** The agents as the report names them (complete once `done` resolved). */
  agentReports(): AgentReport[] {
    return this.#reports.map((r) => ({ ...r }));
  }

  /** Problems deleting the Job, its Secret or its pods (empty when everything is gone). */
  cleanupProblems(): string[] {
    return [...this.#cleanupProblems];
  }

  /** Ends the load: suspends the Job, so the Job controller deletes the pods and each agent, on SIGTERM, stops and writes its last records. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stopAtMs = this.#o.clock.nowMs();
    void this.#o.cluster
      .patchJob(this.jobName, { spec: { suspend: true } }, 'merge', this.#o.namespace)
      .catch((err: unknown) => {
        if (apiErrorCode(err) !== 404) this.#o.onNote?.(`could not suspend job/${this.jobName}: ${apiErrorMessage(err)}; deleting it instead`);
        return this.#deleteJob();
      });
    void this.#tick();
  }

  /**
   * Stops the load and stops waiting: for the agents' last records (their requests in flight are
   * not in the merge; agents without a final record are reported incomplete) and for their pods
   * to be gone. The Job and its Secret are still deleted.
   */
  abandon(): void {
    this.#abandoned = true;
    this.stop();
    void this.#tick();
  }

  progress(): LoadProgress {
    const now = this.#o.clock.nowMs();
    const sum = { sent: 0, succeeded: 0, failed: 0, unsent: 0, inFlight: 0 };
    for (const s of this.#slots) for (const k of Object.keys(sum) as Array<keyof AgentLive>) sum[k] += s.live[k];
    return {
      elapsedMs: Math.max(0, now - this.startMs),
      sent: sum.sent,
      succeeded: sum.succeeded,
      failed: sum.failed,
      unsent: sum.unsent,
      inFlight: sum.inFlight,
      recentRate: this.#meter.sample(now, sum.sent),
      recentP99Ms: null,
    };
  }

  // ---- pods and logs ----------------------------------------------------------------------

  async #tick(): Promise<void> {
    if (this.#polling || this.#finishing) return;
    this.#polling = true;
    try {
      let pods: V1Pod[] | undefined;
      try {
        pods = await this.#o.cluster.listPods(`job-name=${this.jobName}`, this.#o.namespace);
      } catch {
        // a passing API hiccup: the next tick asks again
      }
      if (pods !== undefined) for (const { slot, pod } of observePods(this.#slots, pods, this.#stopping)) this.#follow(slot, pod);
      this.#maybeFinish();
    } finally {
      this.#polling = false;
    }
  }

  #follow(slot: Slot, pod: string): void {
    slot.following = true;
    slot.follows++;
    slot.streamEnded = false;
    followLines(this.#o.cluster, this.#o.namespace, pod, AGENT_CONTAINER, () => this.#o.clock.nowMs(), {
      onData: (recvWallMs) => {
        slot.lastDataWallMs = recvWallMs;
      },
      onLine: (line, recvWallMs, recvClockMs) => {
        if (applyLine(slot, line, recvWallMs, recvClockMs, this.#o.load.onDelta)) {
          slot.abort?.abort();
          void this.#tick();
        }
      },
      onEnd: () => {
        slot.following = false;
        slot.streamEnded = true;
        void this.#tick();
      },
    }).then(
      (abort) => {
        slot.abort = abort;
      },
      () => {
        // Not started yet (400) or a passing error: the next tick follows again.
        slot.following = false;
        slot.follows--;
      },
    );
  }

  // ---- the end ----------------------------------------------------------------------------

  #maybeFinish(): void {
    if (this.#finishing) return;
    const all = this.#slots.every(slotFinal);
    const pastGrace = this.#abandoned || (this.#stopping && this.#o.clock.nowMs() > (this.#stopAtMs ?? 0) + this.#o.load.timeoutMs + FLUSH_GRACE_MS);
    if (!all && !pastGrace) return;
    this.#finishing = true;
    void this.#finish();
  }

  async #deleteJob(): Promise<void> {
    try {
      await this.#o.cluster.deleteJob(this.jobName, this.#o.namespace);
    } catch (err) {
      if (apiErrorCode(err) !== 404) this.#cleanupProblems.push(`job/${this.jobName}: ${apiErrorMessage(err)}`);
    }
  }

  /** Deletes the Job (its pods go by ownerReference) and the Secret, then waits until no agent pod is left. */
  async #cleanup(): Promise<void> {
    await this.#ownerPatched.catch(() => undefined);
    await this.#deleteJob();
    try {
      await this.#o.cluster.deleteSecret(this.jobName, this.#o.namespace);
    } catch (err) {
      if (apiErrorCode(err) !== 404) this.#cleanupProblems.push(`secret/${this.jobName}: ${apiErrorMessage(err)}`);
    }
    const deadline = Date.now() + CLEANUP_WAIT_MS;
    for (;;) {
      let left: string[] = [];
      try {
        left = (await this.#o.cluster.listPods(`job-name=${this.jobName}`, this.#o.namespace)).map((p) => p.metadata?.name ?? '');
      } catch (err) {
        this.#cleanupProblems.push(`could not check that the agent pods are gone: ${apiErrorMessage(err)}`);
        return;
      }
      if (left.length === 0) return;
      if (this.#abandoned) {
        this.#cleanupProblems.push(`not waiting for the agent pods to terminate (a second signal): ${left.join(', ')}`);
        return;
      }
      if (Date.now() > deadline) {
        this.#cleanupProblems.push(`pods still terminating after ${CLEANUP_WAIT_MS / 1000} s: ${left.join(', ')}`);
        return;
      }
      await sleep(250);
    }
  }

  async #finish(): Promise<void> {
    if (this.#poll !== undefined) clearInterval(this.#poll);
    for (const s of this.#slots) s.abort?.abort();
    await this.#cleanup();
    if (this.#cleanupProblems.length > 0) this.#o.onNote?.(`the agents' Job was not fully cleaned up: ${this.#cleanupProblems.join('; ')}`);
    this.#resolve(this.#result());
  }

  #result(): LoadResult {
    const o = this.#o;
    this.#reports = agentReportsOf(this.#slots, this.startMs);
    return agentLoadResult(this.#slots, this.#reports, {
      model: o.load.model,
      startMs: this.startMs,
      stopAtMs: this.#stopAtMs,
      nowMs: o.clock.nowMs(),
      emptyRecorder: () => new Recorder({ intervalMs: o.load.intervalMs ?? 100, maxLatencyMs: Math.max(1000, 2 * o.load.timeoutMs) }),
    });
  }
}

function jobNameOf(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const b = randomBytes(6);
  let s = '';
  for (const x of b) s += chars[x % chars.length];
  return `zerodrop-agents-${s}`;
}

/**
 * Starts a distributed load: creates a Secret with the agent spec and an Indexed Job of
 * `placement.count` agent pods in the namespace, then waits until the shared start (now +
 * `startDelayMs`, handed to every agent in the spec) and resolves with the running load, whose
 * `startMs` is that start on the run clock. Agents that were not ready by then start at once and
 * are named late. Throws (after deleting what it created) when the Job cannot be created, or when
 * by the start no agent runs because the image cannot be pulled.
 */
export async function startAgentLoad(o: AgentLoadOptions): Promise<AgentLoad> {
  checkShardable(o.load, o.placement.count);
  const name = o.jobName ?? jobNameOf();
  const startAtWallMs = Date.now() + o.startDelayMs;
  const startAtClockMs = o.clock.nowMs() + o.startDelayMs;
  const spec: AgentSpec = {
    format: 'zerodrop-agent-spec',
    version: 1,
    runId: o.runId,
    count: o.placement.count,
    load: wireLoadOf(o.load),
    startAtWallMs,
    startAtClockMs,
    t0EpochMs: o.clock.t0EpochMs,
    reportEveryMs: o.reportEveryMs ?? 1000,
  };
  const input = {
    name,
    namespace: o.namespace,
    placement: o.placement,
    spec,
    owner: `${ownerOf()} (run ${o.runId})`,
    activeDeadlineSeconds: Math.ceil((o.startDelayMs + o.load.durationMs + o.load.timeoutMs + FLUSH_GRACE_MS) / 1000) + 60,
    terminationGracePeriodSeconds: Math.ceil((o.load.timeoutMs + FLUSH_GRACE_MS) / 1000),
    ttlSecondsAfterFinished: 60,
  };
  const fail = (what: string, err: unknown): CouldNotRunError =>
    new CouldNotRunError('E_AGENTS_CREATE', `could not create the agents' ${what} in namespace ${o.namespace}: ${apiErrorMessage(err)}`, {
      cause: err,
      hint: 'the coordinator needs create/delete on secrets and jobs, patch on jobs, and get/list on pods and pods/log in that namespace',
    });
  try {
    await o.cluster.createSecret(agentSecret(input), o.namespace);
  } catch (err) {
    throw fail(`secret/${name}`, err);
  }
  const jobCreatedWallMs = Date.now();
  let job;
  try {
    job = await o.cluster.createJob(agentJob(input), o.namespace);
  } catch (err) {
    await o.cluster.deleteSecret(name, o.namespace).catch(() => undefined);
    throw fail(`job/${name}`, err);
  }
  o.onNote?.(`started ${o.placement.count} load agents as job/${name} (image ${o.placement.image}); the load starts at ${new Date(startAtWallMs).toISOString()}`);
  const load = new AgentLoad(o, name, startAtClockMs, jobCreatedWallMs);
  const owner = { apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata?.uid ?? '', controller: false, blockOwnerDeletion: false };
  load.ownerPatched = o.cluster
    .patchSecret(name, { metadata: { ownerReferences: [owner] } }, 'merge', o.namespace)
    .then(
      () => undefined,
      () => undefined,
    );

  // Wait for the shared start; give up early on an image that cannot be pulled.
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, Math.max(0, startAtClockMs - o.clock.nowMs()));
    function done(): void {
      clearTimeout(t);
      o.signal.removeEventListener('abort', done);
      resolve();
    }
    o.signal.addEventListener('abort', done, { once: true });
  });
  const stuck = load.stuckReason();
  if (stuck !== undefined && !o.signal.aborted) {
    load.stop();
    await load.done;
    throw new CouldNotRunError('E_AGENTS_NOT_STARTED', `no load agent started by the shared start: ${stuck}`, {
      hint: `check that the cluster can pull ${o.placement.image} (build and push it: see the README, "Load from many machines"), or pass --agent-image`,
    });
  }
  if (load.helloCount < o.placement.count) o.onNote?.(`${o.placement.count - load.helloCount} of ${o.placement.count} agents were not running at the shared start; they start late and are named in the report`);
  return load;
}
