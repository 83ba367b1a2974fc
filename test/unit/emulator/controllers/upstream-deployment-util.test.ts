/*
 * Upstream's own tables for the Deployment utilities, run against the emulator's functions.
 *
 * Source: kubernetes/kubernetes pkg/controller/deployment/util/deployment_util_test.go, master as
 * stored in the public code index (apps/v1 + ktesting era, with the ReplicaSet terminatingReplicas
 * columns of v1.33+ and the enableDeploymentPodReplacementPolicy field of v1.34+; the index names
 * no commit for that snapshot). Inputs and expected outputs are upstream's data; the builders
 * (generateDeployment, generateRS, generatePodTemplateSpec) and assertions are our own.
 *
 * Ported (99 cases):
 *   TestEqualIgnoreHash 10/10 (both orders, inputs unchanged) -> templatesEqualIgnoringHash
 *   TestFindNewReplicaSet 3/3, TestFindOldReplicaSets 4/4   -> findNewReplicaSet, findOldReplicaSets
 *   TestGetReplicaCountForReplicaSets 6/6 (spec and actual counts) -> specReplicaSum, calculateStatus
 *   TestResolveFenceposts 7/7                                -> resolveFenceposts
 *   TestNewRSNewReplicas 3/3                                 -> newReplicaSetReplicas
 *   TestGetCondition 2/2, TestSetCondition 3/3, TestRemoveCondition 3/3 -> deployment-status
 *   TestDeploymentComplete 6/6, TestDeploymentProgressing 7/7, TestDeploymentTimedOut 5/5
 *   TestMaxUnavailable 8/8, TestMinAvailable 8/8             -> maxUnavailableOf, minAvailableOf
 *   TestGetNonNegativeInt32FromAnnotation 8/8                -> nonNegativeInt32Annotation
 *   TestAnnotationUtils 3/3                                  -> setNewReplicaSetAnnotations, setReplicasAnnotations, isSaturated
 *   TestReplicasAnnotationsNeedUpdate 4/4                    -> replicasAnnotationsNeedUpdate
 *   TestGetReplicaSetFraction 9/9                            -> replicaSetFraction
 * Not ported:
 *   TestGetReplicaCountForReplicaSets' expectedTerminating column: the emulator's ReplicaSets do
 *     not report status.terminatingReplicas (the DeploymentReplicaSetTerminatingReplicas feature).
 *   TestGetDeploymentsForReplicaSet (5): a client-go lister lookup; the emulator matches
 *     Deployments to orphan ReplicaSets inline in the controller's event handler.
 * Bugs these tables found (fixed in src): TestGetReplicaSetFraction "… max-replicas annotation is
 * incorrectly set to 0 (by a 3rd party)" (the emulator returned 0 instead of falling back to
 * status.replicas); TestGetNonNegativeInt32FromAnnotation "invalid negative" / "invalid max out of
 * range" (the emulator accepted -1 and 2^31); TestResolveFenceposts cases 4-6 (an absent value
 * read as 25% instead of 0); TestRemoveCondition "simple remove" (an empty list left behind).
 */
import { describe, expect, it } from 'vitest';
import {
  type DeploymentCondition,
  type DeploymentStatus,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  removeCondition,
  rfc3339,
  setCondition,
} from '../../../../src/emulator/controllers/deployment-status.js';
import {
  findNewReplicaSet,
  findOldReplicaSets,
  nonNegativeInt32Annotation,
  replicasAnnotationsNeedUpdate,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from '../../../../src/emulator/controllers/deployment-util.js';
import {
  DESIRED_REPLICAS_ANNOTATION,
  type IntOrString,
  MAX_REPLICAS_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  type StrategyView,
  isSaturated,
  maxSurgeOf,
  maxUnavailableOf,
  minAvailableOf,
  newReplicaSetReplicas,
  replicaSetFraction,
  resolveFenceposts,
  specReplicaSum,
  templatesEqualIgnoringHash,
} from '../../../../src/emulator/controllers/rollout-math.js';

const HASH = 'pod-template-hash';
const MAX_INT32 = 2147483647;
const rolling = (maxSurge: IntOrString, maxUnavailable: IntOrString): StrategyView => ({ type: 'RollingUpdate', maxSurge, maxUnavailable });

/** upstream generateDeployment(image).spec.template, as the emulator stores a pod template. */
function deploymentTemplate(image: string, containerName = image): Record<string, any> {
  return {
    metadata: { labels: { name: image } },
    spec: {
      containers: [{ name: containerName, image, imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log' }],
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      restartPolicy: 'Always',
      securityContext: {},
      enableServiceLinks: true,
    },
  };
}

/** upstream generateRS(deployment): the template copied, labels shared with it, spec.replicas 0. */
function generateRS(name: string, template: Record<string, any>, o: { createdMs?: number; replicas?: number; hash?: string } = {}) {
  const t = structuredClone(template);
  if (o.hash !== undefined) t['metadata'].labels[HASH] = o.hash;
  return { name, createdMs: o.createdMs ?? 0, replicas: o.replicas ?? 0, template: t };
}

/** upstream generatePodTemplateSpec(name, nodeName, annotations, labels). */
const podTemplateSpec = (name: string, nodeName: string, annotations: Record<string, string>, labels: Record<string, string>) => ({
  metadata: { name, annotations, labels },
  spec: { nodeName },
});

describe('TestEqualIgnoreHash', () => {
  it.each([
    ['Same spec, same labels', podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1', something: 'else' }), podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1', something: 'else' }), true],
    ['Same spec, only pod-template-hash label value is different', podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1', something: 'else' }), podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-2', something: 'else' }), true],
    ["Same spec, the former doesn't have pod-template-hash label", podTemplateSpec('foo', 'foo-node', {}, { something: 'else' }), podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-2', something: 'else' }), true],
    ["Same spec, the label is different, the former doesn't have pod-template-hash label, same number of labels", podTemplateSpec('foo', 'foo-node', {}, { something: 'else' }), podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-2' }), false],
    ["Same spec, the label is different, the latter doesn't have pod-template-hash label, same number of labels", podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1' }), podTemplateSpec('foo', 'foo-node', {}, { something: 'else' }), false],
    ['Same spec, the label is different, and the pod-template-hash label value is the same', podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1' }), podTemplateSpec('foo', 'foo-node', {}, { [HASH]: 'value-1', something: 'else' }), false],
    ['Different spec, same labels', podTemplateSpec('foo', 'foo-node', { former: 'value' }, { [HASH]: 'value-1', something: 'else' }), podTemplateSpec('foo', 'foo-node', { latter: 'value' }, { [HASH]: 'value-1', something: 'else' }), false],
    ['Different spec, different pod-template-hash label value', podTemplateSpec('foo-1', 'foo-node', {}, { [HASH]: 'value-1', something: 'else' }), podTemplateSpec('foo-2', 'foo-node', {}, { [HASH]: 'value-2', something: 'else' }), false],
    ["Different spec, the former doesn't have pod-template-hash label", podTemplateSpec('foo-1', 'foo-node-1', {}, { something: 'else' }), podTemplateSpec('foo-2', 'foo-node-2', {}, { [HASH]: 'value-2', something: 'else' }), false],
    ['Different spec, different labels', podTemplateSpec('foo', 'foo-node-1', {}, { something: 'else' }), podTemplateSpec('foo', 'foo-node-2', {}, { nothing: 'else' }), false],
  ] as const)('%s', (_name, former, latter, expected) => {
    const [f, l] = [structuredClone(former), structuredClone(latter)];
    expect(templatesEqualIgnoringHash(former, latter)).toBe(expected);
    expect(templatesEqualIgnoringHash(latter, former)).toBe(expected); // reverse order
    // Upstream also checks that the labels survive the comparison.
    expect([former, latter]).toEqual([f, l]);
  });
});

describe('TestFindNewReplicaSet', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const later = now + 60_000;
  const template = deploymentTemplate('nginx');
  const newRS = generateRS('newRS', template, { hash: 'hash', createdMs: later });
  const newRSDup = generateRS('newRSDup', template, { hash: 'different-hash', createdMs: now });
  const oldRS = generateRS('oldRS', deploymentTemplate('nginx', 'nginx-old-1'));
  it.each([
    ['Get new ReplicaSet with the same template as Deployment spec but different pod-template-hash value', [newRS, oldRS], 'newRS'],
    ['Get the oldest new ReplicaSet when there are more than one ReplicaSet with the same template', [newRS, oldRS, newRSDup], 'newRSDup'],
    ['Get nil new ReplicaSet', [oldRS], undefined],
  ] as const)('%s', (_name, rsList, expected) => {
    expect(findNewReplicaSet(template, rsList)?.name).toBe(expected);
  });
});

describe('TestFindOldReplicaSets', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const template = deploymentTemplate('nginx');
  const newRS = generateRS('newRS', template, { hash: 'hash', createdMs: now + 60_000, replicas: 1 });
  const newRSDup = generateRS('newRSDup', template, { hash: 'different-hash', createdMs: now });
  const oldRS = generateRS('oldRS', deploymentTemplate('nginx', 'nginx-old-1'), { createdMs: now - 60_000 });
  it.each([
    ['Get old ReplicaSets', [newRS, oldRS], ['oldRS'], []],
    ['Get old ReplicaSets with no new ReplicaSet', [oldRS], ['oldRS'], []],
    ['Get old ReplicaSets with two new ReplicaSets, only the oldest new ReplicaSet is seen as new ReplicaSet', [oldRS, newRS, newRSDup], ['oldRS', 'newRS'], ['newRS']],
    ['Get empty old ReplicaSets', [newRS], [], []],
  ] as const)('%s', (_name, rsList, expected, expectedRequire) => {
    const { required, all } = findOldReplicaSets(template, rsList);
    // Upstream sorts the result by creation timestamp before comparing.
    expect([...all].sort((a, b) => a.createdMs - b.createdMs).map((r) => r.name)).toEqual(expected);
    expect(required.map((r) => r.name)).toEqual(expectedRequire);
  });
});

describe('TestGetReplicaCountForReplicaSets', () => {
  const sets = {
    rs1: { spec: 1, status: 2 },
    rs2: { spec: 2, status: 3 },
    rs3: { spec: 3, status: 0 },
    rs4: { spec: 1, status: 1 },
  };
  it.each([
    ['scaling down rs1', ['rs1'], 1, 2],
    ['scaling down rs1 and rs2', ['rs1', 'rs2'], 3, 5],
    ['scaling up rs3', ['rs3'], 3, 0],
    ['scaling down rs1 and rs2 and scaling up rs3', ['rs1', 'rs2', 'rs3'], 6, 5],
    ['invalid/unknown terminating status for rs4', ['rs4'], 1, 1],
    ['invalid/unknown terminating status for rs4 with rs1, rs2 and rs3', ['rs1', 'rs2', 'rs3', 'rs4'], 7, 6],
  ] as const)('%s', (_name, names, expectedCount, expectedActual) => {
    const picked = names.map((n) => sets[n]);
    expect(specReplicaSum(picked.map((s, i) => ({ name: String(i), replicas: s.spec, available: 0, createdMs: 0 })))).toBe(expectedCount);
    const counts = picked.map((s) => ({ specReplicas: s.spec, statusReplicas: s.status, readyReplicas: 0, availableReplicas: 0 }));
    // GetActualReplicaCountForReplicaSets is the Deployment's status.replicas.
    expect(calculateStatus(undefined, 1, 1, 0, counts, undefined, 0).replicas).toBe(expectedActual);
  });
});

describe('TestResolveFenceposts', () => {
  it.each([
    // name, maxSurge, maxUnavailable, desired, expectSurge, expectUnavailable, expectError
    ['0', '0%', '0%', 0, 0, 1, false],
    ['1', '39%', '39%', 10, 4, 3, false],
    ['2', 'oops', '39%', 10, 0, 0, true],
    ['3', '55%', 'urg', 10, 0, 0, true],
    ['4', undefined, '39%', 10, 0, 3, false],
    ['5', '39%', undefined, 10, 4, 0, false],
    ['6', undefined, undefined, 10, 0, 1, false],
  ] as const)('%s', (_name, maxSurge, maxUnavailable, desired, expectSurge, expectUnavailable, expectError) => {
    if (expectError) expect(() => resolveFenceposts(maxSurge, maxUnavailable, desired)).toThrow();
    else expect(resolveFenceposts(maxSurge, maxUnavailable, desired)).toEqual({ surge: expectSurge, unavailable: expectUnavailable });
  });
});

describe('TestNewRSNewReplicas', () => {
  it.each([
    // name, strategyType, depReplicas, newRSReplicas, maxSurge, expected
    ['can not scale up - to newRSReplicas', 'RollingUpdate', 1, 5, 1, 5],
    ['scale up - to depReplicas', 'RollingUpdate', 6, 2, 10, 6],
    ['recreate - to depReplicas', 'Recreate', 3, 1, 1, 3],
  ] as const)('%s', (_name, type, depReplicas, newRSReplicas, maxSurge, expected) => {
    // allRSs = [rs5] (a ReplicaSet of 5); maxUnavailable 1.
    expect(newReplicaSetReplicas({ type, maxSurge, maxUnavailable: 1 }, depReplicas, 5, newRSReplicas)).toBe(expected);
  });
});

/** A condition as upstream's test builds it: type, status and reason only. */
const cond = (type: string, status: DeploymentCondition['status'], reason: string): DeploymentCondition => ({ type, status, reason, message: '', lastUpdateTime: '', lastTransitionTime: '' });
const condProgressing = () => cond('Progressing', 'False', 'ForSomeReason');
const condProgressing2 = () => cond('Progressing', 'True', 'BecauseItIs');
const condAvailable = () => cond('Available', 'True', 'AwesomeController');
const status = (): DeploymentStatus => ({ conditions: [condProgressing(), condAvailable()] });

describe('TestGetCondition', () => {
  it.each([
    ['condition exists', 'Available', true],
    ['condition does not exist', 'ReplicaFailure', false],
  ] as const)('%s', (_name, condType, expected) => {
    expect(getCondition(status(), condType) !== undefined).toBe(expected);
  });
});

describe('TestSetCondition', () => {
  it.each([
    ['set for the first time', {}, condAvailable(), { conditions: [condAvailable()] }],
    ['simple set', { conditions: [condProgressing()] }, condAvailable(), status()],
    ['overwrite', { conditions: [condProgressing()] }, condProgressing2(), { conditions: [condProgressing2()] }],
  ] as const)('%s', (_name, st, c, expectedStatus) => {
    const s = structuredClone(st) as DeploymentStatus;
    setCondition(s, c);
    expect(s).toEqual(expectedStatus);
  });
});

describe('TestRemoveCondition', () => {
  it.each([
    ['remove from empty status', {}, 'Progressing', {}],
    ['simple remove', { conditions: [condProgressing()] }, 'Progressing', {}],
    ["doesn't remove anything", status(), 'ReplicaFailure', status()],
  ] as const)('%s', (_name, st, condType, expectedStatus) => {
    const s = structuredClone(st) as DeploymentStatus;
    removeCondition(s, condType);
    expect(s).toStrictEqual(expectedStatus);
  });
});

describe('TestDeploymentComplete', () => {
  it.each([
    // name, desired, current, updated, available, maxUnavailable, maxSurge, expected
    ['not complete: min but not all pods become available', 5, 5, 5, 4, 1, 0, false],
    ['not complete: min availability is not honored', 5, 5, 5, 3, 1, 0, false],
    ['complete', 5, 5, 5, 5, 0, 0, true],
    ['not complete: all pods are available but not updated', 5, 5, 4, 5, 0, 0, false],
    ['not complete: still running old pods', 1, 2, 1, 1, 0, 1, false],
    ['not complete: one replica deployment never comes up', 1, 1, 1, 0, 1, 1, false],
  ] as const)('%s', (_name, desired, current, updated, available, _maxUnavailable, _maxSurge, expected) => {
    // The strategy does not enter DeploymentComplete; generation and observedGeneration are 0.
    expect(deploymentComplete(desired, 0, { replicas: current, updatedReplicas: updated, availableReplicas: available, observedGeneration: 0 })).toBe(expected);
  });
});

describe('TestDeploymentProgressing', () => {
  const st = (replicas: number, updatedReplicas: number, readyReplicas: number, availableReplicas: number): DeploymentStatus => ({ replicas, updatedReplicas, readyReplicas, availableReplicas });
  it.each([
    ['progressing: updated pods', st(10, 4, 4, 4), st(10, 6, 4, 4), true],
    ['not progressing', st(10, 4, 4, 4), st(10, 4, 4, 4), false],
    ['progressing: old pods removed', st(10, 4, 6, 6), st(8, 4, 6, 6), true],
    ['not progressing: less new pods', st(10, 7, 3, 3), st(10, 6, 3, 3), false],
    ['progressing: less overall but more new pods', st(10, 4, 7, 7), st(8, 8, 5, 5), true],
    ['progressing: more ready pods', st(10, 10, 9, 8), st(10, 10, 10, 8), true],
    ['progressing: more available pods', st(10, 10, 10, 9), st(10, 10, 10, 10), true],
  ] as const)('%s', (_name, old, next, expected) => {
    expect(deploymentProgressing(old, next)).toBe(expected);
  });
});

describe('TestDeploymentTimedOut', () => {
  const timeFn = (min: number, sec: number) => Date.UTC(2016, 0, 1, 0, min, sec);
  const withCondition = (reason: string, from: number): DeploymentStatus => ({
    conditions: [{ type: 'Progressing', status: 'True', reason, message: '', lastUpdateTime: rfc3339(from), lastTransitionTime: '' }],
  });
  it.each([
    ['nil progressDeadlineSeconds specified - no timeout', '', undefined, timeFn(1, 9), timeFn(1, 20), false],
    ['infinite progressDeadlineSeconds specified - no timeout', '', MAX_INT32, timeFn(1, 9), timeFn(1, 20), false],
    ['progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:09 => 11s', '', 10, timeFn(1, 9), timeFn(1, 20), true],
    ['progressDeadlineSeconds: 10s, now - started => 00:01:20 - 00:01:11 => 9s', '', 10, timeFn(1, 11), timeFn(1, 20), false],
    ['previous status was a complete deployment', 'NewReplicaSetAvailable', undefined, 0, 0, false],
  ] as const)('%s', (_name, reason, pds, from, now, expected) => {
    expect(deploymentTimedOut(pds, withCondition(reason, from), now)).toBe(expected);
  });
});

describe('TestMaxUnavailable', () => {
  it.each([
    ['maxUnavailable less than replicas', 10, 5, 5],
    ['maxUnavailable equal replicas', 10, 10, 10],
    ['maxUnavailable greater than replicas', 5, 10, 5],
    ['maxUnavailable with replicas is 0', 0, 10, 0],
    ['maxUnavailable less than replicas with percents', 10, '50%', 5],
    ['maxUnavailable equal replicas with percents', 10, '100%', 10],
    ['maxUnavailable greater than replicas with percents', 5, '100%', 5],
  ] as const)('%s', (_name, replicas, maxUnavailable, expected) => {
    expect(maxUnavailableOf(rolling(1, maxUnavailable), replicas)).toBe(expected);
  });
  it('maxUnavailable with Recreate deployment strategy', () => {
    // Upstream leaves spec.replicas nil here; the API default is 1.
    expect(maxUnavailableOf({ type: 'Recreate' }, 1)).toBe(0);
  });
});

describe('TestMinAvailable', () => {
  it.each([
    ['replicas greater than maxUnavailable', 10, 5, 5],
    ['replicas equal maxUnavailable', 10, 10, 0],
    ['replicas less than maxUnavailable', 5, 10, 0],
    ['replicas is 0', 0, 10, 0],
    ['replicas greater than maxUnavailable with percents', 10, '60%', 4],
    ['replicas equal maxUnavailable with percents', 10, '100%', 0],
    ['replicas less than maxUnavailable with percents', 5, '100%', 0],
  ] as const)('%s', (_name, replicas, maxUnavailable, expected) => {
    expect(minAvailableOf(rolling(1, maxUnavailable), replicas)).toBe(expected);
  });
  it('minAvailable with Recreate deployment strategy', () => {
    expect(minAvailableOf({ type: 'Recreate' }, 10)).toBe(0);
  });
});

describe('TestGetNonNegativeInt32FromAnnotation', () => {
  it.each([
    // name, annotations, expectedValue, expectedValid, expectedErr
    ['invalid empty', undefined, 0, false, ''],
    ['invalid', { test: 'invalid', foo: '2' }, 0, false, 'invalid syntax'],
    ['invalid negative ', { test: '-1', foo: '2' }, 0, false, 'invalid syntax'],
    ['valid zero', { test: '0', foo: '2' }, 0, true, ''],
    ['valid', { test: '13', foo: '2' }, 13, true, ''],
    ['valid max', { test: String(MAX_INT32), foo: '2' }, MAX_INT32, true, ''],
    ['invalid max out of range', { test: String(MAX_INT32 + 1), foo: '2' }, 0, false, 'out of range'],
    ['invalid max out of range 2', { test: String(2 ** 32), foo: '2' }, 0, false, 'out of range'],
  ] as const)('%s', (_name, annotations, expectedValue, expectedValid, expectedErr) => {
    const r = nonNegativeInt32Annotation(annotations, 'test');
    expect(r.value).toBe(expectedValue);
    expect(r.valid).toBe(expectedValid);
    if (expectedErr === '') expect(r.error).toBeUndefined();
    else expect(r.error).toContain(expectedErr);
  });
});

describe('TestAnnotationUtils', () => {
  // Shared state across the three subtests, as upstream's.
  const deploymentAnnotations = { [REVISION_ANNOTATION]: '1' };
  const rsAnnotations: Record<string, string> = {};

  it('SetNewReplicaSetAnnotations', () => {
    // Set the revision from 11 through 20 with a revision history of at most 5 characters.
    for (let i = 10; i < 20; i++) {
      const nextRevision = String(i + 1);
      setNewReplicaSetAnnotations(deploymentAnnotations, rsAnnotations, nextRevision, 5);
      if (i >= 12) expect(rsAnnotations[REVISION_HISTORY_ANNOTATION]).toBe(`${i - 1},${i}`);
      expect(rsAnnotations[REVISION_ANNOTATION]).toBe(nextRevision);
    }
  });

  it('SetReplicasAnnotations', () => {
    expect(setReplicasAnnotations(rsAnnotations, 10, 11)).toBe(true);
    expect(rsAnnotations[DESIRED_REPLICAS_ANNOTATION]).toBe('10');
    expect(rsAnnotations[MAX_REPLICAS_ANNOTATION]).toBe('11');
  });

  it('IsSaturated', () => {
    rsAnnotations[DESIRED_REPLICAS_ANNOTATION] = '1';
    const desired = nonNegativeInt32Annotation(rsAnnotations, DESIRED_REPLICAS_ANNOTATION).value;
    // generateDeployment has 1 replica; the ReplicaSet has 1 replica, 1 available.
    expect(isSaturated(1, { name: 'rs', replicas: 1, available: 1, createdMs: 0, desiredAnnotation: desired })).toBe(true);
  });
});

describe('TestReplicasAnnotationsNeedUpdate', () => {
  it.each([
    ['test Annotations nil', undefined, true],
    ['test desiredReplicas update', { [DESIRED_REPLICAS_ANNOTATION]: '8', [MAX_REPLICAS_ANNOTATION]: '20' }, true],
    ['test maxReplicas update', { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '16' }, true],
    ["test needn't update", { [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '20' }, false],
  ] as const)('%s', (_name, annotations, expected) => {
    expect(replicasAnnotationsNeedUpdate(annotations, 10, 20)).toBe(expected);
  });
});

describe('TestGetReplicaSetFraction', () => {
  it.each([
    // name, deploymentReplicas, deploymentStatusReplicas, deploymentMaxSurge, rsReplicas, rsAnnotations, expectedFraction
    ['empty deployment always scales to 0', 0, 0, 0, 10, undefined, -10],
    ['unsynced deployment does not scale when max-replicas annotation is missing (removed by a 3rd party)', 10, 0, 0, 5, undefined, 0],
    ['unsynced deployment does not scale when max-replicas annotation is incorrectly set to 0 (by a 3rd party)', 10, 0, 0, 5, { [MAX_REPLICAS_ANNOTATION]: '0' }, 0],
    ['scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is missing (removed by a 3rd party)', 120, 100, 0, 50, undefined, 10],
    ['scale up by 1/5 should increase RS replicas by 1/5 when max-replicas annotation is incorrectly set to 0 (by a 3rd party)', 120, 100, 0, 50, { [MAX_REPLICAS_ANNOTATION]: '0' }, 10],
    ['scale up by 1/5 should increase RS replicas by 1/5', 120, 0, 0, 50, { [MAX_REPLICAS_ANNOTATION]: '100' }, 10],
    ['scale up with maxSurge by 1/5 should increase RS replicas approximately by 1/5', 120, 0, 10, 50, { [MAX_REPLICAS_ANNOTATION]: '110' }, 9],
    ['scale down by 1/6 should decrease RS replicas by 1/6', 10, 0, 0, 6, { [MAX_REPLICAS_ANNOTATION]: '12' }, -1],
    ['scale down with maxSurge by 1/6 should decrease RS replicas approximately by 1/6', 100, 0, 10, 50, { [MAX_REPLICAS_ANNOTATION]: '130' }, -8],
  ] as const)('%s', (_name, replicas, statusReplicas, maxSurge, rsReplicas, rsAnnotations, expectedFraction) => {
    // The Deployment's strategy: RollingUpdate, maxSurge as given, maxUnavailable 1.
    const surge = maxSurgeOf(rolling(maxSurge, 1), replicas);
    const annotated = nonNegativeInt32Annotation(rsAnnotations, MAX_REPLICAS_ANNOTATION);
    expect(replicaSetFraction(rsReplicas, replicas, surge, annotated.valid ? annotated.value : undefined, statusReplicas)).toBe(expectedFraction);
  });
});
