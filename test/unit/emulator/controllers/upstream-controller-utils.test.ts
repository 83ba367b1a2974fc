/*
 * Upstream's own tables for pod ordering on scale-down, run against the emulator's ReplicaSet code.
 *
 * Source: kubernetes/kubernetes pkg/controller/controller_utils_test.go, master as stored in the
 * public code index (with the LogarithmicScaleDown and PodDeletionCost gates, both GA and on by
 * default upstream; the index names no commit for that snapshot). Inputs and expected outputs are
 * upstream's data; the pod builder and assertions are our own.
 *
 * Ported (29 cases):
 *   TestSortingActivePods 1/1 (9 pods, 20 orders)  -> compareForDeletion with no "now" (ActivePods)
 *   TestSortingActivePodsWithRanks: equality 11/11, inequality 15/16 -> compareForDeletion
 *   TestActivePodFiltering 1/1                     -> isPodActive
 *   TestCountTerminatingPods 1/1                   -> isPodTerminal / deletionTimestamp
 * Not ported:
 *   TestSortingActivePodsWithRanks inequality 14 (disablePodDeletioncost): the emulator always
 *     honours pod-deletion-cost, as upstream with its default gates.
 *   The expectations, pod-creation, taint and ComputeHash tests (client-go fakes, nodes, or
 *     covered in rollout-math.test.ts).
 * Bugs these tables found (fixed in src): none changed an outcome here; the logarithmic bucket of
 * a non-positive age is now -1 as upstream (was 0), and two ready times in the same bucket now
 * decide by uid alone without falling through to restarts and age, as upstream.
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { compareForDeletion, isPodActive, isPodTerminal } from '../../../../src/emulator/controllers/pod-util.js';

const NOW = Date.parse('2025-06-15T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const monthBefore = (ms: number) => {
  const d = new Date(ms);
  d.setUTCMonth(d.getUTCMonth() - 1); // Go's AddDate(0, -1, 0)
  return d.getTime();
};
const HOUR = 3_600_000;

/** A pod as upstream's table writes it; zero times are left out, as Go's zero metav1.Time. */
function pod(o: {
  name: string;
  node?: string;
  phase: string;
  ready?: boolean;
  readySince?: number;
  created?: number;
  restarts?: number[];
  annotations?: Record<string, string>;
}): KObject {
  const ready = o.ready === true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: o.name,
      ...(o.created === undefined ? {} : { creationTimestamp: iso(o.created) }),
      ...(o.annotations === undefined ? {} : { annotations: o.annotations }),
    },
    spec: { ...(o.node === undefined || o.node === '' ? {} : { nodeName: o.node }), containers: [] },
    status: {
      phase: o.phase,
      ...(ready ? { conditions: [{ type: 'Ready', status: 'True', ...(o.readySince === undefined ? {} : { lastTransitionTime: iso(o.readySince) }) }] } : {}),
      ...(o.restarts === undefined ? {} : { containerStatuses: o.restarts.map((restartCount) => ({ restartCount })) }),
    },
  };
}

describe('TestSortingActivePods', () => {
  const now = NOW;
  const then = monthBefore(NOW);
  const pods = [
    pod({ name: 'unscheduled', node: '', phase: 'Pending' }),
    pod({ name: 'scheduledButPending', node: 'bar', phase: 'Pending' }),
    pod({ name: 'unknownPhase', node: 'foo', phase: 'Unknown' }),
    pod({ name: 'runningButNotReady', node: 'foo', phase: 'Running' }),
    pod({ name: 'runningNoLastTransitionTime', node: 'foo', phase: 'Running', ready: true, restarts: [3, 0] }),
    pod({ name: 'runningWithLastTransitionTime', node: 'foo', phase: 'Running', ready: true, readySince: now, restarts: [3, 0] }),
    pod({ name: 'runningLongerTime', node: 'foo', phase: 'Running', ready: true, readySince: then, restarts: [3, 0] }),
    pod({ name: 'lowerContainerRestartCount', node: 'foo', phase: 'Running', ready: true, readySince: then, created: now, restarts: [2, 1] }),
    pod({ name: 'oldest', node: 'foo', phase: 'Running', ready: true, readySince: then, created: then, restarts: [2, 1] }),
  ];
  const wantOrder = pods.map((p) => p.metadata.name);

  it('Sorts by active pod', () => {
    // Upstream sorts 20 random permutations; these are 20 fixed ones (rotations and their reverses).
    for (let i = 0; i < 20; i++) {
      const rotated = [...pods.slice(i % pods.length), ...pods.slice(0, i % pods.length)];
      const perm = i >= pods.length ? rotated.reverse() : rotated;
      // ActivePods: no ranks, no "now" (plain afterOrZero time comparisons).
      const sorted = perm.map((p) => ({ pod: p, rank: 0 })).sort((a, b) => compareForDeletion(a, b, 0));
      expect(sorted.map((r) => r.pod.metadata.name)).toEqual(wantOrder);
    }
  });
});

describe('TestSortingActivePodsWithRanks', () => {
  const now = NOW;
  const then1Month = monthBefore(NOW);
  const then2Hours = NOW - 2 * HOUR;
  const then5Hours = NOW - 5 * HOUR;
  const then8Hours = NOW - 8 * HOUR;
  const mk = (name: string, node: string, phase: string, ready: boolean, restarts: number, readySince: number | undefined, created: number | undefined, annotations?: Record<string, string>) =>
    pod({ name, node, phase, ready, ...(readySince === undefined ? {} : { readySince }), ...(created === undefined ? {} : { created }), ...(ready ? { restarts: [restarts] } : {}), ...(annotations === undefined ? {} : { annotations }) });
  const COST = 'controller.kubernetes.io/pod-deletion-cost';
  const unscheduledPod = mk('unscheduled', '', 'Pending', false, 0, undefined, undefined);
  const scheduledPendingPod = mk('pending', 'node', 'Pending', false, 0, undefined, undefined);
  const unknownPhasePod = mk('unknown-phase', 'node', 'Unknown', false, 0, undefined, undefined);
  const runningNotReadyPod = mk('not-ready', 'node', 'Running', false, 0, undefined, undefined);
  const runningReadyNoLastTransitionTimePod = mk('ready-no-last-transition-time', 'node', 'Running', true, 0, undefined, undefined);
  const runningReadyNow = mk('ready-now', 'node', 'Running', true, 0, now, now);
  const runningReadyThen = mk('ready-then', 'node', 'Running', true, 0, then1Month, then1Month);
  const runningReadyNowHighRestarts = mk('ready-high-restarts', 'node', 'Running', true, 9001, now, now);
  const runningReadyNowCreatedThen = mk('ready-now-created-then', 'node', 'Running', true, 0, now, then1Month);
  const lowPodDeletionCost = mk('low-deletion-cost', 'node', 'Running', true, 0, now, then1Month, { [COST]: '10' });
  const highPodDeletionCost = mk('high-deletion-cost', 'node', 'Running', true, 0, now, then1Month, { [COST]: '100' });
  const unscheduled5Hours = mk('unscheduled-5-hours', '', 'Pending', false, 0, then5Hours, then5Hours);
  const unscheduled8Hours = mk('unscheduled-10-hours', '', 'Pending', false, 0, then8Hours, then8Hours);
  const ready2Hours = mk('ready-2-hours', '', 'Running', true, 0, then2Hours, then1Month);
  const ready5Hours = mk('ready-5-hours', '', 'Running', true, 0, then5Hours, then1Month);
  const ready10Hours = mk('ready-10-hours', '', 'Running', true, 0, then8Hours, then1Month);

  const equalityTests: Array<[KObject, KObject?]> = [
    [unscheduledPod],
    [scheduledPendingPod],
    [unknownPhasePod],
    [runningNotReadyPod],
    [runningReadyNowCreatedThen],
    [runningReadyNow],
    [runningReadyThen],
    [runningReadyNowHighRestarts],
    [runningReadyNowCreatedThen],
    [unscheduled5Hours, unscheduled8Hours],
    [ready5Hours, ready10Hours],
  ];
  it.each(equalityTests.map((t, i) => [`Equality tests ${i}`, t[0], t[1] ?? t[0]] as const))('%s', (_name, p1, p2) => {
    expect(compareForDeletion({ pod: p1, rank: 1 }, { pod: p2, rank: 1 }, now)).toBe(0);
    expect(compareForDeletion({ pod: p2, rank: 1 }, { pod: p1, rank: 1 }, now)).toBe(0);
  });

  const inequalityTests: Array<[string, [KObject, number], [KObject, number]]> = [
    ['Inequality tests 0', [unscheduledPod, 1], [scheduledPendingPod, 2]],
    ['Inequality tests 1', [unscheduledPod, 2], [scheduledPendingPod, 1]],
    ['Inequality tests 2', [scheduledPendingPod, 1], [unknownPhasePod, 2]],
    ['Inequality tests 3', [unknownPhasePod, 1], [runningNotReadyPod, 2]],
    ['Inequality tests 4', [runningNotReadyPod, 1], [runningReadyNoLastTransitionTimePod, 1]],
    ['Inequality tests 5', [runningReadyNoLastTransitionTimePod, 1], [runningReadyNow, 1]],
    ['Inequality tests 6', [runningReadyNow, 2], [runningReadyNoLastTransitionTimePod, 1]],
    ['Inequality tests 7', [runningReadyNow, 1], [runningReadyThen, 1]],
    ['Inequality tests 8', [runningReadyNow, 2], [runningReadyThen, 1]],
    ['Inequality tests 9', [runningReadyNowHighRestarts, 1], [runningReadyNow, 1]],
    ['Inequality tests 10', [runningReadyNow, 2], [runningReadyNowHighRestarts, 1]],
    ['Inequality tests 11', [runningReadyNow, 1], [runningReadyNowCreatedThen, 1]],
    ['Inequality tests 12', [runningReadyNowCreatedThen, 2], [runningReadyNow, 1]],
    ['Inequality tests 13', [lowPodDeletionCost, 2], [highPodDeletionCost, 1]],
    ['Inequality tests 15', [ready2Hours, 1], [ready5Hours, 1]],
  ];
  it.each(inequalityTests)('%s', (_name, [lesser, lesserRank], [greater, greaterRank]) => {
    expect(compareForDeletion({ pod: lesser, rank: lesserRank }, { pod: greater, rank: greaterRank }, now)).toBeLessThan(0);
    expect(compareForDeletion({ pod: greater, rank: greaterRank }, { pod: lesser, rank: lesserRank }, now)).toBeGreaterThan(0);
  });
});

describe('TestActivePodFiltering', () => {
  it('Filters active pods', () => {
    const pods = [
      pod({ name: 'pod-1', phase: 'Succeeded' }),
      pod({ name: 'pod-2', phase: 'Failed' }),
      pod({ name: 'pod-3', phase: '' }),
      pod({ name: 'pod-4', phase: '' }),
      pod({ name: 'pod-5', phase: '' }),
    ];
    expect(pods.filter(isPodActive).map((p) => p.metadata.name)).toEqual(['pod-3', 'pod-4', 'pod-5']);
  });
});

describe('TestCountTerminatingPods', () => {
  it('counts pods being deleted that have not finished', () => {
    const phases = ['Succeeded', 'Failed', 'Pending', 'Running', 'Running', 'Running', 'Running'];
    const pods = phases.map((phase, i) => pod({ name: `pod-${i}`, phase }));
    for (const i of [2, 3]) {
      const p = pods[i];
      if (p !== undefined) p.metadata.deletionTimestamp = iso(NOW);
    }
    // upstream IsPodTerminating: not terminal and deletionTimestamp set.
    const terminating = pods.filter((p) => !isPodTerminal(p) && p.metadata.deletionTimestamp !== undefined);
    expect(terminating).toHaveLength(2);
  });
});
