import type { V1Deployment, V1EndpointSlice, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { rolloutStatus } from './rollout-status.js';

/** Every kind of rollout event the watcher records (report.json `events[].type`). */
export const ROLLOUT_EVENT_TYPES = [
  'trigger-sent',
  'replicaset-created',
  'replicaset-scaled',
  'pod-created',
  'pod-scheduled',
  'pod-ready',
  'pod-not-ready',
  'pod-terminating',
  'pod-killed',
  'pod-deleted',
  'pod-restarted',
  'endpoint-added',
  'endpoint-ready',
  'endpoint-not-ready',
  'endpoint-terminating',
  'endpoint-removed',
  'ingress-reload',
  'rollout-progressing',
  'rollout-complete',
  'rollout-failed',
  'rollout-timeout',
] as const;

/**
 * One kind of rollout event. `pod-killed`: a container ended by SIGKILL (exit 137) while its pod
 * was terminating. `ingress-reload`: the Ingress's controller reloaded its proxy (the message names
 * the endpoints added and removed).
 */
export type RolloutEventType = (typeof ROLLOUT_EVENT_TYPES)[number];

/** A timestamped thing the rollout did (filled by the coordinator; empty without one). */
export interface RolloutEventRecord {
  tMs: number;
  type: string;
  object: string;
  message?: string;
}

/** A rollout event before it is stamped with the clock. */
export interface DerivedEvent {
  type: RolloutEventType;
  /** `kind/name`, e.g. `pod/web-7d9f-abcde`, `endpoint/web-7d9f-abcde`. */
  object: string;
  message?: string;
}

/** Exit code of a process ended by SIGKILL (128 + 9). */
export const SIGKILL_EXIT_CODE = 137;

/** Label the Deployment controller puts on ReplicaSets and their pods. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** Annotation that carries the rollout revision on Deployments and ReplicaSets. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

function ev(type: RolloutEventType, object: string, message?: string): DerivedEvent {
  return message === undefined ? { type, object } : { type, object, message };
}

// ---------------------------------------------------------------- Deployment

/**
 * Events of one Deployment change: a spec change (generation bump) and a new Progressing reason
 * give rollout-progressing; reaching kubectl's complete or failed state gives rollout-complete or
 * rollout-failed. The first sight of a Deployment (prev undefined) is the baseline: no events.
 */
export function deploymentEvents(prev: V1Deployment | undefined, next: V1Deployment | undefined): DerivedEvent[] {
  if (prev === undefined || next === undefined) return [];
  const object = `deployment/${next.metadata?.name ?? ''}`;
  const out: DerivedEvent[] = [];
  const g0 = prev.metadata?.generation ?? 0;
  const g1 = next.metadata?.generation ?? 0;
  if (g1 > g0) out.push(ev('rollout-progressing', object, `generation ${g0} -> ${g1} (spec or annotations changed)`));
  const r0 = progressingReason(prev);
  const r1 = progressingReason(next);
  if (r1 !== undefined && r1 !== r0 && r1 !== 'ProgressDeadlineExceeded' && r1 !== 'NewReplicaSetAvailable') {
    const msg = next.status?.conditions?.find((c) => c.type === 'Progressing')?.message;
    out.push(ev('rollout-progressing', object, msg === undefined || msg === '' ? r1 : `${r1}: ${msg}`));
  }
  const s0 = rolloutStatus(prev);
  const s1 = rolloutStatus(next);
  if (s1.done && s1.failed && !(s0.done && s0.failed)) out.push(ev('rollout-failed', object, s1.message));
  else if (s1.done && !s1.failed && !(s0.done && !s0.failed)) out.push(ev('rollout-complete', object, s1.message));
  return out;
}

function progressingReason(d: V1Deployment): string | undefined {
  return d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
}

// ---------------------------------------------------------------- ReplicaSet

/** The revision annotation of a Deployment or ReplicaSet, or undefined. */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } } | undefined): string | undefined {
  return obj?.metadata?.annotations?.[REVISION_ANNOTATION];
}

/** Images of a pod template by container name. */
export function imagesOf(spec: { containers?: Array<{ name: string; image?: string }> } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of spec?.containers ?? []) out[c.name] = c.image ?? '';
  return out;
}

/** Events of one ReplicaSet change: created (with its revision and images), and each change of its desired replicas. */
export function replicaSetEvents(prev: V1ReplicaSet | undefined, next: V1ReplicaSet | undefined): DerivedEvent[] {
  if (next === undefined) return [];
  const object = `replicaset/${next.metadata?.name ?? ''}`;
  const want = next.spec?.replicas ?? 1;
  if (prev === undefined) {
    const rev = revisionOf(next);
    const images = Object.entries(imagesOf(next.spec?.template?.spec)).map(([c, i]) => `${c}=${i}`).join(', ');
    return [ev('replicaset-created', object, `${rev === undefined ? '' : `revision ${rev}, `}${want} replicas${images === '' ? '' : `, ${images}`}`)];
  }
  const had = prev.spec?.replicas ?? 1;
  if (had !== want) return [ev('replicaset-scaled', object, `scaled ${want > had ? 'up' : 'down'} ${had} -> ${want}`)];
  return [];
}

// ---------------------------------------------------------------- Pod

function isScheduled(p: V1Pod): boolean {
  if (p.spec?.nodeName) return true;
  return p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True') ?? false;
}

/** True when the pod's Ready condition is True. */
export function isPodReady(p: V1Pod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function isTerminating(p: V1Pod): boolean {
  return p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;
}

function restartsOf(p: V1Pod): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of p.status?.containerStatuses ?? []) m.set(s.name, s.restartCount ?? 0);
  return m;
}

/** The reason a container of the pod waits with (e.g. CrashLoopBackOff), first found. */
export function waitingReason(p: V1Pod): string | undefined {
  for (const s of p.status?.containerStatuses ?? []) {
    const r = s.state?.waiting?.reason;
    if (r) return r;
  }
  return undefined;
}

/** Highest restartCount over the pod's containers. */
export function maxRestarts(p: V1Pod): number {
  let n = 0;
  for (const s of p.status?.containerStatuses ?? []) n = Math.max(n, s.restartCount ?? 0);
  return n;
}

/** A pod is crash-looping when a container waits in CrashLoopBackOff or restarted `minRestarts` times (default 3). */
export function isCrashLooping(p: V1Pod, minRestarts = 3): boolean {
  return waitingReason(p) === 'CrashLoopBackOff' || maxRestarts(p) >= minRestarts;
}

function exitWords(t: { exitCode?: number; signal?: number; reason?: string }): string {
  const code = t.exitCode;
  const sig = code === SIGKILL_EXIT_CODE || t.signal === 9 ? ' (SIGKILL)' : code === 143 || t.signal === 15 ? ' (SIGTERM)' : '';
  return `exit ${code ?? '?'}${sig}${t.reason ? `, ${t.reason}` : ''}`;
}

/** Containers of the pod that are terminated with their exit, e.g. `app exit 137 (SIGKILL)`. */
function terminatedContainers(p: V1Pod): Array<{ name: string; killed: boolean; words: string }> {
  const out: Array<{ name: string; killed: boolean; words: string }> = [];
  for (const s of p.status?.containerStatuses ?? []) {
    const t = s.state?.terminated;
    if (t) out.push({ name: s.name, killed: t.exitCode === SIGKILL_EXIT_CODE || t.signal === 9, words: exitWords(t) });
  }
  return out;
}

/**
 * Events of one Pod change, as the transitions from prev to next: created, scheduled, ready /
 * not-ready, terminating, a container killed by SIGKILL while terminating, restarted (restartCount
 * up; the message names CrashLoopBackOff), deleted. A pod first seen in a later state (after a
 * re-list) gets every transition it went through, so none is lost.
 */
export function podEvents(prev: V1Pod | undefined, next: V1Pod | undefined): DerivedEvent[] {
  const meta = (next ?? prev)?.metadata;
  const object = `pod/${meta?.name ?? ''}`;
  const out: DerivedEvent[] = [];
  if (next === undefined) {
    if (prev === undefined) return out;
    if (!isTerminating(prev)) out.push(ev('pod-terminating', object, 'deleted without a grace period'));
    const ended = terminatedContainers(prev).map((c) => `${c.name} ${c.words}`);
    out.push(ev('pod-deleted', object, ended.length > 0 ? `containers ended: ${ended.join('; ')}` : undefined));
    return out;
  }
  if (prev === undefined) {
    const owner = next.metadata?.ownerReferences?.find((o) => o.controller)?.name;
    out.push(ev('pod-created', object, owner === undefined ? undefined : `of replicaset/${owner}`));
  }
  if (isScheduled(next) && (prev === undefined || !isScheduled(prev))) {
    out.push(ev('pod-scheduled', object, next.spec?.nodeName ? `on node ${next.spec.nodeName}` : undefined));
  }
  // Restarts come before readiness: a restarted container is why a pod goes not-ready then ready.
  const before = prev === undefined ? new Map<string, number>() : restartsOf(prev);
  for (const s of next.status?.containerStatuses ?? []) {
    const n = s.restartCount ?? 0;
    const had = before.get(s.name) ?? 0;
    if (n > had) {
      const last = s.lastState?.terminated;
      const waiting = s.state?.waiting?.reason;
      const parts = [`container ${s.name} restarted (restartCount ${n})`];
      if (last) parts.push(`last ${exitWords(last)}`);
      if (waiting === 'CrashLoopBackOff') parts.push('CrashLoopBackOff');
      out.push(ev('pod-restarted', object, parts.join(', ')));
    } else if (s.state?.waiting?.reason === 'CrashLoopBackOff' && prev !== undefined) {
      const prevWaiting = prev.status?.containerStatuses?.find((c) => c.name === s.name)?.state?.waiting?.reason;
      if (prevWaiting !== 'CrashLoopBackOff') out.push(ev('pod-restarted', object, `container ${s.name} in CrashLoopBackOff (restartCount ${n})`));
    }
  }
  const wasReady = prev !== undefined && isPodReady(prev);
  const ready = isPodReady(next);
  const terminating = isTerminating(next);
  if (terminating && (prev === undefined || !isTerminating(prev))) {
    const grace = next.metadata?.deletionGracePeriodSeconds ?? next.spec?.terminationGracePeriodSeconds;
    out.push(ev('pod-terminating', object, grace === undefined ? undefined : `grace period ${grace}s`));
  }
  if (ready && !wasReady) out.push(ev('pod-ready', object));
  else if (!ready && wasReady) out.push(ev('pod-not-ready', object, terminating ? 'terminating' : undefined));
  if (terminating) {
    const killedBefore = new Set(prev === undefined ? [] : terminatedContainers(prev).filter((c) => c.killed).map((c) => c.name));
    for (const c of terminatedContainers(next)) {
      if (c.killed && !killedBefore.has(c.name)) out.push(ev('pod-killed', object, `container ${c.name} ${c.words} before it finished draining`));
    }
  }
  return out;
}

// ---------------------------------------------------------------- EndpointSlice

/** What the dataplane knows of one endpoint (one pod behind the Service). */
export interface EndpointState {
  /** Pod name when the slice names it, else the first address. */
  key: string;
  addresses: string[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/**
 * Merges the endpoints of all slices of one Service by pod (an endpoint may move between slices;
 * a pod listed twice counts as ready if any copy is).
 */
export function endpointsOf(slices: Iterable<V1EndpointSlice>): Map<string, EndpointState> {
  const out = new Map<string, EndpointState>();
  for (const s of slices) {
    for (const e of s.endpoints ?? []) {
      const key = e.targetRef?.name ?? e.addresses[0] ?? '';
      if (key === '') continue;
      // A nil `ready` means ready (discovery/v1): only an explicit false is not ready.
      const ready = e.conditions?.ready !== false;
      const serving = e.conditions?.serving ?? ready;
      const terminating = e.conditions?.terminating === true;
      const had = out.get(key);
      if (had === undefined) out.set(key, { key, addresses: [...e.addresses], ready, serving, terminating });
      else out.set(key, { key, addresses: [...new Set([...had.addresses, ...e.addresses])], ready: had.ready || ready, serving: had.serving || serving, terminating: had.terminating && terminating });
    }
  }
  return out;
}

/**
 * Events between two views of a Service's endpoints: added (then ready, when it arrives ready),
 * ready, not-ready, terminating, removed.
 */
export function endpointEvents(prev: ReadonlyMap<string, EndpointState>, next: ReadonlyMap<string, EndpointState>): DerivedEvent[] {
  const out: DerivedEvent[] = [];
  for (const [key, n] of next) {
    const object = `endpoint/${key}`;
    const p = prev.get(key);
    const addr = n.addresses.join(',');
    if (p === undefined) {
      out.push(ev('endpoint-added', object, `${addr}${n.ready ? ' ready' : n.terminating ? ' terminating' : ' not ready'}`));
      if (n.ready) out.push(ev('endpoint-ready', object, addr));
      else if (n.terminating) out.push(ev('endpoint-terminating', object, `${addr}${n.serving ? ' (still serving)' : ''}`));
      continue;
    }
    if (n.terminating && !p.terminating) out.push(ev('endpoint-terminating', object, `${addr}${n.serving ? ' (still serving)' : ''}`));
    else if (n.ready && !p.ready) out.push(ev('endpoint-ready', object, addr));
    else if (!n.ready && p.ready) out.push(ev('endpoint-not-ready', object, addr));
  }
  for (const [key, p] of prev) {
    if (!next.has(key)) out.push(ev('endpoint-removed', `endpoint/${key}`, p.addresses.join(',')));
  }
  return out;
}

// ---------------------------------------------------------------- Ingress

/** Event reason of an ingress controller's configuration reload (ingress-nginx's, and the emulator's). */
export const INGRESS_RELOAD_REASON = 'RELOAD';

/**
 * The rollout event of a core/v1 Event on the watched Ingress: a RELOAD becomes `ingress-reload`
 * with the controller's message (which names the endpoints added and removed); other reasons are
 * not rollout events.
 */
export function ingressEvents(ingress: string, e: { reason?: string; message?: string } | undefined): DerivedEvent[] {
  if (e?.reason !== INGRESS_RELOAD_REASON) return [];
  const msg = (e.message ?? '').replace(/^NGINX reload triggered due to a change in configuration:?\s*/, '');
  return [ev('ingress-reload', `ingress/${ingress}`, msg === '' ? undefined : msg)];
}

/** The pods an `ingress-reload` message says were removed from (or added to) the proxy's upstreams. */
export function reloadedEndpoints(message: string | undefined): { added: string[]; removed: string[] } {
  const list = (word: string): string[] => {
    const m = new RegExp(`endpoints ${word}: ([^;]*)`).exec(message ?? '');
    return m?.[1] === undefined ? [] : m[1].split(',').map((x) => x.trim()).filter((x) => x !== '');
  };
  return { added: list('added'), removed: list('removed') };
}
