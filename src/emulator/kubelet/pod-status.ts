/*
 * A pod's status as the kubelet reports it: phase, conditions, container statuses (upstream
 * pkg/kubelet/status and kubelet_pods.go getPhase), written to the status subresource only when
 * it changed, as the status manager does.
 */
import type { Store } from '../api/store-types.js';
import { isoSeconds, type PodContainer } from './pod-container.js';
import type { PodAddress } from './pod-addressing.js';

type Json = Record<string, any>;

/** What the status of one pod is built from. */
export interface PodStatusView {
  containers: readonly PodContainer[];
  /** The sandbox's address; undefined until it exists. */
  address: PodAddress | undefined;
  terminating: boolean;
  restartPolicy: string;
  startTimeMs: number;
  hostIP: string;
  /** The condition types of spec.readinessGates: Ready also waits for each to be True. */
  readinessGates?: readonly string[];
}

/** The condition types of a pod's spec.readinessGates. */
export function readinessGatesOf(pod: { spec?: any }): string[] {
  const gates: unknown = pod.spec?.readinessGates;
  if (!Array.isArray(gates)) return [];
  return gates.map((g: { conditionType?: unknown }) => (typeof g?.conditionType === 'string' ? g.conditionType : '')).filter((t) => t !== '');
}

/** The pod's phase from its containers' states (upstream getPhase, as the emulator runs it). */
export function podPhase(v: PodStatusView): string {
  if (v.address === undefined) return 'Pending';
  const states = v.containers.map((c) => c.state);
  const everStarted = v.containers.some((c) => !('waiting' in c.state) || c.restartCount > 0 || 'terminated' in c.lastState);
  if (!everStarted) return 'Pending';
  const allTerminated = states.every((s) => 'terminated' in s);
  const allSucceeded = states.every((s) => 'terminated' in s && s.terminated.exitCode === 0);
  if (allTerminated && (v.terminating || v.restartPolicy !== 'Always')) {
    if (allSucceeded) return 'Succeeded';
    if (v.restartPolicy === 'OnFailure' && !v.terminating) return 'Running';
    return 'Failed';
  }
  if (states.some((s) => 'waiting' in s && (s.waiting.reason === 'ContainerCreating' || s.waiting.reason === 'ErrImagePull' || s.waiting.reason === 'ImagePullBackOff')) && !states.some((s) => 'running' in s)) {
    return v.containers.some((c) => c.restartCount > 0) ? 'Running' : 'Pending';
  }
  return 'Running';
}

/** Pod conditions that keep their lastTransitionTime until their status flips. */
export class PodConditions {
  private readonly times = new Map<string, { status: string; time: string }>();

  /** The condition `type` with `status` now; `reason` is given only when it is False. */
  condition(type: string, status: boolean, now: string, reason?: string): Json {
    const s = status ? 'True' : 'False';
    const prev = this.times.get(type);
    const time = prev && prev.status === s ? prev.time : now;
    this.times.set(type, { status: s, time });
    return { type, status: s, lastProbeTime: null, lastTransitionTime: time, ...(reason && !status ? { reason } : {}) };
  }
}

/**
 * The whole pod status: the kubelet's conditions after those others wrote (PodScheduled kept or
 * added), container statuses, addresses. `prev` is the status in the API now.
 */
export function buildPodStatus(v: PodStatusView, prev: Json | undefined, conditions: PodConditions, nowMs = Date.now()): Json {
  const now = isoSeconds(nowMs);
  const allReady = v.containers.length > 0 && v.containers.every((c) => c.ready);
  const phase = podPhase(v);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  // Upstream GeneratePodReadyCondition: Ready needs the containers and every readiness gate True.
  const prevConds = (prev?.['conditions'] ?? []) as Json[];
  const gatesOpen = (v.readinessGates ?? []).every((t) => prevConds.some((c) => c['type'] === t && c['status'] === 'True'));
  const readyReason = terminal ? 'PodCompleted' : allReady ? 'ReadinessGatesNotReady' : 'ContainersNotReady';
  const conds = [
    conditions.condition('PodReadyToStartContainers', v.address !== undefined && !terminal, now),
    conditions.condition('Initialized', true, now),
    conditions.condition('Ready', allReady && gatesOpen, now, readyReason),
    conditions.condition('ContainersReady', allReady, now, terminal ? 'PodCompleted' : 'ContainersNotReady'),
  ];
  const ours = new Set(conds.map((c) => c['type']));
  const others = ((prev?.['conditions'] ?? []) as Json[]).filter((c) => !ours.has(c['type']));
  if (!others.some((c) => c['type'] === 'PodScheduled')) others.unshift({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: isoSeconds(v.startTimeMs) });
  const status: Json = {
    phase,
    conditions: [...others, ...conds],
    hostIP: v.hostIP,
    hostIPs: [{ ip: v.hostIP }],
    startTime: isoSeconds(v.startTimeMs),
    containerStatuses: v.containers.map((c) => ({
      name: c.name,
      state: c.state,
      lastState: c.lastState,
      ready: c.ready,
      restartCount: c.restartCount,
      image: String(c.spec['image'] ?? ''),
      imageID: c.image ? `zerodrop://${String(c.spec['image'] ?? '')}` : '',
      ...(c.proc ? { containerID: `zerodrop://${c.proc.pgid}` } : {}),
      started: c.started && 'running' in c.state,
    })),
    qosClass: 'BestEffort',
  };
  if (v.address) {
    status['podIP'] = v.address.ip;
    status['podIPs'] = [{ ip: v.address.ip }];
  }
  return status;
}

/** Which pod a status manager writes. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/**
 * One pod's status manager: writes the status subresource when it changed; a conflict retries on
 * the next microtask with a fresh view, a pod gone or replaced (other uid) is left alone.
 */
export class PodStatusManager {
  private readonly conditions = new PodConditions();

  constructor(
    private readonly store: Store,
    private readonly ref: PodRef,
    /** The pod's current view; undefined when nothing more may be written (kubelet stopped). */
    private readonly view: () => PodStatusView | undefined,
    private readonly log: (m: string) => void,
  ) {}

  /** Writes the pod status if it changed. */
  write(): void {
    const v = this.view();
    if (v === undefined) return;
    const { namespace, name, uid } = this.ref;
    const cur = this.store.get('pods', namespace, name);
    if (!cur || cur.metadata.uid !== uid) return;
    const status = buildPodStatus(v, cur.status, this.conditions);
    if (JSON.stringify(cur.status) === JSON.stringify(status)) return;
    try {
      this.store.update('pods', { ...cur, status }, { subresource: 'status' });
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 409) queueMicrotask(() => this.write());
      else if (code !== 404) this.log(`kubelet: pod ${namespace}/${name} status update failed: ${(e as Error).message}`);
    }
  }
}
