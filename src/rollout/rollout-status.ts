import type { V1Deployment } from '@kubernetes/client-node';

/** The verdict of one look at a Deployment, as `kubectl rollout status` gives it. */
export interface RolloutStatus {
  /** The rollout has finished (successfully or not). */
  done: boolean;
  /** The rollout has failed (progress deadline exceeded). */
  failed: boolean;
  message: string;
}

/** The reason the Deployment controller puts on Progressing when the deadline passed. */
export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

/**
 * Evaluates a Deployment with kubectl rollout status's rules, in their order: spec not yet
 * observed, progress deadline exceeded, new replicas not all updated, old replicas pending
 * termination, updated replicas not all available, else complete.
 */
export function rolloutStatus(d: V1Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '';
  const generation = d.metadata?.generation ?? 0;
  const observed = d.status?.observedGeneration ?? 0;
  if (generation > observed) {
    return { done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' };
  }
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED) {
    return { done: true, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  }
  const status = d.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const wanted = d.spec?.replicas;
  if (wanted !== undefined && updated < wanted) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...` };
  }
  if (replicas > updated) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...` };
  }
  if (available < updated) {
    return { done: false, failed: false, message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...` };
  }
  return { done: true, failed: false, message: `deployment "${name}" successfully rolled out` };
}
