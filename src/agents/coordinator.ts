import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { Writable } from 'node:stream';
import { BatchV1Api, CoreV1Api, Log, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { apiErrorCode, apiErrorMessage } from '../cluster/cluster-errors.js';
import { CouldNotRunError } from '../errors.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import { Recorder, mergeRecorders } from '../metrics/recorder.js';
import type { LoadOptions } from '../traffic/engine.js';
import { assessSaturation, type WorkerHealth } from '../traffic/generator-health.js';
import { RateMeter, loadHealthOf, type LoadHandle, type LoadProgress, type LoadResult } from '../traffic/load-result.js';
import { wireLoadOf, type AgentSpec } from './agent-spec.js';
import { AGENT_CONTAINER, agentJob, agentSecret, type AgentsPlacement } from './job-manifest.js';
import { LineSplitter, decodeRecord, deltaToEncoded, type AgentLive, type AgentRecord, type DoneRecord, type RecorderSettings } from './protocol.js';
import { checkShardable } from './shard.js';
import { SkewEstimator } from './skew.js';

/** How an agent's part of the run ended. */
export type AgentStatus = 'completed' | 'late' | 'died' | 'evicted' | 'silent' | 'not-started' | 'incomplete';

/** One agent, as the report names it (report.agents). */
export interface AgentReport {
  index: number;
  /** Its pod, or null when none was created. */
  pod: string | null;
  status: AgentStatus;
  /** Run-clock ms (same timeline as the report's) when its last record arrived, or null. */
  lastRecordMs: number | null;
  /** Its wall clock minus the coordinator's, ms (a lower bound, see SkewEstimator), or null without records. */
  clockSkewMs: number | null;
  /** The upper bound of that offset, when known. */
  clockSkewAtMostMs?: number;
  /** How late it was ready after the shared start, ms (0: on time). */
  lateMs?: number;
  /** Requests its shard sent, as far as its records tell. */
  sent: number;
  /** Why it is not `completed`. */
  message?: string;
}

/** Inputs of {@link startAgentLoad}. */
export interface AgentLoadOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The whole run's load; each agent takes its shard. */
  load: LoadOptions;
  /** The scenario's success status ranges (the predicate in `load` does not travel). */
  successStatus: Array<[number, number]>;
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
/** An agent ready this much after the shared start counts as late (its first requests are missing). */
const LATE_TOLERANCE_MS = 50;
/** Most re-follows of one pod's log after its stream ended early. */
const MAX_FOLLOWS = 5;
/** A finished pod whose log brought nothing for this long has nothing more to say. */
const QUIET_LOG_MS = 2000;
/** Longest wait for the agents' pods to be gone after the Job is deleted. */
const CLEANUP_WAIT_MS = 30_000;
const WAITING_IMAGE_ERRORS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError']);

interface Slot {
  index: number;
  pod: string | undefined;
  replacements: string[];
  settings: RecorderSettings | undefined;
  recorder: Recorder | undefined;
  seqNext: number;
  gap: boolean;
  bad: string | undefined;
  hello: boolean;
  readyWallMs: number | undefined;
  lateMs: number;
  done: DoneRecord | undefined;
  error: string | undefined;
  lastRecvClockMs: number | null;
  /** Wall ms of the last log data seen (any line). */
  lastDataWallMs: number;
  skew: SkewEstimator;
  live: AgentLive;
  following: boolean;
  follows: number;
  streamEnded: boolean;
  abort: AbortController | undefined;
  phase: string;
  podReason: string | undefined;
  waitingReason: string | undefined;
  terminated: string | undefined;
  gone: boolean;
  goneWhileRunning: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

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
  readonly #core: CoreV1Api;
  readonly #batch: BatchV1Api;
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
  constructor(o: AgentLoadOptions, jobName: string, startMs: number, core: CoreV1Api, batch: BatchV1Api, jobCreatedWallMs: number) {
    this.#o = o;
    this.jobName = jobName;
    this.startMs = startMs;
    this.#core = core;
    this.#batch = batch;
    this.#meter = new RateMeter(o.clock.nowMs());
    this.#slots = Array.from({ length: o.placement.count }, (_, index) => ({
      index,
      pod: undefined,
      replacements: [],
      settings: undefined,
      recorder: undefined,
      seqNext: 0,
      gap: false,
      bad: undefined,
      hello: false,
      readyWallMs: undefined,
      lateMs: 0,
      done: undefined,
      error: undefined,
      lastRecvClockMs: null,
      lastDataWallMs: 0,
      skew: new SkewEstimator(jobCreatedWallMs),
      live: { sent: 0, succeeded: 0, failed: 0, unsent: 0, inFlight: 0 },
      following: false,
      follows: 0,
      streamEnded: false,
      abort: undefined,
      phase: 'Pending',
      podReason: undefined,
      waitingReason: undefined,
      terminated: undefined,
      gone: false,
      goneWhileRunning: false,
    }));
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
    void this.#batch
      .patchNamespacedJob({ name: this.jobName, namespace: this.#o.namespace, body: { spec: { suspend: true } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch))
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
        pods = (await this.#core.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: `job-name=${this.jobName}` })).items;
      } catch {
        // a passing API hiccup: the next tick asks again
      }
      if (pods !== undefined) this.#observePods(pods);
      this.#maybeFinish();
    } finally {
      this.#polling = false;
    }
  }

  #observePods(pods: V1Pod[]): void {
    const seen = new Set<string>();
    for (const pod of pods) {
      const name = pod.metadata?.name ?? '';
      const raw = pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] ?? pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'];
      const slot = raw === undefined ? undefined : this.#slots[Number(raw)];
      if (slot === undefined) continue;
      if (slot.pod === undefined) slot.pod = name;
      if (slot.pod !== name) {
        if (!slot.replacements.includes(name)) slot.replacements.push(name);
        continue;
      }
      seen.add(name);
      slot.phase = pod.status?.phase ?? 'Pending';
      slot.podReason = pod.status?.reason;
      const cs = pod.status?.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
      slot.waitingReason = cs?.state?.waiting?.reason;
      const t = cs?.state?.terminated;
      if (t !== undefined) slot.terminated = `exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`;
      const started = cs?.state?.running !== undefined || t !== undefined;
      if (started && !slot.following && slot.follows < MAX_FOLLOWS && !(slot.done || slot.error)) this.#follow(slot, name);
    }
    for (const slot of this.#slots) {
      if (slot.pod !== undefined && !seen.has(slot.pod) && !slot.gone) {
        slot.gone = true;
        slot.goneWhileRunning = !this.#stopping;
      }
    }
  }

  #follow(slot: Slot, pod: string): void {
    slot.following = true;
    slot.follows++;
    slot.streamEnded = false;
    const lines = new LineSplitter();
    const onText = (text: string): void => {
      const recvWall = Date.now();
      slot.lastDataWallMs = recvWall;
      const recvClock = this.#o.clock.nowMs();
      for (const line of lines.push(text)) this.#onLine(slot, line, recvWall, recvClock);
    };
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        onText(chunk.toString('utf8'));
        cb();
      },
      final: (cb) => {
        const rest = lines.flush();
        if (rest !== '') this.#onLine(slot, rest, Date.now(), this.#o.clock.nowMs());
        slot.following = false;
        slot.streamEnded = true;
        cb();
        void this.#tick();
      },
    });
    new Log(this.#o.kubeConfig)
      .log(this.#o.namespace, pod, AGENT_CONTAINER, sink, { follow: true, pretty: false, timestamps: false })
      .then(
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

  #onLine(slot: Slot, line: string, recvWallMs: number, recvClockMs: number): void {
    let rec: AgentRecord | undefined;
    try {
      rec = decodeRecord(line);
    } catch (err) {
      slot.bad ??= (err as Error).message;
      return;
    }
    if (rec === undefined) return;
    if (rec.index !== slot.index) {
      slot.bad ??= `a record of agent ${rec.index} in the log of agent ${slot.index}`;
      return;
    }
    if (rec.seq < slot.seqNext) return; // re-followed log: seen already
    if (rec.seq > slot.seqNext) slot.gap = true;
    slot.seqNext = rec.seq + 1;
    slot.skew.add(rec.wallMs, recvWallMs);
    slot.lastRecvClockMs = recvClockMs;
    try {
      switch (rec.type) {
        case 'hello':
          slot.hello = true;
          slot.settings = rec.settings;
          slot.recorder ??= new Recorder(rec.settings);
          return;
        case 'ready':
          slot.readyWallMs = rec.wallMs;
          return;
        case 'start':
          slot.lateMs = rec.lateMs;
          return;
        case 'interval':
          slot.live = rec.live;
          this.#merge(slot, { rows: rec.rows, statusCodes: rec.statusCodes, errorCodes: rec.errorCodes });
          return;
        case 'histograms':
          this.#merge(slot, { histograms: rec.histograms });
          return;
        case 'done':
          slot.done = rec;
          slot.abort?.abort();
          void this.#tick();
          return;
        case 'error':
          slot.error = rec.message;
          return;
      }
    } catch (err) {
      slot.bad ??= (err as Error).message;
    }
  }

  #merge(slot: Slot, delta: Parameters<typeof deltaToEncoded>[1]): void {
    if (slot.settings === undefined || slot.recorder === undefined) throw new Error('records before the hello record');
    slot.recorder.merge(Recorder.fromJSON(deltaToEncoded(slot.settings, delta)));
    // The run's journal takes the same exact deltas (an agent sends each histogram once, at the end).
    const { rows = [], statusCodes = {}, errorCodes = {}, histograms } = delta;
    this.#o.load.onDelta?.({ source: `agent-${slot.index}`, settings: slot.settings, rows: [...rows], statusCodes, errorCodes, ...(histograms === undefined ? {} : { histograms }) });
  }

  // ---- the end ----------------------------------------------------------------------------

  #slotFinal(s: Slot): boolean {
    if (s.done !== undefined || s.error !== undefined || s.gone) return true;
    // A finished container's log is complete; some servers keep a follow open until the pod is
    // deleted, so a quiet log counts as ended too.
    if (s.phase === 'Succeeded' || s.phase === 'Failed') return s.streamEnded || !s.hello || s.follows >= MAX_FOLLOWS || Date.now() - s.lastDataWallMs > QUIET_LOG_MS;
    return false;
  }

  #maybeFinish(): void {
    if (this.#finishing) return;
    const all = this.#slots.every((s) => this.#slotFinal(s));
    const pastGrace = this.#abandoned || (this.#stopping && this.#o.clock.nowMs() > (this.#stopAtMs ?? 0) + this.#o.load.timeoutMs + FLUSH_GRACE_MS);
    if (!all && !pastGrace) return;
    this.#finishing = true;
    void this.#finish();
  }

  async #deleteJob(): Promise<void> {
    try {
      await this.#batch.deleteNamespacedJob({ name: this.jobName, namespace: this.#o.namespace, propagationPolicy: 'Background' });
    } catch (err) {
      if (apiErrorCode(err) !== 404) this.#cleanupProblems.push(`job/${this.jobName}: ${apiErrorMessage(err)}`);
    }
  }

  /** Deletes the Job (its pods go by ownerReference) and the Secret, then waits until no agent pod is left. */
  async #cleanup(): Promise<void> {
    await this.#ownerPatched.catch(() => undefined);
    await this.#deleteJob();
    try {
      await this.#core.deleteNamespacedSecret({ name: this.jobName, namespace: this.#o.namespace });
    } catch (err) {
      if (apiErrorCode(err) !== 404) this.#cleanupProblems.push(`secret/${this.jobName}: ${apiErrorMessage(err)}`);
    }
    const deadline = Date.now() + CLEANUP_WAIT_MS;
    for (;;) {
      let left: string[] = [];
      try {
        left = (await this.#core.listNamespacedPod({ namespace: this.#o.namespace, labelSelector: `job-name=${this.jobName}` })).items.map((p) => p.metadata?.name ?? '');
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

  #judge(s: Slot): { status: AgentStatus; message?: string } {
    const where = `agent ${s.index} (pod ${s.pod ?? 'never created'})`;
    const last = s.lastRecvClockMs === null ? 'it sent no record' : `its last record arrived ${secs(s.lastRecvClockMs - this.startMs)} into the load`;
    if (s.done !== undefined) {
      const t = s.recorder?.totals();
      const d = s.done.totals;
      if (s.bad !== undefined) return { status: 'incomplete', message: `${where}: unreadable record (${s.bad})` };
      if (s.gap) return { status: 'incomplete', message: `${where}: records are missing from its log (sequence gap)` };
      if (t === undefined || t.sent !== d.sent || t.succeeded !== d.succeeded || t.failed !== d.failed || t.unsent !== d.unsent) {
        return { status: 'incomplete', message: `${where}: the merged records (${t?.sent ?? 0} sent) differ from its own totals (${d.sent} sent)` };
      }
      if (s.lateMs > LATE_TOLERANCE_MS) return { status: 'late', message: `${where} was ready ${secs(s.lateMs)} after the shared start: its shard's first requests are missing` };
      return { status: 'completed' };
    }
    if (s.error !== undefined) return { status: 'died', message: `${where} failed: ${s.error}; ${last}` };
    if (!s.hello) {
      const why = s.waitingReason ?? s.podReason ?? s.terminated ?? (s.pod === undefined ? 'no pod was created' : `pod ${s.phase}`);
      return { status: 'not-started', message: `${where} never started (${why}): its shard of the load is missing` };
    }
    if (s.podReason === 'Evicted' || (s.gone && s.goneWhileRunning)) {
      return { status: 'evicted', message: `${where} was ${s.podReason === 'Evicted' ? 'evicted' : 'deleted'} mid-run; ${last}: its shard's load after that is missing` };
    }
    if (s.phase === 'Failed' || s.terminated !== undefined || s.gone) {
      return { status: 'died', message: `${where} died${s.terminated ? ` (${s.terminated})` : ''} before its final records; ${last}` };
    }
    return { status: 'silent', message: `${where} stopped reporting; ${last}` };
  }

  #result(): LoadResult {
    const o = this.#o;
    const model = o.load.model;
    const now = o.clock.nowMs();
    const reports: AgentReport[] = [];
    const faults: string[] = [];
    for (const s of this.#slots) {
      const { status, message } = this.#judge(s);
      const skew = s.skew.estimate();
      const r: AgentReport = {
        index: s.index,
        pod: s.pod ?? null,
        status,
        lastRecordMs: s.lastRecvClockMs === null ? null : Math.round(s.lastRecvClockMs * 10) / 10,
        clockSkewMs: skew === null ? null : Math.round(skew.skewMs * 10) / 10,
        sent: s.done?.totals.sent ?? s.recorder?.totals().sent ?? 0,
      };
      if (skew?.atMostMs !== null && skew?.atMostMs !== undefined) r.clockSkewAtMostMs = Math.round(skew.atMostMs * 10) / 10;
      if (s.lateMs > 0) r.lateMs = Math.round(s.lateMs * 10) / 10;
      if (message !== undefined) {
        r.message = message;
        faults.push(message);
      }
      reports.push(r);
    }
    this.#reports = reports;

    const recorders = this.#slots.flatMap((s) => (s.recorder === undefined ? [] : [s.recorder]));
    const recorder =
      recorders.length > 0
        ? mergeRecorders(recorders)
        : new Recorder({ intervalMs: o.load.intervalMs ?? 100, maxLatencyMs: Math.max(1000, 2 * o.load.timeoutMs) });
    const lag = new LagRecorder();
    for (const s of this.#slots) if (s.done !== undefined) lag.merge(LagRecorder.fromJSON(s.done.lag));
    const healthy: WorkerHealth[] = this.#slots.flatMap((s) => (s.done === undefined ? [] : [s.done.health]));
    const workers: WorkerHealth[] = this.#slots.map(
      (s) =>
        s.done?.health ?? {
          index: s.index,
          sent: s.live.sent,
          unsent: s.live.unsent,
          eventLoopDelayP99Ms: null,
          eventLoopDelayMaxMs: null,
          eventLoopUtilization: 0,
          scheduleLagP99Ms: null,
          scheduleLagMaxMs: null,
        },
    );
    const own = assessSaturation(healthy, model);
    const reasons = [...own.reasons.map((r) => r.replace(/^worker (\d+)/, 'agent $1')), ...faults];
    const dones = this.#slots.flatMap((s) => (s.done === undefined ? [] : [s.done]));
    return {
      recorder,
      durationMs: dones.length > 0 ? Math.max(...dones.map((d) => d.durationMs)) : Math.max(0, (this.#stopAtMs ?? now) - this.startMs),
      stoppedEarly: dones.some((d) => d.stoppedEarly),
      startMs: this.startMs,
      endMs: dones.length > 0 ? Math.max(...dones.map((d) => d.endMs)) : now,
      health: loadHealthOf(model, lag.summary(), healthy, workers, reasons),
    };
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
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const batch = o.kubeConfig.makeApiClient(BatchV1Api);
  const name = o.jobName ?? jobNameOf();
  const startAtWallMs = Date.now() + o.startDelayMs;
  const startAtClockMs = o.clock.nowMs() + o.startDelayMs;
  const spec: AgentSpec = {
    format: 'zerodrop-agent-spec',
    version: 1,
    runId: o.runId,
    count: o.placement.count,
    load: wireLoadOf(o.load, o.successStatus),
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
    await core.createNamespacedSecret({ namespace: o.namespace, body: agentSecret(input) });
  } catch (err) {
    throw fail(`secret/${name}`, err);
  }
  const jobCreatedWallMs = Date.now();
  let job;
  try {
    job = await batch.createNamespacedJob({ namespace: o.namespace, body: agentJob(input) });
  } catch (err) {
    await core.deleteNamespacedSecret({ name, namespace: o.namespace }).catch(() => undefined);
    throw fail(`job/${name}`, err);
  }
  o.onNote?.(`started ${o.placement.count} load agents as job/${name} (image ${o.placement.image}); the load starts at ${new Date(startAtWallMs).toISOString()}`);
  const load = new AgentLoad(o, name, startAtClockMs, core, batch, jobCreatedWallMs);
  load.ownerPatched = core
    .patchNamespacedSecret(
      { name, namespace: o.namespace, body: { metadata: { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata?.uid ?? '', controller: false, blockOwnerDeletion: false }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
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
