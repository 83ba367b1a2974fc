import type { V1Deployment, V1EndpointSlice, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import { SERVICE_NAME_LABEL, type Cluster, type WatchKind } from '../cluster/cluster.js';
import { mapApiError } from '../cluster/cluster-errors.js';
import { selectorToString } from '../labels/label-selector.js';
import { InvalidInputError } from '../errors.js';
import {
  deploymentEvents,
  endpointEvents,
  endpointsOf,
  ingressEvents,
  isCrashLooping,
  maxRestarts,
  podEvents,
  replicaSetEvents,
  waitingReason,
  type DerivedEvent,
  type EndpointState,
  type RolloutEventRecord,
  type RolloutEventType,
} from './events.js';
import { ResourceTracker, type TrackerStats } from './resource-tracker.js';
import { rolloutStatus } from './rollout-status.js';

/** Options of a rollout watch. */
export interface WatchRolloutOptions {
  /** Default: the cluster's namespace. */
  namespace?: string;
  deployment: string;
  /** The Service in front of the Deployment, to watch its EndpointSlices. */
  service?: string;
  /** The Ingress the traffic goes through, to record its controller's reloads (Events on it). */
  ingress?: string;
  clock: Clock;
  /** --rollout-timeout: the watch gives up (status `timeout`) this long after it started. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** A new pod with this many restarts fails the rollout (default 3). */
  crashLoopRestarts?: number;
}

/** How a watched rollout ended. */
export interface RolloutOutcome {
  status: 'complete' | 'failed' | 'timeout' | 'aborted';
  message: string;
}

/** What the trigger did, as the watcher needs it. */
export interface TriggerSentInfo {
  /** e.g. `restart deployment/web`. */
  message?: string;
  /** metadata.generation the trigger's write produced; completion waits for the Deployment to reach it. */
  generation?: number;
}

/** A running rollout watch. */
export interface RolloutWatch {
  /** Resolves once every list is done and every watch is open: send the trigger after this. Rejects on a missing Deployment or Service. */
  readonly ready: Promise<void>;
  /**
   * Resolves when the rollout completes (kubectl's rules), fails (progress deadline exceeded, a
   * crash-looping new pod, the Deployment deleted), times out, or is aborted. Rejects only when the
   * watch could not start or the API refused it (401/403). Events keep being recorded after it
   * resolves, until stop().
   */
  readonly done: Promise<RolloutOutcome>;
  /** The events seen so far, in time order. */
  events(): RolloutEventRecord[];
  /** Records `trigger-sent` now; with a generation, completion waits for the Deployment to reach it (immediately complete if nothing changed). */
  triggerSent(info?: TriggerSentInfo): void;
  /** The Deployment as last seen. */
  deployment(): V1Deployment | undefined;
  /** Resumes and re-lists done so far per kind. */
  stats(): Record<string, TrackerStats>;
  /** Drops every open watch as a network failure would; they resume by themselves (for tests). */
  dropWatches(): void;
  /** Stops watching; an unfinished rollout ends as `aborted`. */
  stop(): void;
}

/**
 * Watches a Deployment's rollout: the Deployment, its ReplicaSets, its Pods (by its selector) and
 * the Service's EndpointSlices, from before the trigger to stop(), turning every transition into
 * a RolloutEventRecord stamped with `clock`. Completion waits for a new rollout: a generation
 * above the one seen at start (or the one passed to triggerSent).
 */
export function watchRollout(cluster: Cluster, opts: WatchRolloutOptions): RolloutWatch {
  return new RolloutWatcher(cluster, opts);
}

class RolloutWatcher implements RolloutWatch {
  readonly ready: Promise<void>;
  readonly done: Promise<RolloutOutcome>;
  private readonly recorded: RolloutEventRecord[] = [];
  private readonly namespace: string;
  private readonly trackers: Array<ResourceTracker<WatchKind>> = [];
  private resolveDone!: (o: RolloutOutcome) => void;
  private rejectDone!: (err: unknown) => void;
  private finished = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private current: V1Deployment | undefined;
  private baseGeneration = 0;
  /** Completion counts once the Deployment's generation reaches this. */
  private minGeneration = Number.POSITIVE_INFINITY;
  private terminalEventAfterStart = false;
  private readonly baselinePods = new Set<string>();
  private readonly slices = new Map<string, V1EndpointSlice>();
  private endpoints: ReadonlyMap<string, EndpointState> = new Map();
  private readonly onAbort = (): void => this.finish('aborted', 'the run was interrupted', false);

  constructor(
    private readonly cluster: Cluster,
    private readonly opts: WatchRolloutOptions,
  ) {
    this.namespace = opts.namespace ?? cluster.namespace;
    this.done = new Promise<RolloutOutcome>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => undefined);
    this.timer = setTimeout(() => this.onTimeout(), opts.timeoutMs);
    if (opts.signal !== undefined) {
      if (opts.signal.aborted) queueMicrotask(this.onAbort);
      else opts.signal.addEventListener('abort', this.onAbort, { once: true });
    }
    this.ready = this.start();
    this.ready.catch((err: unknown) => this.fail(err));
  }

  events(): RolloutEventRecord[] {
    return [...this.recorded].sort((a, b) => a.tMs - b.tMs);
  }

  deployment(): V1Deployment | undefined {
    return this.current;
  }

  stats(): Record<string, TrackerStats> {
    const out: Record<string, TrackerStats> = {};
    for (const t of this.trackers) out[t.kind] = { ...t.stats };
    return out;
  }

  dropWatches(): void {
    for (const t of this.trackers) t.dropWatch();
  }

  triggerSent(info: TriggerSentInfo = {}): void {
    this.record({ type: 'trigger-sent', object: `deployment/${this.opts.deployment}`, ...(info.message === undefined ? {} : { message: info.message }) });
    if (info.generation !== undefined) {
      this.minGeneration = info.generation;
      this.checkCompletion();
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.finish('aborted', 'the watch was stopped before the rollout finished', false);
    for (const t of this.trackers) t.stop();
  }

  private async start(): Promise<void> {
    const ns = this.namespace;
    const name = this.opts.deployment;
    const deployments = new ResourceTracker({
      cluster: this.cluster,
      kind: 'deployments',
      query: { namespace: ns, fieldSelector: `metadata.name=${name}` },
      onChange: (prev, next, seed) => this.onDeployment(prev, next, seed),
      onFatal: (err) => this.fail(err),
    });
    this.trackers.push(deployments as ResourceTracker<WatchKind>);
    await deployments.start();
    const d = deployments.current().get(name);
    if (d === undefined) {
      // Let getDeployment name the Deployments that do exist.
      await this.cluster.getDeployment(name, ns);
      throw new InvalidInputError([{ path: 'deployment', message: `Deployment "${name}" not found in namespace "${ns}"` }]);
    }
    if (this.opts.service !== undefined) await this.cluster.getService(this.opts.service, ns);
    const selector = selectorToString(d.spec?.selector);
    const uid = d.metadata?.uid;
    const starts: Array<Promise<void>> = [];
    const rs = new ResourceTracker({
      cluster: this.cluster,
      kind: 'replicasets',
      query: { namespace: ns, labelSelector: selector },
      onChange: (prev, next, seed) => {
        const owner = (next ?? prev)?.metadata?.ownerReferences?.find((o) => o.controller);
        if (owner !== undefined && uid !== undefined && owner.uid !== uid) return;
        if (!seed) this.emit(replicaSetEvents(prev as V1ReplicaSet | undefined, next as V1ReplicaSet | undefined));
      },
      onFatal: (err) => this.fail(err),
    });
    const pods = new ResourceTracker({
      cluster: this.cluster,
      kind: 'pods',
      query: { namespace: ns, labelSelector: selector },
      onChange: (prev, next, seed) => this.onPod(prev, next, seed),
      onFatal: (err) => this.fail(err),
    });
    this.trackers.push(rs as ResourceTracker<WatchKind>, pods as ResourceTracker<WatchKind>);
    starts.push(rs.start(), pods.start());
    if (this.opts.service !== undefined) {
      const slices = new ResourceTracker({
        cluster: this.cluster,
        kind: 'endpointslices',
        query: { namespace: ns, labelSelector: `${SERVICE_NAME_LABEL}=${this.opts.service}` },
        onChange: (prev, next, seed) => this.onSlice(prev, next, seed),
        onFatal: (err) => this.fail(err),
      });
      this.trackers.push(slices as ResourceTracker<WatchKind>);
      starts.push(slices.start());
    }
    if (this.opts.ingress !== undefined) {
      const ingress = this.opts.ingress;
      const events = new ResourceTracker({
        cluster: this.cluster,
        kind: 'events',
        query: { namespace: ns, fieldSelector: `involvedObject.kind=Ingress,involvedObject.name=${ingress}` },
        // Each reload is a new Event; what existed before the watch is the baseline.
        onChange: (prev, next, seed) => {
          if (!seed && prev === undefined && next !== undefined) this.emit(ingressEvents(ingress, next));
        },
        onFatal: (err) => this.fail(err),
      });
      this.trackers.push(events as ResourceTracker<WatchKind>);
      starts.push(events.start());
    }
    await Promise.all(starts);
    if (this.stopped) for (const t of this.trackers) t.stop();
  }

  private onDeployment(prev: V1Deployment | undefined, next: V1Deployment | undefined, seed: boolean): void {
    if (seed) {
      if (next !== undefined) {
        this.current = next;
        this.baseGeneration = next.metadata?.generation ?? 0;
        this.minGeneration = this.baseGeneration + 1;
      }
      return;
    }
    if (next === undefined) {
      this.current = undefined;
      this.finish('failed', `deployment "${this.opts.deployment}" was deleted during the rollout`, true);
      return;
    }
    this.current = next;
    this.emit(deploymentEvents(prev, next));
    this.checkCompletion();
  }

  private onPod(prev: V1Pod | undefined, next: V1Pod | undefined, seed: boolean): void {
    const name = (next ?? prev)?.metadata?.name ?? '';
    if (seed) {
      this.baselinePods.add(name);
      return;
    }
    this.emit(podEvents(prev, next));
    const limit = this.opts.crashLoopRestarts ?? 3;
    if (next !== undefined && !this.baselinePods.has(name) && next.metadata?.deletionTimestamp == null && isCrashLooping(next, limit)) {
      const reason = waitingReason(next);
      this.finish('failed', `new pod ${name} is crash-looping (${reason === 'CrashLoopBackOff' ? 'CrashLoopBackOff, ' : ''}${maxRestarts(next)} restarts)`, true);
    }
  }

  private onSlice(prev: V1EndpointSlice | undefined, next: V1EndpointSlice | undefined, seed: boolean): void {
    const name = (next ?? prev)?.metadata?.name ?? '';
    if (next === undefined) this.slices.delete(name);
    else this.slices.set(name, next);
    const now = endpointsOf(this.slices.values());
    if (!seed) this.emit(endpointEvents(this.endpoints, now));
    this.endpoints = now;
  }

  private checkCompletion(): void {
    const d = this.current;
    if (this.finished || d === undefined) return;
    if ((d.metadata?.generation ?? 0) < this.minGeneration) return;
    const st = rolloutStatus(d);
    if (st.failed) this.finish('failed', st.message, true);
    else if (st.done) this.finish('complete', st.message, true);
  }

  private onTimeout(): void {
    this.timer = undefined;
    if (this.finished) return;
    const where = this.current === undefined ? '' : `: ${rolloutStatus(this.current).message}`;
    const message = `the rollout did not finish within ${Math.round(this.opts.timeoutMs / 1000)} s${where}`;
    this.record({ type: 'rollout-timeout', object: `deployment/${this.opts.deployment}`, message });
    this.finish('timeout', message, false);
  }

  private finish(status: RolloutOutcome['status'], message: string, withEvent: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    if (withEvent && !this.terminalEventAfterStart) {
      this.record({ type: status === 'complete' ? 'rollout-complete' : 'rollout-failed', object: `deployment/${this.opts.deployment}`, message });
    }
    this.resolveDone({ status, message });
  }

  private fail(err: unknown): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    for (const t of this.trackers) t.stop();
    this.rejectDone(mapApiError(err, `watch the rollout of deployment ${this.namespace}/${this.opts.deployment}`, this.cluster.server));
  }

  private emit(events: DerivedEvent[]): void {
    for (const e of events) {
      // The terminal events of a rollout are the watcher's call (it knows which generation counts).
      if (e.type === 'rollout-complete' || e.type === 'rollout-failed') {
        const gen = this.current?.metadata?.generation ?? 0;
        if (gen < this.minGeneration || this.terminalEventAfterStart) continue;
        this.terminalEventAfterStart = true;
      }
      this.record(e);
    }
  }

  private record(e: { type: RolloutEventType; object: string; message?: string }): void {
    const rec: RolloutEventRecord = { tMs: this.opts.clock.nowMs(), type: e.type, object: e.object };
    if (e.message !== undefined) rec.message = e.message;
    this.recorded.push(rec);
  }
}
