/*
 * Upstream's own tables for the rolling update, run against the emulator's arithmetic.
 *
 * Source: kubernetes/kubernetes pkg/controller/deployment/rolling_test.go, master as stored in the
 * public code index (apps/v1 + ktesting era, with TestDeploymentController_rolloutRolling; the index
 * names no commit for that snapshot). The four tables below are unchanged since the
 * extensions/v1beta1 version at commit 00bdb3fade2ef1ada898bd8fae2c6a1958da3a5d, read too.
 * Inputs and expected outputs are upstream's data; the builders and assertions are our own.
 *
 * Ported (19 cases):
 *   TestDeploymentController_reconcileNewReplicaSet               5 of 5  -> reconcileNewReplicaSetTarget
 *   TestDeploymentController_reconcileOldReplicaSets              5 of 7  -> reconcileOldPlan
 *   TestDeploymentController_cleanupUnhealthyReplicas             4 of 4  -> cleanupUnhealthyPlan
 *   TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate 5 of 5 -> scaleDownOldPlan
 * Not ported:
 *   reconcileOldReplicaSets cases 5 and 6 (updateErr): a client-go fake failing ReplicaSet updates;
 *     the emulator's plan is pure and its store does not fail that way.
 *   TestDeploymentController_rolloutRolling (8 cases): the Progressing condition written when a
 *     ReplicaSet update fails, through injected client errors; no emulator equivalent.
 * Upstream names these cases by index only ("executing scenario %d"); ours carry that index and
 * upstream's comment where it has one. Upstream checks only "scaled or not" for
 * reconcileOldReplicaSets; its table also gives expectedOldReplicas, which we assert as well.
 */
import { describe, expect, it } from 'vitest';
import {
  type IntOrString,
  type ReplicaSetCounts,
  type StrategyView,
  cleanupUnhealthyPlan,
  maxUnavailableOf,
  reconcileNewReplicaSetTarget,
  reconcileOldPlan,
  scaleDownOldPlan,
} from '../../../../src/emulator/controllers/rollout-math.js';

/** upstream newDeployment(name, replicas, nil, maxSurge, maxUnavailable, selector): 0/0 unless given. */
const strategy = (maxSurge: IntOrString = 0, maxUnavailable: IntOrString = 0): StrategyView => ({ type: 'RollingUpdate', maxSurge, maxUnavailable });
/** upstream rs(name, replicas, selector, noTimestamp) with status.availableReplicas set. */
const rs = (name: string, replicas: number, available = 0): ReplicaSetCounts => ({ name, replicas, available, createdMs: 0 });

describe('TestDeploymentController_reconcileNewReplicaSet', () => {
  it.each([
    // name, deploymentReplicas, maxSurge, oldReplicas, newReplicas, scaleExpected, expectedNewReplicas
    ['scenario 0: should not scale up', 10, 0, 10, 0, false, 0],
    ['scenario 1', 10, 2, 10, 0, true, 2],
    ['scenario 2', 10, 2, 5, 0, true, 7],
    ['scenario 3', 10, 2, 10, 2, false, 0],
    ['scenario 4: should scale down', 10, 2, 2, 11, true, 10],
  ] as const)('%s', (_name, deploymentReplicas, maxSurge, oldReplicas, newReplicas, scaleExpected, expectedNewReplicas) => {
    // allRSs = [newRS, oldRS]; maxUnavailable 0.
    const to = reconcileNewReplicaSetTarget(strategy(maxSurge, 0), deploymentReplicas, oldReplicas + newReplicas, newReplicas);
    if (!scaleExpected) expect(to).toBeUndefined();
    else expect(to).toBe(expectedNewReplicas);
  });
});

describe('TestDeploymentController_reconcileOldReplicaSets', () => {
  it.each([
    // name, deploymentReplicas, maxUnavailable, oldReplicas, newReplicas, readyPodsFromOldRS, readyPodsFromNewRS, scaleExpected, expectedOldReplicas
    ['scenario 0', 10, 0, 10, 0, 10, 0, true, 9],
    ['scenario 1', 10, 2, 10, 0, 10, 0, true, 8],
    ['scenario 2: expect unhealthy replicas from old replica sets been cleaned up', 10, 2, 10, 0, 8, 0, true, 8],
    ['scenario 3: expect 1 unhealthy replica from old replica sets been cleaned up, and 1 ready pod been scaled down', 10, 2, 10, 0, 9, 0, true, 8],
    ['scenario 4: the unavailable pods from the newRS would not make us scale down old RSs in a further step', 10, 2, 8, 2, 8, 0, false, 8],
  ] as const)('%s', (_name, deploymentReplicas, maxUnavailable, oldReplicas, newReplicas, readyOld, readyNew, scaleExpected, expectedOldReplicas) => {
    // maxSurge 0; the new RS is "foo-new", the old one "foo-old".
    const steps = reconcileOldPlan(strategy(0, maxUnavailable), deploymentReplicas, rs('foo-new', newReplicas, readyNew), [rs('foo-old', oldReplicas, readyOld)]);
    expect(steps.length > 0).toBe(scaleExpected);
    expect(steps.find((s) => s.name === 'foo-old')?.to ?? oldReplicas).toBe(expectedOldReplicas);
  });
});

describe('TestDeploymentController_cleanupUnhealthyReplicas', () => {
  it.each([
    // name, oldReplicas, readyPods, unHealthyPods, maxCleanupCount, cleanupCountExpected
    ['scenario 0', 10, 8, 2, 1, 1],
    ['scenario 1', 10, 8, 2, 3, 2],
    ['scenario 2', 10, 8, 2, 0, 0],
    ['scenario 3', 10, 10, 0, 3, 0],
  ] as const)('%s', (_name, oldReplicas, readyPods, unHealthyPods, maxCleanupCount, cleanupCountExpected) => {
    expect(oldReplicas - readyPods).toBe(unHealthyPods);
    const steps = cleanupUnhealthyPlan([rs('foo-v2', oldReplicas, readyPods)], maxCleanupCount);
    expect(steps.reduce((n, s) => n + s.from - s.to, 0)).toBe(cleanupCountExpected);
  });
});

describe('TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate', () => {
  it.each([
    // name, deploymentReplicas, maxUnavailable, readyPods, oldReplicas, scaleExpected, expectedOldReplicas
    ['scenario 0', 10, 0, 10, 10, true, 9],
    ['scenario 1', 10, 2, 10, 10, true, 8],
    ['scenario 2', 10, 2, 8, 10, false, 10],
    ['scenario 3', 10, 2, 10, 0, false, 0],
    ['scenario 4', 10, 2, 1, 10, false, 10],
  ] as const)('%s', (_name, deploymentReplicas, maxUnavailable, readyPods, oldReplicas, scaleExpected, expectedOldReplicas) => {
    // allRSs = oldRSs = [oldRS]; maxSurge 0; minAvailable = replicas - MaxUnavailable(deployment).
    const old = rs('foo-v2', oldReplicas, readyPods);
    const minAvailable = deploymentReplicas - maxUnavailableOf(strategy(0, maxUnavailable), deploymentReplicas);
    const steps = scaleDownOldPlan([old], [old], minAvailable);
    const scaled = steps.reduce((n, s) => n + s.from - s.to, 0);
    expect(scaled > 0).toBe(scaleExpected);
    expect(steps[0]?.to ?? oldReplicas).toBe(expectedOldReplicas);
  });
});
