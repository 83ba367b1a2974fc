import type { KObject, StoreEvent } from '../api/store-types.js';
import { type ControllerContext, objectKey, recordEvent, splitKey } from './controller-context.js';
import { rfc3339 } from './deployment-status.js';
import { type PodCondition, podCondition } from './pod-util.js';
import { WorkQueue } from './work-queue.js';

const COMPONENT = 'default-scheduler';

function nodeReady(node: KObject): boolean {
  const conds: unknown = node.status?.conditions;
  return Array.isArray(conds) && conds.some((c: { type?: string; status?: string }) => c?.type === 'Ready' && c.status === 'True');
}

/**
 * A minimal scheduler: binds every unscheduled, non-terminating pod to a Ready, schedulable node
 * (the emulator has one), setting the PodScheduled condition and then spec.nodeName, which the
 * kubelet watches for.
 */
export class Scheduler {
  private readonly queue: WorkQueue;
  private readonly unwatch: Array<() => void> = [];
  private warnedNoNode = false;

  /** Wires the scheduler to the store; call start() to begin. */
  constructor(private readonly ctx: ControllerContext) {
    this.queue = new WorkQueue(COMPONENT, (key) => this.schedule(key), ctx.log);
  }

  /** Queues every unscheduled pod and watches pods and nodes. */
  start(): void {
    const { store } = this.ctx;
    const rv = store.currentResourceVersion();
    this.enqueueUnscheduled();
    this.unwatch.push(store.watch('pods', undefined, rv, (e) => this.onPod(e)));
    this.unwatch.push(store.watch('nodes', undefined, rv, () => this.enqueueUnscheduled()));
  }

  /** Stops watching and processing. */
  async stop(): Promise<void> {
    for (const u of this.unwatch.splice(0)) u();
    await this.queue.stop();
  }

  /** Resolves when no pod is waiting to be scheduled. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueueUnscheduled(): void {
    for (const pod of this.ctx.store.list('pods', undefined).items) if (this.needsScheduling(pod)) this.queue.add(objectKey(pod));
  }

  private onPod(e: StoreEvent): void {
    if (e.type !== 'DELETED' && this.needsScheduling(e.object)) this.queue.add(objectKey(e.object));
  }

  private needsScheduling(pod: KObject): boolean {
    const sched: unknown = pod.spec?.schedulerName;
    return (
      !pod.spec?.nodeName &&
      pod.metadata.deletionTimestamp === undefined &&
      (sched === undefined || sched === COMPONENT) &&
      pod.status?.phase !== 'Succeeded' &&
      pod.status?.phase !== 'Failed'
    );
  }

  private pickNode(): KObject | undefined {
    const nodes = this.ctx.store.list('nodes', undefined).items.filter((n) => n.spec?.unschedulable !== true);
    return nodes.find(nodeReady) ?? undefined;
  }

  private schedule(key: string): void {
    const { namespace, name } = splitKey(key);
    const { store } = this.ctx;
    let pod = store.get('pods', namespace, name);
    if (pod === undefined || !this.needsScheduling(pod)) return;
    const node = this.pickNode();
    if (node === undefined) {
      if (!this.warnedNoNode) this.ctx.log(`${COMPONENT}: no Ready node to schedule pods on; waiting for one`);
      this.warnedNoNode = true;
      const cond: PodCondition = { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/0 nodes are available.', lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.now()) };
      if (podCondition(pod, 'PodScheduled')?.status !== 'False') this.setCondition(pod, cond);
      return;
    }
    this.warnedNoNode = false;
    const nodeName = node.metadata.name ?? '';
    // The condition first: the kubelet only looks at a pod once spec.nodeName is set.
    pod = this.setCondition(pod, { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(this.ctx.now()) });
    pod.spec.nodeName = nodeName;
    pod = store.update('pods', pod);
    recordEvent(this.ctx, COMPONENT, pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
  }

  private setCondition(pod: KObject, cond: PodCondition): KObject {
    pod.status ??= {};
    const conds: PodCondition[] = Array.isArray(pod.status.conditions) ? pod.status.conditions : [];
    pod.status.conditions = [...conds.filter((c) => c.type !== cond.type), cond];
    return this.ctx.store.update('pods', pod, { subresource: 'status' });
  }
}
