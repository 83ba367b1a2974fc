/*
 * How far and in which order the old ReplicaSets shrink in one rolling sync (upstream rolling.go
 * reconcileOldReplicaSets, cleanupUnhealthyReplicas, scaleDownOldReplicaSetsForRollingUpdate);
 * the code is our own.
 */
import { availableReplicaSum, compareOldestFirst, specReplicaSum, type ReplicaSetCounts, type ScaleStep } from './replicaset-counts.js';
import { minAvailableOf, type StrategyView } from './rollout-fenceposts.js';

/**
 * Step 1 of reconciling old ReplicaSets: remove their unavailable pods, oldest ReplicaSet first,
 * at most maxCleanup in all. Throws when a ReplicaSet reports more available than desired pods
 * (its status is stale), as upstream refuses that scale-down; the caller retries later.
 */
export function cleanupUnhealthyPlan(oldRss: readonly ReplicaSetCounts[], maxCleanup: number): ScaleStep[] {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRss].sort(compareOldestFirst)) {
    if (total >= maxCleanup) break;
    if (rs.replicas === 0) continue;
    if (rs.replicas === rs.available) continue;
    const down = Math.min(maxCleanup - total, rs.replicas - rs.available);
    const to = rs.replicas - down;
    if (to > rs.replicas) {
      throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.name} ${rs.replicas} -> ${to}`);
    }
    total += down;
    steps.push({ name: rs.name, from: rs.replicas, to });
  }
  return steps;
}

/**
 * Step 2: scale old ReplicaSets down, oldest first, as long as the available pods of all
 * ReplicaSets stay at or above minAvailable = replicas - maxUnavailable.
 */
export function scaleDownOldPlan(
  allRss: readonly ReplicaSetCounts[],
  oldRss: readonly ReplicaSetCounts[],
  minAvailable: number,
): ScaleStep[] {
  const availableNow = availableReplicaSum(allRss);
  if (availableNow <= minAvailable) return [];
  const budget = availableNow - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRss].sort(compareOldestFirst)) {
    if (total >= budget) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, budget - total);
    total += down;
    steps.push({ name: rs.name, from: rs.replicas, to: rs.replicas - down });
  }
  return steps;
}

/**
 * The whole old-ReplicaSet scale-down of one rolling sync (upstream reconcileOldReplicaSets):
 * budget = sum(all spec) - minAvailable - (new.spec - new.available); first unhealthy old pods,
 * then available old pods down to minAvailable. Returns the steps, at most one per ReplicaSet.
 */
export function reconcileOldPlan(
  strategy: StrategyView,
  replicas: number,
  newRs: ReplicaSetCounts | undefined,
  oldRss: readonly ReplicaSetCounts[],
): ScaleStep[] {
  const active = oldRss.filter((rs) => rs.replicas > 0);
  if (specReplicaSum(active) === 0) return [];
  const all = newRs === undefined ? [...oldRss] : [...oldRss, newRs];
  const allSpec = specReplicaSum(all);
  const minAvailable = minAvailableOf(strategy, replicas);
  const newUnavailable = newRs === undefined ? 0 : newRs.replicas - newRs.available;
  const maxScaledDown = allSpec - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const cleanup = cleanupUnhealthyPlan(active, maxScaledDown);
  const after = new Map(cleanup.map((s) => [s.name, s.to]));
  const cleanedOld = active.map((rs) => ({ ...rs, replicas: after.get(rs.name) ?? rs.replicas }));
  const cleanedAll = newRs === undefined ? cleanedOld : [...cleanedOld, newRs];
  const down = scaleDownOldPlan(cleanedAll, cleanedOld, minAvailable);

  const merged = new Map<string, ScaleStep>();
  for (const s of cleanup) merged.set(s.name, s);
  for (const s of down) {
    const prev = merged.get(s.name);
    merged.set(s.name, prev === undefined ? s : { name: s.name, from: prev.from, to: s.to });
  }
  return [...merged.values()].filter((s) => s.to !== s.from);
}
