/*
 * The Deployment controller's ReplicaSet bookkeeping, pure: which ReplicaSet is new and which are
 * old, the replica and revision annotations, and which old ReplicaSets the history limit prunes.
 * Behaviour follows upstream pkg/controller/deployment/util/deployment_util.go and sync.go
 * (cleanupDeployment); the code is our own.
 */
import {
  ANNOTATIONS_NOT_COPIED,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  compareOldestFirst,
  templatesEqualIgnoringHash,
} from './rollout-math.js';

const MAX_INT32 = 2147483647;
/** The longest object name the API accepts (a DNS-1123 subdomain). */
const MAX_NAME_LENGTH = 253;

/**
 * The new ReplicaSet's name, `<deployment>-<hash>`, with the Deployment's name cut short enough
 * for the whole to stay a valid object name (upstream generateReplicaSetName: a 10-character hash
 * leaves 242 characters of Deployment name); a hash that leaves no room cuts nothing.
 */
export function replicaSetName(deploymentName: string, hash: string): string {
  const room = MAX_NAME_LENGTH - hash.length - 1;
  const base = room > 0 && deploymentName.length > room ? deploymentName.slice(0, room) : deploymentName;
  return `${base}-${hash}`;
}

/** An integer annotation read as upstream getNonNegativeInt32FromAnnotation does. */
export interface AnnotationInt {
  /** The value; 0 when absent or invalid. */
  value: number;
  /** Present and a valid non-negative int32. */
  valid: boolean;
  /** Why a present value is invalid ("invalid syntax", "out of range"). */
  error?: string;
}

/**
 * Reads a non-negative int32 annotation: decimal digits only (no sign, no spaces, no exponent),
 * at most 2^31-1. Absent is not an error, just not valid.
 */
export function nonNegativeInt32Annotation(annotations: Readonly<Record<string, string>> | undefined, key: string): AnnotationInt {
  const v = annotations?.[key];
  if (v === undefined) return { value: 0, valid: false };
  if (!/^[0-9]+$/.test(v)) return { value: 0, valid: false, error: `parsing ${JSON.stringify(v)}: invalid syntax` };
  const n = Number(v);
  if (n > MAX_INT32) return { value: 0, valid: false, error: `value ${v} is out of range (max ${MAX_INT32})` };
  return { value: n, valid: true };
}

/** The annotation as a number when valid, else undefined. */
export function validInt32Annotation(annotations: Readonly<Record<string, string>> | undefined, key: string): number | undefined {
  const r = nonNegativeInt32Annotation(annotations, key);
  return r.valid ? r.value : undefined;
}

/** Sets desired-replicas and max-replicas; true when either changed (upstream SetReplicasAnnotations). */
export function setReplicasAnnotations(annotations: Record<string, string>, desired: number, max: number): boolean {
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

/** The replica annotations differ from desired / max, or are missing (upstream ReplicasAnnotationsNeedUpdate). */
export function replicasAnnotationsNeedUpdate(annotations: Readonly<Record<string, string>> | undefined, desired: number, max: number): boolean {
  if (annotations === undefined) return true;
  return annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || annotations[MAX_REPLICAS_ANNOTATION] !== String(max);
}

const GO_INT = /^[+-]?[0-9]+$/;

/**
 * Copies the Deployment's annotations to the new ReplicaSet (all but the controller's own) and
 * raises its revision to newRevision when lower. A ReplicaSet that already had a revision is
 * being rolled back to: its old revision joins the revision-history annotation, oldest entries
 * dropped to stay within maxHistoryChars (an entry that alone exceeds it is not appended).
 * Returns whether anything changed; false, as upstream, when the old revision is not an integer.
 */
export function setNewReplicaSetAnnotations(
  deploymentAnnotations: Readonly<Record<string, string>> | undefined,
  rsAnnotations: Record<string, string>,
  newRevision: string,
  maxHistoryChars: number,
): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(deploymentAnnotations ?? {})) {
    if (ANNOTATIONS_NOT_COPIED.has(k) || rsAnnotations[k] === v) continue;
    rsAnnotations[k] = v;
    changed = true;
  }
  const oldRevision = rsAnnotations[REVISION_ANNOTATION];
  let oldRevisionInt = 0;
  if (oldRevision !== undefined && oldRevision !== '') {
    if (!GO_INT.test(oldRevision)) return false;
    oldRevisionInt = Number(oldRevision);
  }
  if (!GO_INT.test(newRevision)) return false;
  const newRevisionInt = Number(newRevision);
  if (oldRevisionInt < newRevisionInt) {
    rsAnnotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
    if (oldRevision !== undefined) {
      const history = rsAnnotations[REVISION_HISTORY_ANNOTATION] ?? '';
      const old = history.split(',');
      if ((old[0] ?? '').length === 0) rsAnnotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > maxHistoryChars && start < old.length) {
          total -= (old[start] ?? '').length + 1;
          start++;
        }
        if (total <= maxHistoryChars) rsAnnotations[REVISION_HISTORY_ANNOTATION] = [...old.slice(start), oldRevision].join(',');
      }
    }
  }
  return changed;
}

/** A ReplicaSet as the new/old split reads it. */
export interface TemplatedReplicaSet {
  name: string;
  createdMs: number;
  replicas: number;
  template: unknown;
}

/**
 * The new ReplicaSet: the oldest one whose pod template equals the Deployment's, the
 * pod-template-hash label aside (upstream FindNewReplicaSet; the oldest wins when several match).
 */
export function findNewReplicaSet<T extends TemplatedReplicaSet>(template: unknown, rss: readonly T[]): T | undefined {
  return [...rss].sort(compareOldestFirst).find((rs) => templatesEqualIgnoringHash(rs.template, template));
}

/**
 * The old ReplicaSets: every one but the new one (`all`), and those of them with replicas
 * (`required`), as upstream FindOldReplicaSets returns them.
 */
export function findOldReplicaSets<T extends TemplatedReplicaSet>(template: unknown, rss: readonly T[]): { required: T[]; all: T[] } {
  const newRs = findNewReplicaSet(template, rss);
  const all = rss.filter((rs) => rs !== newRs);
  return { required: all.filter((rs) => rs.replicas !== 0), all };
}

/**
 * The revision for ordering ReplicaSets (upstream Revision): an absent annotation is revision 0;
 * a value that is not an integer is undefined (upstream's error: such pairs order by age).
 */
export function revisionForOrdering(annotations: Readonly<Record<string, string>> | undefined): number | undefined {
  const v = annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  return GO_INT.test(v) ? Number(v) : undefined;
}

/** An old ReplicaSet as history cleanup reads it. */
export interface CleanupCandidate {
  name: string;
  createdMs: number;
  /** From revisionForOrdering. */
  revision: number | undefined;
  specReplicas: number;
  statusReplicas: number;
  generation: number;
  observedGeneration: number;
  deleting: boolean;
}

/** Lower revision first; equal or unreadable revisions by age (upstream ReplicaSetsByRevision). */
export function compareByRevision(a: CleanupCandidate, b: CleanupCandidate): number {
  if (a.revision === undefined || b.revision === undefined || a.revision === b.revision) return compareOldestFirst(a, b);
  return a.revision - b.revision;
}

/**
 * The old ReplicaSets that revisionHistoryLimit deletes (upstream cleanupDeployment): of those
 * not already being deleted, the lowest revisions beyond the limit, skipping any that still has
 * replicas (spec or status) or whose status has not observed its last change. undefined keeps all.
 */
export function cleanupPlan(oldRss: readonly CleanupCandidate[], revisionHistoryLimit: number | undefined): string[] {
  if (revisionHistoryLimit === undefined) return [];
  const alive = oldRss.filter((rs) => !rs.deleting);
  const diff = alive.length - revisionHistoryLimit;
  if (diff <= 0) return [];
  const sorted = [...alive].sort(compareByRevision);
  const out: string[] = [];
  for (let i = 0; i < diff; i++) {
    const rs = sorted[i];
    if (rs === undefined) break;
    if (rs.statusReplicas !== 0 || rs.specReplicas !== 0 || rs.generation > rs.observedGeneration) continue;
    out.push(rs.name);
  }
  return out;
}
