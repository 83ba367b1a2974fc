import { QueueController } from './queue-controller.js';
import type { KObject, StoreEvent } from '../api/store-types.js';
import { type ControllerContext, objectKey, recordEvent, splitKey } from './controller-context.js';
import { jsonEqual, rfc3339 } from './deployment-status.js';
import { selectorMatches as matchesLabelSelector } from '../../labels/label-selector.js';
import { controllerOf, isPodActive, isPodAvailable, isPodReady, podAvailableAtMs, podsToDelete } from './pod-util.js';
import { WorkQueue, apiErrorCode } from './work-queue.js';

const COMPONENT = 'replicaset-controller';
/** Upstream's burstReplicas: the most pods created or deleted in one sync. */
const BURST_REPLICAS = 500;

function specReplicas(rs: KObject): number {
  return typeof rs.spec?.replicas === 'number' ? rs.spec.replicas : 1;
}

function labelsMatch(template: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(template ?? {})) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * The ReplicaSet controller: creates pods from the template until spec.replicas are active,
 * deletes the surplus in upstream's order, and reports replicas, fullyLabeledReplicas,
 * readyReplicas, availableReplicas (minReadySeconds) and observedGeneration.
 */
export class ReplicaSetController extends QueueController {
  protected readonly primary = 'replicasets';

  /** Wires the controller to the store; call start() to begin. */
  constructor(ctx: ControllerContext) {
    super(ctx, COMPONENT);
  }

  protected watches(): Array<[string, (e: StoreEvent) => void]> {
    return [['replicasets', (e) => this.queue.add(objectKey(e.object))], ['pods', (e) => this.onPod(e)]];
  }

  private onPod(e: StoreEvent): void {
    const pod = e.object;
    const ns = pod.metadata.namespace ?? 'default';
    const ref = controllerOf(pod);
    if (ref !== undefined) {
      if (ref.kind === 'ReplicaSet') this.queue.add(`${ns}/${ref.name}`);
      return;
    }
    if (e.type === 'DELETED' || !isPodActive(pod)) return;
    // An orphan: a ReplicaSet that selects it may adopt it.
    for (const rs of this.ctx.store.list('replicasets', ns).items) {
      if (matchesLabelSelector(rs.spec?.selector, pod.metadata.labels)) this.queue.add(objectKey(rs));
    }
  }

  protected sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const { store } = this.ctx;
    const rs = store.get('replicasets', namespace, name);
    if (rs === undefined) return;
    const uid = rs.metadata.uid;
    const pods = store.list('pods', namespace).items;
    let owned: KObject[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (ref?.uid === uid) owned.push(pod);
      else if (ref === undefined && rs.metadata.deletionTimestamp === undefined && isPodActive(pod) && matchesLabelSelector(rs.spec?.selector, pod.metadata.labels)) {
        owned.push(this.adopt(rs, pod));
      }
    }
    owned = owned.filter(isPodActive);

    let failure: { reason: string; message: string } | undefined;
    if (rs.metadata.deletionTimestamp === undefined) {
      const done = this.manageReplicas(rs, owned, pods);
      owned = done.active;
      failure = done.failure;
    }
    this.updateStatus(rs, owned, key, failure);
    // A failed create or delete is retried with backoff, as upstream requeues on manageReplicas errors.
    if (failure !== undefined) throw new Error(`${rs.metadata.name ?? ''}: ${failure.reason}: ${failure.message}`);
  }

  private adopt(rs: KObject, pod: KObject): KObject {
    pod.metadata.ownerReferences = [
      ...(pod.metadata.ownerReferences ?? []),
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name ?? '', uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
    ];
    return this.ctx.store.update('pods', pod);
  }

  /** Creates or deletes pods; returns the active pods as they are after that, and a failure if any. */
  private manageReplicas(rs: KObject, active: KObject[], allPods: readonly KObject[]): { active: KObject[]; failure?: { reason: string; message: string } } {
    const want = specReplicas(rs);
    const diff = active.length - want;
    if (diff < 0) {
      const created: KObject[] = [];
      try {
        for (let i = 0; i < Math.min(-diff, BURST_REPLICAS); i++) created.push(this.createPod(rs));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        recordEvent(this.ctx, COMPONENT, rs, 'Warning', 'FailedCreate', `Error creating: ${message}`);
        return { active: [...active, ...created], failure: { reason: 'FailedCreate', message } };
      }
      return { active: [...active, ...created] };
    }
    if (diff > 0) {
      const victims = podsToDelete(active, this.relatedPods(rs, allPods), Math.min(diff, BURST_REPLICAS), this.ctx.now());
      const gone = new Set<string>();
      let failure: { reason: string; message: string } | undefined;
      for (const pod of victims) {
        const podName = pod.metadata.name ?? '';
        try {
          this.ctx.store.delete('pods', pod.metadata.namespace, podName);
          recordEvent(this.ctx, COMPONENT, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${podName}`);
        } catch (err) {
          if (apiErrorCode(err) !== 404) {
            failure ??= { reason: 'FailedDelete', message: err instanceof Error ? err.message : String(err) };
            continue;
          }
        }
        gone.add(pod.metadata.uid ?? '');
      }
      const left = active.filter((p) => !gone.has(p.metadata.uid ?? ''));
      return failure === undefined ? { active: left } : { active: left, failure };
    }
    return { active };
  }

  /** Active pods of every ReplicaSet with the same owner (they rank doubled-up pods). */
  private relatedPods(rs: KObject, allPods: readonly KObject[]): KObject[] {
    const owner = controllerOf(rs);
    const uids = new Set<string>([rs.metadata.uid ?? '']);
    if (owner !== undefined) {
      for (const other of this.ctx.store.list('replicasets', rs.metadata.namespace).items) {
        if (controllerOf(other)?.uid === owner.uid) uids.add(other.metadata.uid ?? '');
      }
    }
    return allPods.filter((p) => isPodActive(p) && uids.has(controllerOf(p)?.uid ?? ''));
  }

  private createPod(rs: KObject): KObject {
    const template = rs.spec?.template ?? {};
    const meta = template.metadata ?? {};
    const name = rs.metadata.name ?? '';
    const pod: KObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${name.slice(0, 57)}-`,
        namespace: rs.metadata.namespace ?? 'default',
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(template.spec ?? {}),
      status: { phase: 'Pending' },
    };
    if (meta.labels !== undefined) pod.metadata.labels = structuredClone(meta.labels);
    if (meta.annotations !== undefined) pod.metadata.annotations = structuredClone(meta.annotations);
    if (Array.isArray(meta.finalizers)) pod.metadata.finalizers = [...meta.finalizers];
    const created = this.ctx.store.create('pods', pod);
    recordEvent(this.ctx, COMPONENT, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name ?? ''}`);
    return created;
  }

  private updateStatus(rs: KObject, active: readonly KObject[], key: string, failure: { reason: string; message: string } | undefined): void {
    const minReady = typeof rs.spec?.minReadySeconds === 'number' ? rs.spec.minReadySeconds : 0;
    const now = this.ctx.now();
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    let nextAvailableAt = Infinity;
    for (const pod of active) {
      if (labelsMatch(rs.spec?.template?.metadata?.labels, pod.metadata.labels)) fullyLabeled++;
      if (!isPodReady(pod)) continue;
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      else nextAvailableAt = Math.min(nextAvailableAt, podAvailableAtMs(pod, minReady) ?? Infinity);
    }
    const status: Record<string, unknown> = {
      ...(rs.status ?? {}),
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: rs.metadata.generation ?? 0,
    };
    // ReplicaFailure: set on a failed create/delete (kept while it lasts), removed once manage succeeds.
    const conds = (Array.isArray(rs.status?.conditions) ? rs.status.conditions : []) as Array<{ type: string }>;
    const others = conds.filter((c) => c.type !== 'ReplicaFailure');
    const existing = conds.find((c) => c.type === 'ReplicaFailure');
    if (failure !== undefined) {
      const cond = existing ?? { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: rfc3339(now) };
      status['conditions'] = [...others, cond];
    } else if (others.length > 0) status['conditions'] = others;
    else delete status['conditions'];
    if (!jsonEqual(rs.status, status)) {
      rs.status = status;
      this.ctx.store.update('replicasets', rs, { subresource: 'status' });
    }
    // minReadySeconds: look again when the next Ready pod turns available.
    if (Number.isFinite(nextAvailableAt)) this.queue.addAfter(key, Math.max(1, nextAvailableAt - now));
  }
}
