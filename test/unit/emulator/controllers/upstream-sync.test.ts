/*
 * Upstream's own tables for scaling events and history cleanup, run against the emulator.
 *
 * Source: kubernetes/kubernetes pkg/controller/deployment/sync_test.go, master as stored in the
 * public code index (with scaleV2 and the DeploymentPodReplacementPolicy cases of v1.34+; the
 * index names no commit for that snapshot). Inputs and expected outputs are upstream's data; the
 * builders are our own. Upstream's helpers: newDeployment(name, replicas, limit, maxSurge,
 * maxUnavailable, selector) has maxSurge and maxUnavailable 0 unless given and no status; rs()
 * has no status; each ReplicaSet gets the desired/max-replicas annotations of oldDeployment.
 *
 * Ported (37 cases):
 *   TestScale 17 of 37: every case without enableDeploymentPodReplacementPolicy -> scalePlan
 *   TestDeploymentController_cleanupDeployment 6 of 7                         -> cleanupPlan
 *   TestDeploymentController_cleanupDeploymentOrder 7 of 7                     -> cleanupPlan
 *   TestDeploymentController_generateReplicaSetName 3 of 3, TestGenerateReplicaSetName 4 of 4 -> replicaSetName
 * Not ported:
 *   TestScale's 20 cases with enableDeploymentPodReplacementPolicy (spec.podReplacementPolicy,
 *     status.terminatingReplicas, the replicas-before-scale annotation, scaleV2): the emulator
 *     does not implement the DeploymentPodReplacementPolicy feature (alpha/beta upstream).
 *   cleanupDeployment scenario 2 (terminatingReplicas with the feature gate on): same reason.
 * Bugs these tables found (fixed in src): cleanupDeploymentOrder scenario 2 ("rs1 has revision
 * but rs2 doesn't have revision, delete rs2"): the emulator ordered a ReplicaSet without a
 * revision annotation by age instead of as revision 0, and deleted rs1. TestGenerateReplicaSetName
 * "very long deployment name is truncated": the emulator did not shorten the name.
 */
import { describe, expect, it } from 'vitest';
import { type CleanupCandidate, cleanupPlan, replicaSetName, revisionForOrdering } from '../../../../src/emulator/controllers/deployment-util.js';
import { REVISION_ANNOTATION, type ScaleCandidate, type StrategyView, maxSurgeOf, scalePlan } from '../../../../src/emulator/controllers/rollout-math.js';

const NEW = Date.UTC(2016, 4, 20, 2, 0, 0);
const OLD = Date.UTC(2016, 4, 20, 1, 0, 0);
const OLDER = Date.UTC(2016, 4, 20, 0, 0, 0);
const rolling = (maxSurge = 0, maxUnavailable = 0): StrategyView => ({ type: 'RollingUpdate', maxSurge, maxUnavailable });

interface ScaleCase {
  replicas: number;
  maxSurge?: number;
  maxUnavailable?: number;
  /** oldDeployment: the size (and surge) the ReplicaSets were last scaled for. */
  oldReplicas: number;
  oldMaxSurge?: number;
  newRs?: [name: string, replicas: number, createdMs: number, available?: number];
  oldRss: Array<[name: string, replicas: number, createdMs: number]>;
  expectedNew?: number;
  expectedOld: number[];
  desiredReplicasAnnotations?: Record<string, number>;
}

function candidate(c: ScaleCase, [name, replicas, createdMs, available]: [string, number, number, number?]): ScaleCandidate {
  // upstream: SetReplicasAnnotations(rs, desired, desired + MaxSurge(oldDeployment)).
  const desired = c.desiredReplicasAnnotations?.[name] ?? c.oldReplicas;
  const maxReplicas = desired + maxSurgeOf(rolling(c.oldMaxSurge ?? 0, c.maxUnavailable ?? 0), desired);
  return { name, replicas, createdMs, available: available ?? 0, desiredAnnotation: desired, maxReplicasAnnotation: maxReplicas };
}

describe('TestScale', () => {
  const cases: Array<[string, ScaleCase]> = [
    ['normal scaling event: 10 -> 12', { replicas: 12, oldReplicas: 10, newRs: ['foo-v1', 10, NEW], oldRss: [], expectedNew: 12, expectedOld: [] }],
    ['normal scaling event: 10 -> 5', { replicas: 5, oldReplicas: 10, newRs: ['foo-v1', 10, NEW], oldRss: [], expectedNew: 5, expectedOld: [] }],
    ['proportional scaling: 5 -> 10', { replicas: 10, oldReplicas: 5, newRs: ['foo-v2', 2, NEW], oldRss: [['foo-v1', 3, OLD]], expectedNew: 4, expectedOld: [6] }],
    ['proportional scaling: 5 -> 3', { replicas: 3, oldReplicas: 5, newRs: ['foo-v2', 2, NEW], oldRss: [['foo-v1', 3, OLD]], expectedNew: 1, expectedOld: [2] }],
    ['proportional scaling: 9 -> 4', { replicas: 4, oldReplicas: 9, newRs: ['foo-v2', 8, NEW], oldRss: [['foo-v1', 1, OLD]], expectedNew: 4, expectedOld: [0] }],
    ['proportional scaling: 7 -> 10', { replicas: 10, oldReplicas: 7, newRs: ['foo-v3', 2, NEW], oldRss: [['foo-v2', 3, OLD], ['foo-v1', 2, OLDER]], expectedNew: 3, expectedOld: [4, 3] }],
    ['proportional scaling: 13 -> 8', { replicas: 8, oldReplicas: 13, newRs: ['foo-v3', 2, NEW], oldRss: [['foo-v2', 8, OLD], ['foo-v1', 3, OLDER]], expectedNew: 1, expectedOld: [5, 2] }],
    ['leftover distribution: 3 -> 4', { replicas: 4, oldReplicas: 3, newRs: ['foo-v3', 1, NEW], oldRss: [['foo-v2', 1, OLD], ['foo-v1', 1, OLDER]], expectedNew: 2, expectedOld: [1, 1] }],
    ['leftover distribution: 3 -> 2', { replicas: 2, oldReplicas: 3, newRs: ['foo-v3', 1, NEW], oldRss: [['foo-v2', 1, OLD], ['foo-v1', 1, OLDER]], expectedNew: 1, expectedOld: [1, 0] }],
    ['proportional scaling (no new rs): 4 -> 5', { replicas: 5, oldReplicas: 4, oldRss: [['foo-v2', 2, OLD], ['foo-v1', 2, OLDER]], expectedOld: [3, 2] }],
    ['proportional scaling: 6 -> 0', { replicas: 0, oldReplicas: 6, newRs: ['foo-v3', 3, NEW], oldRss: [['foo-v2', 2, OLD], ['foo-v1', 1, OLDER]], expectedNew: 0, expectedOld: [0, 0] }],
    ['proportional scaling: 0 -> 6', { replicas: 6, oldReplicas: 6, newRs: ['foo-v3', 0, NEW], oldRss: [['foo-v2', 0, OLD], ['foo-v1', 0, OLDER]], expectedNew: 6, expectedOld: [0, 0] }],
    [
      'failed rs update',
      { replicas: 5, oldReplicas: 5, newRs: ['foo-v3', 2, NEW], oldRss: [['foo-v2', 1, OLD], ['foo-v1', 1, OLDER]], expectedNew: 2, expectedOld: [2, 1], desiredReplicasAnnotations: { 'foo-v2': 3 } },
    ],
    ['deployment with surge pods', { replicas: 20, maxSurge: 2, oldReplicas: 10, oldMaxSurge: 2, newRs: ['foo-v2', 6, NEW], oldRss: [['foo-v1', 6, OLD]], expectedNew: 11, expectedOld: [11] }],
    ['change both surge and size', { replicas: 50, maxSurge: 6, oldReplicas: 10, oldMaxSurge: 3, newRs: ['foo-v2', 5, NEW], oldRss: [['foo-v1', 8, OLD]], expectedNew: 22, expectedOld: [34] }],
    // The Deployment's template changed too, so none of its ReplicaSets is the new one.
    ['change both size and template', { replicas: 14, oldReplicas: 10, oldRss: [['foo-v2', 7, NEW], ['foo-v1', 3, OLD]], expectedOld: [10, 4] }],
    [
      'saturated but broken new replica set does not affect old pods',
      { replicas: 2, maxSurge: 1, maxUnavailable: 1, oldReplicas: 2, oldMaxSurge: 1, newRs: ['foo-v2', 2, NEW, 0], oldRss: [['foo-v1', 1, OLD]], expectedNew: 2, expectedOld: [1] },
    ],
  ];
  it.each(cases)('%s', (_name, c) => {
    const newRs = c.newRs === undefined ? undefined : candidate(c, c.newRs);
    const olds = c.oldRss.map((r) => candidate(c, r));
    const plan = scalePlan(rolling(c.maxSurge ?? 0, c.maxUnavailable ?? 0), c.replicas, 0, newRs, olds);
    const size = (name: string, current: number): number => plan.steps.find((s) => s.name === name)?.to ?? current;
    if (newRs !== undefined) expect(size(newRs.name, newRs.replicas)).toBe(c.expectedNew);
    expect(olds.map((o) => size(o.name, o.replicas))).toEqual(c.expectedOld);
  });
});

/** upstream newRSWithStatus(name, specReplicas, statusReplicas, selector): no timestamp, no revision. */
const withStatus = (name: string, specReplicas: number, statusReplicas: number, deleting = false): CleanupCandidate => ({
  name,
  createdMs: 0,
  revision: 0,
  specReplicas,
  statusReplicas,
  generation: 0,
  observedGeneration: 0,
  deleting,
});

describe('TestDeploymentController_cleanupDeployment', () => {
  it.each([
    ['scenario 0', [withStatus('foo-1', 0, 0), withStatus('foo-2', 0, 0), withStatus('foo-3', 0, 0)], 1, 2],
    [
      'scenario 1: only delete the replica set with Spec.Replicas = Status.Replicas = 0',
      [withStatus('foo-1', 0, 0), withStatus('foo-2', 0, 1), withStatus('foo-3', 1, 0), withStatus('foo-4', 1, 1)],
      0,
      1,
    ],
    ['scenario 3', [withStatus('foo-1', 0, 0), withStatus('foo-2', 0, 0)], 0, 2],
    ['scenario 4', [withStatus('foo-1', 1, 1), withStatus('foo-2', 1, 1)], 0, 0],
    ['scenario 5: already deleted', [withStatus('foo-1', 0, 0, true)], 0, 0],
    ['scenario 6: with unlimited revisionHistoryLimit', [withStatus('foo-1', 0, 0), withStatus('foo-2', 0, 0), withStatus('foo-3', 0, 0)], 2147483647, 0],
  ] as const)('%s', (_name, oldRSs, revisionHistoryLimit, expectedDeletions) => {
    expect(cleanupPlan(oldRSs, revisionHistoryLimit)).toHaveLength(expectedDeletions);
  });
});

describe('TestDeploymentController_cleanupDeploymentOrder', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const minute = 60_000;
  /** upstream newRSWithRevisionAndCreationTimestamp: "" means no revision annotation at all. */
  const rev = (name: string, replicas: number, createdMs: number, revision: string): CleanupCandidate => ({
    name,
    createdMs,
    revision: revisionForOrdering(revision === '' ? undefined : { [REVISION_ANNOTATION]: revision }),
    specReplicas: replicas,
    statusReplicas: replicas,
    generation: 0,
    observedGeneration: 0,
    deleting: false,
  });
  it.each([
    ['revision order: rs1 < rs2, delete rs1', [rev('foo-1', 0, now - minute, '1'), rev('foo-2', 0, now, '2')], 1, ['foo-1']],
    ['revision order: rs2 < rs1, delete rs2', [rev('foo-1', 0, now - minute, '2'), rev('foo-2', 0, now, '1')], 1, ['foo-2']],
    ["rs1 has revision but rs2 doesn't have revision, delete rs2", [rev('foo-1', 0, now - minute, '1'), rev('foo-2', 0, now, '')], 1, ['foo-2']],
    ["rs1 doesn't have revision while rs2 has revision, delete rs1", [rev('foo-1', 0, now - minute, ''), rev('foo-2', 0, now, '2')], 1, ['foo-1']],
    [
      'revision order: rs1 < rs2 < r3, but rs1 has replicas, delete rs2',
      [rev('foo-1', 1, now - minute, '1'), rev('foo-2', 0, now, '2'), rev('foo-3', 0, now + minute, '3')],
      1,
      ['foo-2'],
    ],
    [
      "revision order: rs1 < rs2 < r3, both rs1 && rs2 have replicas, don't delete",
      [rev('foo-1', 1, now - minute, '1'), rev('foo-2', 1, now, '2'), rev('foo-3', 0, now + minute, '3')],
      1,
      [],
    ],
    [
      'revision order: rs2 < rs4 < rs1 < rs3, delete rs2 && rs4',
      [rev('foo-1', 0, now - minute, '3'), rev('foo-2', 0, now, '1'), rev('foo-3', 0, now + minute, '4'), rev('foo-4', 0, now + 2 * minute, '2')],
      2,
      ['foo-2', 'foo-4'],
    ],
  ] as const)('%s', (_name, oldRSs, revisionHistoryLimit, expectedDeletedRSs) => {
    expect([...cleanupPlan(oldRSs, revisionHistoryLimit)].sort()).toEqual(expectedDeletedRSs);
  });
});

describe('TestDeploymentController_generateReplicaSetName', () => {
  // The hash the controller computes is at most 10 characters; the Deployment portion is what
  // precedes the last '-'.
  it.each([
    ['short name', 'my-deployment', 'my-deployment'],
    ['very long name truncated', 'a'.repeat(250), 'a'.repeat(242)],
    ['very long name not truncated', 'a'.repeat(242), 'a'.repeat(242)],
  ] as const)('%s', (_name, deploymentName, wantDeploymentPortion) => {
    const name = replicaSetName(deploymentName, 'b8f9c7d6d5');
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name.slice(0, name.lastIndexOf('-'))).toBe(wantDeploymentPortion);
  });
});

describe('TestGenerateReplicaSetName', () => {
  it.each([
    ['short name', 'my-deployment', 'abcde12345', 'my-deployment-abcde12345'],
    ['maximum length without truncating', 'a'.repeat(242), 'abcde12345', `${'a'.repeat(242)}-abcde12345`],
    ['very long deployment name is truncated', 'b'.repeat(250), 'abcde12345', `${'b'.repeat(242)}-abcde12345`],
    ['very long hash is not truncated', 'd'.repeat(252), 'h'.repeat(252), `${'d'.repeat(252)}-${'h'.repeat(252)}`],
  ] as const)('%s', (_name, deploymentName, hash, want) => {
    expect(replicaSetName(deploymentName, hash)).toBe(want);
  });
});
