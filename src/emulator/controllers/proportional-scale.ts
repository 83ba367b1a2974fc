/*
 * What a Deployment resize does to its ReplicaSets (upstream sync.go scale, getReplicaSetFraction,
 * IsSaturated): one active ReplicaSet takes all, a saturated new one retires the old ones, else
 * the new size is spread in proportion; the code is our own.
 */
import { compareOldestFirst, specReplicaSum, type ReplicaSetCounts, type ScaleStep } from './replicaset-counts.js';
import { maxSurgeOf, type StrategyView } from './rollout-fenceposts.js';

/** Go's math.Round: halves round away from zero (JavaScript's Math.round rounds -2.5 to -2). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * How many replicas a ReplicaSet gains (or loses, negative) when the Deployment is resized
 * (upstream getReplicaSetFraction): its share of replicas + maxSurge in proportion to the
 * max-replicas annotation it was last scaled with. A missing or 0 annotation (someone tampered
 * with it) falls back to the Deployment's status.replicas, and when that is 0 too nothing can be
 * estimated: 0. Resizing to 0 takes the whole ReplicaSet.
 */
export function replicaSetFraction(
  rsReplicas: number,
  replicas: number,
  surge: number,
  maxReplicasAnnotation: number | undefined,
  statusReplicas: number,
): number {
  if (replicas === 0) return -rsReplicas;
  const deploymentMaxReplicas = replicas + surge;
  let before = maxReplicasAnnotation ?? 0;
  if (before === 0) {
    before = statusReplicas;
    if (before === 0) return 0;
  }
  return roundHalfAwayFromZero((rsReplicas * deploymentMaxReplicas) / before) - rsReplicas;
}

/**
 * Proportional scaling when spec.replicas changes mid-rollout (upstream DeploymentController.scale,
 * rolling case): spreads replicas + maxSurge - sum(active spec) over the active ReplicaSets in
 * proportion to their size (using each one's max-replicas annotation), the remainder going to the
 * largest. Returns the new size of every active ReplicaSet.
 */
export function proportionalScale(
  active: ReadonlyArray<ReplicaSetCounts & { maxReplicasAnnotation?: number | undefined }>,
  replicas: number,
  surge: number,
  statusReplicas: number,
): Map<string, number> {
  const allowed = replicas > 0 ? replicas + surge : 0;
  const toAdd = allowed - specReplicaSum(active);
  const sorted = [...active];
  if (toAdd > 0) {
    // Larger first; equal sizes: newer first.
    sorted.sort((a, b) => b.replicas - a.replicas || -compareOldestFirst(a, b));
  } else if (toAdd < 0) {
    // Larger first; equal sizes: older first.
    sorted.sort((a, b) => b.replicas - a.replicas || compareOldestFirst(a, b));
  }
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    if (toAdd === 0) {
      sizes.set(rs.name, rs.replicas);
      continue;
    }
    let proportion = 0;
    if (rs.replicas !== 0 && toAdd !== added) {
      const fraction = replicaSetFraction(rs.replicas, replicas, surge, rs.maxReplicasAnnotation, statusReplicas);
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  const first = sorted[0];
  if (toAdd !== 0 && first !== undefined) {
    const leftover = toAdd - added;
    sizes.set(first.name, Math.max(0, (sizes.get(first.name) ?? 0) + leftover));
  }
  return sizes;
}

/** A ReplicaSet as the scaling decision reads it: counts plus the replica annotations it carries. */
export interface ScaleCandidate extends ReplicaSetCounts {
  /** deployment.kubernetes.io/desired-replicas, when valid. */
  desiredAnnotation?: number | undefined;
  /** deployment.kubernetes.io/max-replicas, when valid. */
  maxReplicasAnnotation?: number | undefined;
}

/**
 * The new ReplicaSet is saturated: it has all the replicas, was last scaled for this size, and
 * all of them are available (upstream IsSaturated).
 */
export function isSaturated(replicas: number, rs: ScaleCandidate | undefined): boolean {
  if (rs === undefined || rs.desiredAnnotation === undefined) return false;
  return rs.replicas === replicas && rs.desiredAnnotation === replicas && rs.available === replicas;
}

/** What a scaling event does: which branch of upstream `scale` applied, and the new sizes. */
export interface ScalePlan {
  /**
   * single: the only active ReplicaSet (or the newest, none being active) takes every replica;
   * saturated: the new ReplicaSet is saturated, old ones go to 0; proportional: sizes spread
   * over the active ReplicaSets (every one of them is written, if only to refresh annotations);
   * none: nothing to do.
   */
  kind: 'none' | 'single' | 'saturated' | 'proportional';
  /** New sizes, at most one per ReplicaSet; for single and saturated only actual changes. */
  steps: ScaleStep[];
}

/**
 * Upstream `scale` for a Deployment whose spec.replicas changed (or that is paused): one active
 * ReplicaSet takes all; a saturated new ReplicaSet makes the old ones go; otherwise, for
 * RollingUpdate, proportional scaling over the active ReplicaSets.
 */
export function scalePlan(
  strategy: StrategyView,
  replicas: number,
  statusReplicas: number,
  newRs: ScaleCandidate | undefined,
  oldRss: readonly ScaleCandidate[],
): ScalePlan {
  const newestFirst = [...oldRss].sort((a, b) => compareOldestFirst(b, a));
  const candidates = newRs === undefined ? newestFirst : [...newestFirst, newRs];
  const active = candidates.filter((rs) => rs.replicas > 0);
  let single: ScaleCandidate | undefined;
  if (active.length === 0) single = newRs ?? newestFirst[0];
  else if (active.length === 1) single = active[0];
  if (active.length <= 1) {
    if (single === undefined || single.replicas === replicas) return { kind: single === undefined ? 'none' : 'single', steps: [] };
    return { kind: 'single', steps: [{ name: single.name, from: single.replicas, to: replicas }] };
  }
  if (isSaturated(replicas, newRs)) {
    const steps = oldRss.filter((rs) => rs.replicas > 0).map((rs) => ({ name: rs.name, from: rs.replicas, to: 0 }));
    return { kind: 'saturated', steps };
  }
  if (strategy.type !== 'RollingUpdate') return { kind: 'none', steps: [] };
  const sizes = proportionalScale(active, replicas, maxSurgeOf(strategy, replicas), statusReplicas);
  return { kind: 'proportional', steps: active.map((rs) => ({ name: rs.name, from: rs.replicas, to: sizes.get(rs.name) ?? rs.replicas })) };
}
