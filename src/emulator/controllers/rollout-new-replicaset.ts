/*
 * How far the new ReplicaSet may grow in one rolling sync (upstream rolling.go
 * reconcileNewReplicaSet, deployment_util.go NewRSNewReplicas); the code is our own.
 */
import { maxSurgeOf, type StrategyView } from './rollout-fenceposts.js';

/**
 * The size the new ReplicaSet should have now. RollingUpdate: grow by
 * min(replicas + maxSurge - sum(all spec.replicas), replicas - new.spec.replicas), never shrink
 * here. Recreate: straight to replicas.
 */
export function newReplicaSetReplicas(
  strategy: StrategyView,
  replicas: number,
  allSpecSum: number,
  newRsReplicas: number,
): number {
  if (strategy.type === 'Recreate') return replicas;
  const surge = maxSurgeOf(strategy, replicas);
  const maxTotal = replicas + surge;
  if (allSpecSum >= maxTotal) return newRsReplicas;
  const up = Math.min(maxTotal - allSpecSum, replicas - newRsReplicas);
  return newRsReplicas + Math.max(0, up);
}

/**
 * What one rolling sync does to the new ReplicaSet (upstream reconcileNewReplicaSet): nothing when
 * it has replicas already; down to replicas when above; else up as newReplicaSetReplicas says.
 * Returns the new size, or undefined when it stays as it is.
 */
export function reconcileNewReplicaSetTarget(
  strategy: StrategyView,
  replicas: number,
  allSpecSum: number,
  newRsReplicas: number,
): number | undefined {
  if (newRsReplicas === replicas) return undefined;
  if (newRsReplicas > replicas) return replicas;
  const to = newReplicaSetReplicas(strategy, replicas, allSpecSum, newRsReplicas);
  return to === newRsReplicas ? undefined : to;
}
