import { QueueController } from './queue-controller.js';
import type { KObject, StoreEvent } from '../api/store-types.js';
import { type ControllerContext, objectKey, recordEvent, splitKey } from './controller-context.js';
import { jsonEqual, rfc3339 } from './deployment-status.js';
import { controllerOf, isPodReady, timeMs } from './pod-util.js';
import { WorkQueue, apiErrorCode } from './work-queue.js';

const COMPONENT = 'job-controller';
/** Label and annotation upstream puts on every pod of an Indexed Job. */
export const COMPLETION_INDEX_KEY = 'batch.kubernetes.io/job-completion-index';
/** Label naming a pod's Job (upstream sets both spellings). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

type Json = Record<string, any>;

/** What the controller remembers of a Job between syncs: which pods it already counted, and why pods went away. */
interface JobMemory {
  /** Pods counted as succeeded / failed (by uid), with their completion index (-1: none). */
  succeeded: Map<string, number>;
  failed: Map<string, number>;
  /** Pods the controller deleted itself (suspend, deadline, failure): their end is no failure. */
  ownDeletes: Set<string>;
  finishedAtMs: number | undefined;
}

function indexOf(pod: KObject): number {
  const v = pod.metadata.annotations?.[COMPLETION_INDEX_KEY] ?? pod.metadata.labels?.[COMPLETION_INDEX_KEY];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : -1;
}

function phaseOf(pod: KObject): string {
  return String(pod.status?.phase ?? 'Pending');
}

function condition(job: KObject, type: string): Json | undefined {
  const conds: unknown = job.status?.conditions;
  return Array.isArray(conds) ? (conds as Json[]).find((c) => c?.['type'] === type && c?.['status'] === 'True') : undefined;
}

/** `0-2,4,7-8`: upstream's compressed form of a set of indexes. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parses `0-2,4` back into indexes (malformed parts are skipped). */
export function parseIndexes(s: unknown): Set<number> {
  const out = new Set<number>();
  if (typeof s !== 'string') return out;
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && i - a < 100_000; i++) out.add(i);
  }
  return out;
}

/**
 * The Job controller (batch/v1), as much of upstream's as a run needs: NonIndexed and Indexed
 * completion modes (pods `<job>-<index>-<rand>` with the completion-index annotation, label and
 * JOB_COMPLETION_INDEX env), parallelism and completions, backoffLimit and backoffLimitPerIndex
 * (failedIndexes, maxFailedIndexes), podReplacementPolicy, suspend (active pods are deleted and not
 * counted as failures), activeDeadlineSeconds, the Complete / Failed / Suspended conditions with
 * SuccessCriteriaMet / FailureTarget first, status active / ready / terminating / succeeded /
 * failed / completedIndexes / startTime / completionTime, and ttlSecondsAfterFinished (the Job is
 * deleted, its pods go with it through ownerReferences). A pod deleted before it finished counts as
 * failed, as upstream's tracking finalizers make it count. Restart policy is the kubelet's part.
 */
export class JobController extends QueueController {
  protected readonly primary = 'jobs';
  private readonly memory = new Map<string, JobMemory>();

  /** Wires the controller to the store; call start() to begin. */
  constructor(ctx: ControllerContext) {
    super(ctx, COMPONENT);
  }

  protected watches(): Array<[string, (e: StoreEvent) => void]> {
    return [['jobs', (e) => this.onJob(e)], ['pods', (e) => this.onPod(e)]];
  }

  private onJob(e: StoreEvent): void {
    if (e.type === 'DELETED') {
      this.memory.delete(e.object.metadata.uid ?? '');
      return;
    }
    this.queue.add(objectKey(e.object));
  }

  private mem(uid: string): JobMemory {
    let m = this.memory.get(uid);
    if (m === undefined) {
      m = { succeeded: new Map(), failed: new Map(), ownDeletes: new Set(), finishedAtMs: undefined };
      this.memory.set(uid, m);
    }
    return m;
  }

  private onPod(e: StoreEvent): void {
    const pod = e.object;
    const ref = controllerOf(pod);
    if (ref?.kind !== 'Job') return;
    if (e.type === 'DELETED') {
      const m = this.memory.get(ref.uid);
      const uid = pod.metadata.uid ?? '';
      if (m !== undefined && !m.succeeded.has(uid) && !m.failed.has(uid) && !m.ownDeletes.has(uid) && m.finishedAtMs === undefined) {
        // Gone before it finished (evicted, deleted by hand): a failure, as upstream counts it.
        if (phaseOf(pod) === 'Succeeded') m.succeeded.set(uid, indexOf(pod));
        else m.failed.set(uid, indexOf(pod));
      }
    }
    this.queue.add(`${pod.metadata.namespace ?? 'default'}/${ref.name}`);
  }

  private deletePod(pod: KObject, m: JobMemory): void {
    m.ownDeletes.add(pod.metadata.uid ?? '');
    try {
      this.ctx.store.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '');
    } catch (err) {
      if (apiErrorCode(err) !== 404) throw err;
    }
  }

  protected sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const { store } = this.ctx;
    const job = store.get('jobs', namespace, name);
    if (job === undefined || job.metadata.deletionTimestamp !== undefined) return;
    const uid = job.metadata.uid ?? '';
    const m = this.mem(uid);
    const spec: Json = job.spec ?? {};
    const now = this.ctx.now();
    const indexed = spec['completionMode'] === 'Indexed';
    const completions: number | undefined = typeof spec['completions'] === 'number' ? spec['completions'] : undefined;
    const parallelism: number = typeof spec['parallelism'] === 'number' ? spec['parallelism'] : 1;
    const perIndexLimit: number | undefined = typeof spec['backoffLimitPerIndex'] === 'number' ? spec['backoffLimitPerIndex'] : undefined;
    const backoffLimit: number = typeof spec['backoffLimit'] === 'number' ? spec['backoffLimit'] : perIndexLimit !== undefined ? 2 ** 31 - 1 : 6;
    const replaceOnlyFailed = spec['podReplacementPolicy'] === 'Failed' || (spec['podReplacementPolicy'] === undefined && perIndexLimit !== undefined);

    const pods = store.list('pods', namespace).items.filter((p) => controllerOf(p)?.uid === uid);
    for (const p of pods) {
      const puid = p.metadata.uid ?? '';
      if (m.ownDeletes.has(puid) || m.succeeded.has(puid) || m.failed.has(puid)) continue;
      if (phaseOf(p) === 'Succeeded') m.succeeded.set(puid, indexOf(p));
      else if (phaseOf(p) === 'Failed') m.failed.set(puid, indexOf(p));
    }
    const terminal = (p: KObject): boolean => phaseOf(p) === 'Succeeded' || phaseOf(p) === 'Failed';
    const active = pods.filter((p) => !terminal(p) && p.metadata.deletionTimestamp === undefined);
    const terminating = pods.filter((p) => !terminal(p) && p.metadata.deletionTimestamp !== undefined);

    const completed = new Set<number>();
    for (const i of m.succeeded.values()) if (i >= 0) completed.add(i);
    const failuresByIndex = new Map<number, number>();
    for (const i of m.failed.values()) failuresByIndex.set(i, (failuresByIndex.get(i) ?? 0) + 1);
    const failedIndexes = new Set<number>();
    if (indexed && perIndexLimit !== undefined) for (const [i, n] of failuresByIndex) if (i >= 0 && n > perIndexLimit && !completed.has(i)) failedIndexes.add(i);
    const succeededCount = indexed ? completed.size : m.succeeded.size;
    const failedCount = m.failed.size;

    const status: Json = { ...(job.status ?? {}) };
    const conditions: Json[] = Array.isArray(status['conditions']) ? [...status['conditions']] : [];
    const setCondition = (type: string, value: boolean, reason: string, message: string): void => {
      const i = conditions.findIndex((c) => c['type'] === type);
      const s = value ? 'True' : 'False';
      if (i >= 0 && conditions[i]!['status'] === s) return;
      const c = { type, status: s, reason, message, lastProbeTime: rfc3339(now), lastTransitionTime: rfc3339(now) };
      if (i >= 0) conditions[i] = c;
      else conditions.push(c);
    };
    let finished = condition(job, 'Complete') !== undefined || condition(job, 'Failed') !== undefined;
    const finish = (ok: boolean, reason: string, message: string): void => {
      if (ok) {
        setCondition('SuccessCriteriaMet', true, 'CompletionsReached', message);
        setCondition('Complete', true, 'CompletionsReached', message);
        status['completionTime'] = rfc3339(now);
        recordEvent(this.ctx, COMPONENT, job, 'Normal', 'Completed', 'Job completed');
      } else {
        setCondition('FailureTarget', true, reason, message);
        setCondition('Failed', true, reason, message);
        recordEvent(this.ctx, COMPONENT, job, 'Warning', reason, message);
      }
      for (const p of active) this.deletePod(p, m);
      finished = true;
      m.finishedAtMs = now;
    };

    const suspended = spec['suspend'] === true;
    let activeLeft = active;
    if (!finished && suspended) {
      for (const p of active) this.deletePod(p, m);
      activeLeft = [];
      if (condition(job, 'Suspended') === undefined) {
        setCondition('Suspended', true, 'JobSuspended', 'Job suspended');
        recordEvent(this.ctx, COMPONENT, job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else if (!finished) {
      if (condition(job, 'Suspended') !== undefined) {
        setCondition('Suspended', false, 'JobResumed', 'Job resumed');
        delete status['startTime'];
      }
      status['startTime'] ??= rfc3339(now);
      const startMs = timeMs(status['startTime']);
      const deadline = spec['activeDeadlineSeconds'];
      const maxFailedIndexes = spec['maxFailedIndexes'];
      if (typeof deadline === 'number' && now >= startMs + deadline * 1000) {
        finish(false, 'DeadlineExceeded', 'Job was active longer than specified deadline');
      } else if (indexed && perIndexLimit !== undefined && typeof maxFailedIndexes === 'number' && failedIndexes.size > maxFailedIndexes) {
        finish(false, 'MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
      } else if (!(indexed && perIndexLimit !== undefined) && failedCount > backoffLimit) {
        finish(false, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      } else if (indexed) {
        const total = completions ?? 1;
        let open = 0;
        for (let i = 0; i < total; i++) if (!completed.has(i) && !failedIndexes.has(i)) open++;
        if (open === 0 && failedIndexes.size === 0) finish(true, 'CompletionsReached', 'Reached expected number of succeeded pods');
        else if (open === 0 && active.length === 0) finish(false, 'FailedIndexes', 'Job has failed indexes');
        else {
          const busy = new Set<number>();
          for (const p of active) busy.add(indexOf(p));
          if (replaceOnlyFailed) for (const p of terminating) busy.add(indexOf(p));
          let room = parallelism - active.length - (replaceOnlyFailed ? terminating.length : 0);
          for (let i = 0; i < total && room > 0; i++) {
            if (completed.has(i) || failedIndexes.has(i) || busy.has(i)) continue;
            activeLeft = [...activeLeft, this.createPod(job, i)];
            room--;
          }
        }
      } else {
        const total = completions;
        if (total !== undefined && succeededCount >= total) finish(true, 'CompletionsReached', 'Reached expected number of succeeded pods');
        else if (total === undefined && m.succeeded.size > 0 && active.length === 0) finish(true, 'CompletionsReached', 'Reached expected number of succeeded pods');
        else {
          const want = Math.min(parallelism, total === undefined ? parallelism : total - succeededCount);
          let room = want - active.length - (replaceOnlyFailed ? terminating.length : 0);
          for (; room > 0; room--) activeLeft = [...activeLeft, this.createPod(job, -1)];
        }
      }
      if (!finished && typeof deadline === 'number') this.queue.addAfter(key, Math.max(1, startMs + deadline * 1000 - now));
    }
    if (finished) activeLeft = [];

    status['active'] = activeLeft.length;
    status['ready'] = activeLeft.filter(isPodReady).length;
    status['terminating'] = terminating.length;
    status['succeeded'] = succeededCount;
    status['failed'] = failedCount;
    if (indexed) {
      const ci = formatIndexes(completed);
      if (ci === '') delete status['completedIndexes'];
      else status['completedIndexes'] = ci;
      if (perIndexLimit !== undefined) status['failedIndexes'] = formatIndexes(failedIndexes);
    }
    if (conditions.length > 0) status['conditions'] = conditions;
    if (!jsonEqual(job.status, status)) {
      job.status = status;
      store.update('jobs', job, { subresource: 'status' });
    }

    if (finished) {
      m.finishedAtMs ??= this.finishedAt(job) ?? now;
      const ttl = spec['ttlSecondsAfterFinished'];
      if (typeof ttl === 'number') {
        const at = m.finishedAtMs + ttl * 1000;
        if (now >= at) {
          try {
            store.delete('jobs', namespace, name);
          } catch (err) {
            if (apiErrorCode(err) !== 404) throw err;
          }
        } else this.queue.addAfter(key, Math.max(1, at - now));
      }
    }
  }

  private finishedAt(job: KObject): number | undefined {
    const c = condition(job, 'Complete') ?? condition(job, 'Failed');
    const t = timeMs(c?.['lastTransitionTime']);
    return t === 0 ? undefined : t;
  }

  private createPod(job: KObject, index: number): KObject {
    const name = job.metadata.name ?? '';
    const uid = job.metadata.uid ?? '';
    const template: Json = job.spec?.template ?? {};
    const meta: Json = template['metadata'] ?? {};
    const spec: Json = structuredClone(template['spec'] ?? {});
    const labels: Record<string, string> = { ...(meta['labels'] ?? {}), 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid, [JOB_NAME_LABEL]: name, 'job-name': name };
    const annotations: Record<string, string> = { ...(meta['annotations'] ?? {}) };
    if (index >= 0) {
      labels[COMPLETION_INDEX_KEY] = String(index);
      annotations[COMPLETION_INDEX_KEY] = String(index);
      spec['hostname'] ??= `${name}-${index}`.slice(0, 63);
      for (const list of ['containers', 'initContainers']) {
        if (!Array.isArray(spec[list])) continue;
        for (const c of spec[list] as Json[]) {
          const env: Json[] = Array.isArray(c['env']) ? c['env'] : [];
          if (!env.some((e) => e['name'] === 'JOB_COMPLETION_INDEX')) {
            env.push({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX_KEY}']` } } });
          }
          c['env'] = env;
        }
      }
    }
    const pod: KObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index >= 0 ? `${name}-${index}-` : `${name}-`,
        namespace: job.metadata.namespace ?? 'default',
        labels,
        annotations,
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid, controller: true, blockOwnerDeletion: true }],
      },
      spec,
      status: { phase: 'Pending' },
    };
    const created = this.ctx.store.create('pods', pod);
    recordEvent(this.ctx, COMPONENT, job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    return created;
  }
}
