/*
 * The annotations the Deployment controller writes on itself and its ReplicaSets, and the
 * revision numbers read from them. Behaviour follows upstream
 * pkg/controller/deployment/util/deployment_util.go; the code is our own.
 */

/** Annotation carrying the revision of a ReplicaSet and of its Deployment. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Annotation listing the revisions a ReplicaSet held before (after rollbacks). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** Annotation: the Deployment's spec.replicas when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** Annotation: spec.replicas + maxSurge when the ReplicaSet was last scaled. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations that are never copied to its ReplicaSets (and back by rollout undo). */
export const ANNOTATIONS_NOT_COPIED: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** The revision annotation as a number (0 when absent; NaN-safe: invalid counts as 0). */
export function revisionOf(annotations: Record<string, string> | undefined): number {
  const v = annotations?.[REVISION_ANNOTATION];
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The highest revision among ReplicaSets (0 if none). */
export function maxRevision(annotated: ReadonlyArray<{ metadata: { annotations?: Record<string, string> } }>): number {
  let max = 0;
  for (const o of annotated) max = Math.max(max, revisionOf(o.metadata.annotations));
  return max;
}

/** The second-highest revision: what `kubectl rollout undo` goes back to (0 if none). */
export function previousRevision(annotated: ReadonlyArray<{ metadata: { annotations?: Record<string, string> } }>): number {
  let max = 0;
  let second = 0;
  for (const o of annotated) {
    const r = revisionOf(o.metadata.annotations);
    if (r > max) {
      second = max;
      max = r;
    } else if (r > second && r < max) second = r;
  }
  return second;
}

/** The revision the new ReplicaSet gets: the highest revision of the old ones + 1. */
export function nextRevision(oldRevisions: readonly number[]): number {
  let max = 0;
  for (const r of oldRevisions) max = Math.max(max, r);
  return max + 1;
}
