/* Deployment status and conditions, pure: what upstream's calculateStatus, SetDeploymentCondition,
 * DeploymentComplete, DeploymentProgressing and DeploymentTimedOut decide. */

/** Progressing condition reasons, as upstream names them. */
export const REASON = {
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** One Deployment condition. */
export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

/** The status fields the controller writes. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  collisionCount?: number;
  conditions?: DeploymentCondition[];
  [key: string]: unknown;
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A condition stamped now (update and transition time alike). */
export function newCondition(
  type: string,
  status: DeploymentCondition['status'],
  reason: string,
  message: string,
  nowMs: number,
): DeploymentCondition {
  const t = rfc3339(nowMs);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/** The condition of that type, if any. */
export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * Sets a condition as upstream SetDeploymentCondition: same status and reason -> unchanged; same
 * status, new reason -> replaced but lastTransitionTime kept; otherwise replaced.
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur !== undefined && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur !== undefined && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

/** Removes the condition of that type; no conditions left leaves none at all, as upstream's nil list. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions === undefined) return;
  const rest = status.conditions.filter((c) => c.type !== type);
  if (rest.length === 0) delete status.conditions;
  else status.conditions = rest;
}

/** Counts of one ReplicaSet that status is computed from. */
export interface RsStatusCounts {
  specReplicas: number;
  statusReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/**
 * The Deployment status from its ReplicaSets (upstream calculateStatus): replicas and
 * updatedReplicas from RS status.replicas, unavailable = max(0, sum(RS spec) - available), and the
 * Available condition against replicas - maxUnavailable. Conditions are copied, not shared.
 */
export function calculateStatus(
  previous: DeploymentStatus | undefined,
  generation: number,
  replicas: number,
  maxUnavailable: number,
  all: readonly RsStatusCounts[],
  newRs: RsStatusCounts | undefined,
  nowMs: number,
): DeploymentStatus {
  let available = 0;
  let total = 0;
  let actual = 0;
  let ready = 0;
  for (const rs of all) {
    available += rs.availableReplicas;
    total += rs.specReplicas;
    actual += rs.statusReplicas;
    ready += rs.readyReplicas;
  }
  const status: DeploymentStatus = {
    observedGeneration: generation,
    replicas: actual,
    updatedReplicas: newRs?.statusReplicas ?? 0,
    readyReplicas: ready,
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
  };
  if (previous?.collisionCount !== undefined) status.collisionCount = previous.collisionCount;
  status.conditions = (previous?.conditions ?? []).map((c) => ({ ...c }));
  if (available >= replicas - maxUnavailable) {
    setCondition(status, newCondition('Available', 'True', REASON.minimumReplicasAvailable, 'Deployment has minimum availability.', nowMs));
  } else {
    setCondition(status, newCondition('Available', 'False', REASON.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', nowMs));
  }
  return status;
}

/** Every replica updated, none old, all available, and the current spec observed. */
export function deploymentComplete(replicas: number, generation: number, s: DeploymentStatus): boolean {
  return (
    (s.updatedReplicas ?? 0) === replicas &&
    (s.replicas ?? 0) === replicas &&
    (s.availableReplicas ?? 0) === replicas &&
    (s.observedGeneration ?? 0) >= generation
  );
}

/** Progress since the last status: more updated, fewer old, more ready or more available pods. */
export function deploymentProgressing(old: DeploymentStatus | undefined, s: DeploymentStatus): boolean {
  const oldOld = (old?.replicas ?? 0) - (old?.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old?.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old?.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old?.availableReplicas ?? 0)
  );
}

/** The Progressing condition's lastUpdateTime + progressDeadlineSeconds has passed. */
export function deploymentTimedOut(progressDeadlineSeconds: number | undefined, s: DeploymentStatus, nowMs: number): boolean {
  if (progressDeadlineSeconds === undefined) return false;
  const c = getCondition(s, 'Progressing');
  if (c === undefined) return false;
  if (c.reason === REASON.newReplicaSetAvailable) return false;
  if (c.reason === REASON.progressDeadlineExceeded) return true;
  const from = Date.parse(c.lastUpdateTime);
  if (Number.isNaN(from)) return false;
  return from + progressDeadlineSeconds * 1000 < nowMs;
}

/** Deep equality of plain JSON values (status comparison before writing). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  return ak.every((k) => jsonEqual(ao[k], bo[k]));
}
