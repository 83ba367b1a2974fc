/*
 * Upstream's own tables for pod readiness and availability, run against the emulator's pod-util.
 *
 * Source: kubernetes/kubernetes pkg/api/v1/pod/util_test.go, master as stored in the public code
 * index (with TestCalculatePodStatusObservedGeneration of v1.33+ and the inclusive
 * TestIsPodAvailable of kubernetes PR 132122, merged June 2025 for v1.34; the index names no
 * commit for that snapshot). Inputs and expected outputs are upstream's data; newPod and the
 * assertions are our own.
 *
 * Ported (18 cases):
 *   TestIsPodAvailable 7/7                    -> isPodAvailable (and podAvailableAtMs agrees)
 *   TestIsPodTerminal 6/6                     -> isPodTerminal
 *   TestGetContainersReadyCondition 2/2       -> podCondition
 *   TestIsContainersReadyConditionTrue 3/3    -> podCondition
 * Not ported: TestVisitContainers, TestContainerIter, TestPodSecrets, TestPodConfigmaps,
 *   TestGetContainerStatus, TestGetIndexOfContainerStatus, TestUpdatePodCondition and the
 *   observedGeneration tests: helpers of the API server and kubelet with no controller
 *   counterpart in the emulator.
 * Bug this table found (fixed in src): "ready 51s, minReadySeconds 51 -> available" failed (the
 * emulator required strictly more than minReadySeconds, as upstream did before v1.34).
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { isPodAvailable, isPodTerminal, podAvailableAtMs, podCondition } from '../../../../src/emulator/controllers/pod-util.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');

/** upstream newPod(now, ready, beforeSec): a Ready condition that changed beforeSec seconds ago. */
function newPod(ready: boolean, beforeSec: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(NOW - beforeSec * 1000).toISOString() }] },
  };
}

describe('TestIsPodAvailable', () => {
  const zeroTransitionTime = (): KObject => {
    const p = newPod(true, 0);
    delete p.status.conditions[0].lastTransitionTime;
    return p;
  };
  it.each([
    ['tc #0: not ready', newPod(false, 0), 0, false],
    ['tc #1: ready now, minReadySeconds 1', newPod(true, 0), 1, false],
    ['tc #2: ready, no lastTransitionTime, minReadySeconds 1', zeroTransitionTime(), 1, false],
    ['tc #3: ready now, minReadySeconds 0', newPod(true, 0), 0, true],
    ['tc #4: ready 51s, minReadySeconds 50', newPod(true, 51), 50, true],
    ['tc #5: ready 51s, minReadySeconds 51', newPod(true, 51), 51, true],
    ['tc #6: ready 51s, minReadySeconds 52', newPod(true, 51), 52, false],
  ] as const)('%s', (_name, pod, minReadySeconds, expected) => {
    expect(isPodAvailable(pod, minReadySeconds, NOW)).toBe(expected);
    // The ReplicaSet controller requeues at podAvailableAtMs: it must agree with isPodAvailable.
    const at = podAvailableAtMs(pod, minReadySeconds);
    if (at !== undefined) expect(at <= NOW).toBe(expected);
  });
});

describe('TestIsPodTerminal', () => {
  it.each([
    ['Failed', true],
    ['Succeeded', true],
    ['Unknown', false],
    ['Pending', false],
    ['Running', false],
    [undefined, false],
  ] as const)('phase %s', (phase, expected) => {
    const pod = newPod(true, 0);
    if (phase !== undefined) pod.status.phase = phase;
    expect(isPodTerminal(pod)).toBe(expected);
  });
});

const containersReady = (status: 'True' | 'False') => ({
  type: 'ContainersReady',
  status,
  reason: 'successfully',
  message: 'sync pod successfully',
  lastProbeTime: new Date(NOW).toISOString(),
  lastTransitionTime: new Date(NOW + 1).toISOString(),
});
const withConditions = (conditions: object[]): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {}, status: { conditions } });

describe('TestGetContainersReadyCondition', () => {
  it.each([
    ['containers ready condition exists', [containersReady('True')], containersReady('True')],
    ['containers ready condition does not exist', [], undefined],
  ] as const)('%s', (_name, conditions, expected) => {
    expect(podCondition(withConditions([...conditions]), 'ContainersReady')).toEqual(expected);
  });
});

describe('TestIsContainersReadyConditionTrue', () => {
  it.each([
    ['containers ready condition is true', [containersReady('True')], true],
    ['containers ready condition is false', [containersReady('False')], false],
    ['containers ready condition is empty', [], false],
  ] as const)('%s', (_name, conditions, expected) => {
    expect(podCondition(withConditions([...conditions]), 'ContainersReady')?.status === 'True').toBe(expected);
  });
});
