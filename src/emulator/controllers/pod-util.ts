import type { KObject } from '../api/store-types.js';

/* Pod facts the controllers share: readiness, availability (minReadySeconds), activity, and the
 * order in which a ReplicaSet deletes pods on scale-down (upstream controller_utils.go
 * ActivePodsWithRanks). */

/** A pod condition as the kubelet and scheduler write it. */
export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  reason?: string;
  message?: string;
}

/** The pod's condition of that type, if any. */
export function podCondition(pod: KObject, type: string): PodCondition | undefined {
  const conds: unknown = pod.status?.conditions;
  if (!Array.isArray(conds)) return undefined;
  return (conds as PodCondition[]).find((c) => c !== null && typeof c === 'object' && c.type === type);
}

/** Ready condition is True. */
export function isPodReady(pod: KObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Epoch ms since which the pod has been Ready (its Ready lastTransitionTime), or undefined. */
export function podReadySinceMs(pod: KObject): number | undefined {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True' || c.lastTransitionTime === undefined) return undefined;
  const t = Date.parse(c.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Available: Ready, and Ready for at least minReadySeconds (upstream IsPodAvailable since
 * v1.34, kubernetes PR 132122: the Ready transition time plus minReadySeconds at or before now).
 * A Ready condition without a transition time is never available when minReadySeconds > 0.
 */
export function isPodAvailable(pod: KObject, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = podReadySinceMs(pod);
  return since !== undefined && since + minReadySeconds * 1000 <= nowMs;
}

/** When a Ready-but-not-yet-available pod becomes available (epoch ms), or undefined. */
export function podAvailableAtMs(pod: KObject, minReadySeconds: number): number | undefined {
  if (minReadySeconds <= 0 || !isPodReady(pod)) return undefined;
  const since = podReadySinceMs(pod);
  return since === undefined ? undefined : since + minReadySeconds * 1000;
}

/** Neither Succeeded nor Failed, and not being deleted: counts toward a ReplicaSet's replicas. */
export function isPodActive(pod: KObject): boolean {
  const phase: unknown = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

/** Succeeded or Failed. */
export function isPodTerminal(pod: KObject): boolean {
  const phase: unknown = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The owner reference with controller: true, if any. */
export function controllerOf(obj: KObject): { apiVersion: string; kind: string; name: string; uid: string } | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** epoch ms of a timestamp string, 0 when absent or unparsable (Go's zero time sorts first). */
export function timeMs(ts: unknown): number {
  if (typeof ts !== 'string') return 0;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? 0 : t;
}

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function maxRestarts(pod: KObject): number {
  const st: unknown = pod.status?.containerStatuses;
  let max = 0;
  if (Array.isArray(st)) for (const c of st) if (typeof c?.restartCount === 'number') max = Math.max(max, c.restartCount);
  return max;
}

function deletionCost(pod: KObject): number {
  const v = pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : 0;
}

/** log2 bucket of an age in ns, as upstream's logarithmic scale-down compares ages (-1: not in the past). */
function ageBucket(sinceMs: number, nowMs: number): number {
  const ns = (nowMs - sinceMs) * 1e6;
  return ns > 0 ? Math.floor(Math.log2(ns)) : -1;
}

/** t1 after t2, a zero time counting as "earliest deletion" (upstream afterOrZero). */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

function compareTimes(t1: number, t2: number, nowMs: number, uid1: string, uid2: string): number {
  if (nowMs === 0 || t1 === 0 || t2 === 0) return afterOrZero(t1, t2) ? -1 : afterOrZero(t2, t1) ? 1 : 0;
  // Newer (younger bucket) first; same bucket: by uid, for a stable but arbitrary order.
  const diff = ageBucket(t1, nowMs) - ageBucket(t2, nowMs);
  if (diff !== 0) return diff;
  return uid1 < uid2 ? -1 : uid1 > uid2 ? 1 : 0;
}

/** A pod with its rank: how many related pods share its node (doubled-up pods go first). */
export interface RankedPod {
  pod: KObject;
  rank: number;
}

/**
 * Compares two pods for deletion: negative means `a` is deleted first. Unscheduled before
 * scheduled; Pending < Unknown < Running; not Ready before Ready; lower deletion cost first;
 * more pods on the same node first; Ready for less time first; more restarts first; newer first.
 */
export function compareForDeletion(a: RankedPod, b: RankedPod, nowMs: number): number {
  const pa = a.pod;
  const pb = b.pod;
  const na: string = pa.spec?.nodeName ?? '';
  const nb: string = pb.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const oa = PHASE_ORDINAL[String(pa.status?.phase)] ?? 0;
  const ob = PHASE_ORDINAL[String(pb.status?.phase)] ?? 0;
  if (oa !== ob) return oa - ob;
  const ra = isPodReady(pa);
  const rb = isPodReady(pb);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(pa);
  const cb = deletionCost(pb);
  if (ca !== cb) return ca - cb;
  if (a.rank !== b.rank) return b.rank - a.rank;
  const uida = pa.metadata.uid ?? '';
  const uidb = pb.metadata.uid ?? '';
  if (ra && rb) {
    const ta = podReadySinceMs(pa) ?? 0;
    const tb = podReadySinceMs(pb) ?? 0;
    // Different ready times decide, even when they fall in the same bucket (then by uid only).
    if (ta !== tb) return compareTimes(ta, tb, nowMs, uida, uidb);
  }
  const xa = maxRestarts(pa);
  const xb = maxRestarts(pb);
  if (xa !== xb) return xb - xa;
  const cra = timeMs(pa.metadata.creationTimestamp);
  const crb = timeMs(pb.metadata.creationTimestamp);
  if (cra !== crb) return compareTimes(cra, crb, nowMs, uida, uidb);
  return 0;
}

/**
 * The `count` pods to delete on scale-down, in upstream order. `related` are the active pods of
 * every ReplicaSet of the same owner, used to rank pods doubled up on a node.
 */
export function podsToDelete(pods: readonly KObject[], related: readonly KObject[], count: number, nowMs: number): KObject[] {
  if (count <= 0) return [];
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) {
    const n: string = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  const ranked: RankedPod[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => compareForDeletion(a, b, nowMs));
  return ranked.slice(0, count).map((r) => r.pod);
}
