import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import {
  type DeploymentStatus,
  calculateStatus,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  newCondition,
  rfc3339,
  setCondition,
} from '../../../../src/emulator/controllers/deployment-status.js';
import { podEndpoint, resolveTargetPort } from '../../../../src/emulator/controllers/endpointslice-controller.js';
import { selectorMatches as matchesLabelSelector } from '../../../../src/labels/label-selector.js';
import { isPodAvailable, podsToDelete } from '../../../../src/emulator/controllers/pod-util.js';
import { WorkQueue } from '../../../../src/emulator/controllers/work-queue.js';

const NOW = Date.parse('2025-01-01T00:10:00Z');

function pod(name: string, o: { node?: string; phase?: string; readySince?: string; created?: string; deleting?: boolean; restarts?: number; cost?: number } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      uid: name,
      creationTimestamp: o.created ?? '2025-01-01T00:00:00Z',
      ...(o.deleting ? { deletionTimestamp: '2025-01-01T00:09:00Z' } : {}),
      ...(o.cost === undefined ? {} : { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } }),
    },
    spec: { ...(o.node === undefined ? {} : { nodeName: o.node }), containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: o.phase ?? 'Running',
      podIP: '127.1.0.1',
      conditions: o.readySince === undefined ? [{ type: 'Ready', status: 'False' }] : [{ type: 'Ready', status: 'True', lastTransitionTime: o.readySince }],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

describe('scale-down order (ActivePodsWithRanks)', () => {
  it.each([
    ['unscheduled before scheduled', pod('a', { phase: 'Pending' }), pod('b', { node: 'n', phase: 'Pending' })],
    ['pending before running', pod('a', { node: 'n', phase: 'Pending' }), pod('b', { node: 'n' })],
    ['unknown before running', pod('a', { node: 'n', phase: 'Unknown' }), pod('b', { node: 'n' })],
    ['not ready before ready', pod('a', { node: 'n' }), pod('b', { node: 'n', readySince: '2025-01-01T00:05:00Z' })],
    ['lower deletion cost first', pod('a', { node: 'n', readySince: '2025-01-01T00:01:00Z', cost: -1 }), pod('b', { node: 'n', readySince: '2025-01-01T00:09:59Z' })],
    ['ready for less time first', pod('a', { node: 'n', readySince: '2025-01-01T00:09:50Z' }), pod('b', { node: 'n', readySince: '2025-01-01T00:01:00Z' })],
    ['more restarts first', pod('a', { node: 'n', restarts: 3 }), pod('b', { node: 'n' })],
    ['newer first', pod('a', { node: 'n', created: '2025-01-01T00:09:00Z' }), pod('b', { node: 'n', created: '2025-01-01T00:00:00Z' })],
  ])('%s', (_, first, second) => {
    expect(podsToDelete([second, first], [first, second], 1, NOW).map((p) => p.metadata.name)).toEqual(['a']);
    expect(podsToDelete([first, second], [first, second], 1, NOW).map((p) => p.metadata.name)).toEqual(['a']);
  });
});

describe('availability', () => {
  it('needs Ready for at least minReadySeconds (inclusive since upstream v1.34)', () => {
    const p = pod('a', { node: 'n', readySince: '2025-01-01T00:09:55Z' });
    expect(isPodAvailable(p, 0, NOW)).toBe(true);
    expect(isPodAvailable(p, 4, NOW)).toBe(true);
    expect(isPodAvailable(p, 5, NOW)).toBe(true);
    expect(isPodAvailable(p, 6, NOW)).toBe(false);
    expect(isPodAvailable(pod('b', { node: 'n' }), 0, NOW)).toBe(false);
  });
});

describe('conditions', () => {
  it('keeps lastTransitionTime when only the reason changes, and ignores a same-reason set', () => {
    const s: DeploymentStatus = {};
    setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'm', NOW));
    setCondition(s, newCondition('Progressing', 'True', 'NewReplicaSetCreated', 'm2', NOW + 5000));
    expect(s.conditions?.[0]?.message).toBe('m');
    setCondition(s, newCondition('Progressing', 'True', 'ReplicaSetUpdated', 'm3', NOW + 9000));
    expect(s.conditions?.[0]).toMatchObject({ reason: 'ReplicaSetUpdated', lastTransitionTime: rfc3339(NOW), lastUpdateTime: rfc3339(NOW + 9000) });
    setCondition(s, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', 'm4', NOW + 20000));
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', lastTransitionTime: rfc3339(NOW + 20000) });
  });

  it('times out after lastUpdateTime + progressDeadlineSeconds, never once complete', () => {
    const s: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'ReplicaSetUpdated', '', NOW)] };
    expect(deploymentTimedOut(10, s, NOW + 10_000)).toBe(false);
    expect(deploymentTimedOut(10, s, NOW + 10_001)).toBe(true);
    expect(deploymentTimedOut(undefined, s, NOW + 99_000)).toBe(false);
    const done: DeploymentStatus = { conditions: [newCondition('Progressing', 'True', 'NewReplicaSetAvailable', '', NOW)] };
    expect(deploymentTimedOut(10, done, NOW + 99_000)).toBe(false);
  });

  it('computes status and Available from ReplicaSets', () => {
    const s = calculateStatus(
      undefined,
      4,
      10,
      2,
      [
        { specReplicas: 8, statusReplicas: 8, readyReplicas: 8, availableReplicas: 8 },
        { specReplicas: 5, statusReplicas: 5, readyReplicas: 2, availableReplicas: 1 },
      ],
      { specReplicas: 5, statusReplicas: 5, readyReplicas: 2, availableReplicas: 1 },
      NOW,
    );
    expect(s).toMatchObject({ observedGeneration: 4, replicas: 13, updatedReplicas: 5, readyReplicas: 10, availableReplicas: 9, unavailableReplicas: 4 });
    expect(s.conditions?.[0]).toMatchObject({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(deploymentComplete(10, 4, s)).toBe(false);
    expect(deploymentComplete(13, 4, { ...s, updatedReplicas: 13, availableReplicas: 13 })).toBe(true);
    expect(deploymentProgressing({ replicas: 13, updatedReplicas: 5, readyReplicas: 9, availableReplicas: 9 }, s)).toBe(true);
    expect(deploymentProgressing(s, s)).toBe(false);
  });
});

describe('endpoints', () => {
  const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: {} };
  it('resolves numeric and named target ports', () => {
    const p = pod('a', { node: 'n' });
    expect(resolveTargetPort({ port: 80 }, p)).toBe(80);
    expect(resolveTargetPort({ port: 80, targetPort: 9000 }, p)).toBe(9000);
    expect(resolveTargetPort({ port: 80, targetPort: 'http' }, p)).toBe(8080);
    expect(resolveTargetPort({ port: 80, targetPort: 'nope' }, p)).toBeUndefined();
    expect(resolveTargetPort({ port: 80, targetPort: 'http', protocol: 'UDP' }, p)).toBeUndefined();
  });
  it.each([
    ['ready pod', pod('a', { node: 'n', readySince: '2025-01-01T00:00:00Z' }), { ready: true, serving: true, terminating: false }],
    ['unready pod', pod('a', { node: 'n' }), { ready: false, serving: false, terminating: false }],
    ['terminating ready pod', pod('a', { node: 'n', readySince: '2025-01-01T00:00:00Z', deleting: true }), { ready: false, serving: true, terminating: true }],
  ])('%s', (_, p, conditions) => {
    expect(podEndpoint(p, svc).conditions).toEqual(conditions);
  });
});

describe('label selectors', () => {
  it.each([
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {}, true],
  ])('%j matches %j: %s', (sel, labels, want) => {
    expect(matchesLabelSelector(sel, labels)).toBe(want);
  });
});

describe('WorkQueue', () => {
  it('dedupes waiting keys, processes serially, reprocesses a key added while running, retries failures', async () => {
    const seen: string[] = [];
    let active = 0;
    let maxActive = 0;
    let failOnce = true;
    const q = new WorkQueue('t', async (key) => {
      active++;
      maxActive = Math.max(maxActive, active);
      seen.push(key);
      if (key === 'a' && seen.length === 1) q.add('a');
      await new Promise((r) => setTimeout(r, 2));
      active--;
      if (key === 'b' && failOnce) {
        failOnce = false;
        throw new Error('boom');
      }
    });
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('b');
    await new Promise((r) => setTimeout(r, 100));
    await q.idle();
    expect(maxActive).toBe(1);
    expect(seen).toEqual(['a', 'b', 'a', 'b']);
    await q.stop();
  });

  it('runs addAfter keys after their delay, the earliest schedule winning', async () => {
    const seen: Array<[string, number]> = [];
    const t0 = Date.now();
    const q = new WorkQueue('t', (key) => {
      seen.push([key, Date.now() - t0]);
    });
    q.addAfter('k', 200);
    q.addAfter('k', 30);
    q.addAfter('k', 300);
    await new Promise((r) => setTimeout(r, 350));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(25);
    expect(seen[0]?.[1]).toBeLessThan(200);
    await q.stop();
  });
});
