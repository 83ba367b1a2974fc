import type { V1Deployment, V1EndpointSlice, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  deploymentEvents,
  endpointEvents,
  endpointsOf,
  isCrashLooping,
  podEvents,
  replicaSetEvents,
  type DerivedEvent,
  type EndpointState,
} from '../../../src/rollout/events.js';

// ---------------------------------------------------------------- builders

interface PodState {
  node?: string;
  ready?: boolean;
  terminating?: boolean;
  grace?: number;
  restarts?: number;
  waiting?: string;
  lastExit?: number;
  terminatedExit?: number;
}

function pod(s: PodState = {}): V1Pod {
  return {
    metadata: {
      name: 'web-abc-1',
      uid: 'u1',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'rs1', controller: true }],
      ...(s.terminating ? { deletionTimestamp: new Date('2025-01-01T00:00:00Z'), deletionGracePeriodSeconds: s.grace ?? 30 } : {}),
    },
    spec: { containers: [{ name: 'app' }], ...(s.node === undefined ? {} : { nodeName: s.node }) },
    status: {
      conditions: [
        ...(s.node === undefined ? [] : [{ type: 'PodScheduled', status: 'True' }]),
        { type: 'Ready', status: s.ready ? 'True' : 'False' },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'app:v1',
          imageID: '',
          ready: s.ready ?? false,
          restartCount: s.restarts ?? 0,
          state:
            s.terminatedExit !== undefined
              ? { terminated: { exitCode: s.terminatedExit } }
              : s.waiting !== undefined
                ? { waiting: { reason: s.waiting } }
                : { running: {} },
          ...(s.lastExit === undefined ? {} : { lastState: { terminated: { exitCode: s.lastExit, reason: 'Error' } } }),
        },
      ],
    },
  };
}

const types = (es: DerivedEvent[]): string[] => es.map((e) => e.type);

// ---------------------------------------------------------------- pods

describe('podEvents', () => {
  it.each<[string, V1Pod | undefined, V1Pod | undefined, string[]]>([
    ['created, pending', undefined, pod(), ['pod-created']],
    ['created already scheduled and ready (seen after a re-list)', undefined, pod({ node: 'n1', ready: true }), ['pod-created', 'pod-scheduled', 'pod-ready']],
    ['scheduled', pod(), pod({ node: 'n1' }), ['pod-scheduled']],
    ['became ready', pod({ node: 'n1' }), pod({ node: 'n1', ready: true }), ['pod-ready']],
    ['lost readiness', pod({ node: 'n1', ready: true }), pod({ node: 'n1', ready: false }), ['pod-not-ready']],
    ['no change', pod({ node: 'n1', ready: true }), pod({ node: 'n1', ready: true }), []],
    ['terminating while ready', pod({ node: 'n1', ready: true }), pod({ node: 'n1', ready: true, terminating: true }), ['pod-terminating']],
    ['terminating and not ready at once', pod({ node: 'n1', ready: true }), pod({ node: 'n1', terminating: true }), ['pod-terminating', 'pod-not-ready']],
    ['killed while terminating', pod({ node: 'n1', terminating: true }), pod({ node: 'n1', terminating: true, terminatedExit: 137 }), ['pod-killed']],
    ['exited cleanly while terminating', pod({ node: 'n1', terminating: true }), pod({ node: 'n1', terminating: true, terminatedExit: 0 }), []],
    ['deleted after terminating', pod({ node: 'n1', terminating: true }), undefined, ['pod-deleted']],
    ['deleted without grace', pod({ node: 'n1', ready: true }), undefined, ['pod-terminating', 'pod-deleted']],
    ['restarted', pod({ node: 'n1', ready: true }), pod({ node: 'n1', restarts: 1, lastExit: 1 }), ['pod-restarted', 'pod-not-ready']],
    ['entered CrashLoopBackOff without a new restart', pod({ node: 'n1', restarts: 2 }), pod({ node: 'n1', restarts: 2, waiting: 'CrashLoopBackOff' }), ['pod-restarted']],
    ['stays in CrashLoopBackOff', pod({ node: 'n1', restarts: 2, waiting: 'CrashLoopBackOff' }), pod({ node: 'n1', restarts: 2, waiting: 'CrashLoopBackOff' }), []],
    ['nothing to nothing', undefined, undefined, []],
  ])('%s', (_n, prev, next, want) => {
    expect(types(podEvents(prev, next))).toEqual(want);
  });

  it('names the object and the details', () => {
    expect(podEvents(undefined, pod())).toEqual([{ type: 'pod-created', object: 'pod/web-abc-1', message: 'of replicaset/web-abc' }]);
    expect(podEvents(pod({ ready: true }), pod({ ready: true, terminating: true, grace: 45 }))[0]).toEqual({ type: 'pod-terminating', object: 'pod/web-abc-1', message: 'grace period 45s' });
    const [restart] = podEvents(pod(), pod({ restarts: 3, lastExit: 137, waiting: 'CrashLoopBackOff' }));
    expect(restart?.message).toBe('container app restarted (restartCount 3), last exit 137 (SIGKILL), Error, CrashLoopBackOff');
    const [killed] = podEvents(pod({ terminating: true }), pod({ terminating: true, terminatedExit: 137 }));
    expect(killed?.message).toMatch(/exit 137 \(SIGKILL\)/);
    const deleted = podEvents(pod({ terminating: true, terminatedExit: 143 }), undefined);
    expect(deleted.at(-1)).toEqual({ type: 'pod-deleted', object: 'pod/web-abc-1', message: 'containers ended: app exit 143 (SIGTERM)' });
  });
});

describe('isCrashLooping', () => {
  it.each<[string, V1Pod, boolean]>([
    ['healthy', pod({ ready: true }), false],
    ['two restarts', pod({ restarts: 2 }), false],
    ['three restarts', pod({ restarts: 3 }), true],
    ['CrashLoopBackOff', pod({ restarts: 1, waiting: 'CrashLoopBackOff' }), true],
    ['ImagePullBackOff is not a crash loop', pod({ waiting: 'ImagePullBackOff' }), false],
  ])('%s', (_n, p, want) => {
    expect(isCrashLooping(p)).toBe(want);
  });
});

// ---------------------------------------------------------------- replicasets

function rs(replicas: number, revision = '2'): V1ReplicaSet {
  return {
    metadata: { name: 'web-def', annotations: { 'deployment.kubernetes.io/revision': revision } },
    spec: { replicas, selector: {}, template: { spec: { containers: [{ name: 'app', image: 'app:v2' }] } } },
  };
}

describe('replicaSetEvents', () => {
  it.each<[string, V1ReplicaSet | undefined, V1ReplicaSet | undefined, DerivedEvent[]]>([
    ['created', undefined, rs(1), [{ type: 'replicaset-created', object: 'replicaset/web-def', message: 'revision 2, 1 replicas, app=app:v2' }]],
    ['scaled up', rs(1), rs(3), [{ type: 'replicaset-scaled', object: 'replicaset/web-def', message: 'scaled up 1 -> 3' }]],
    ['scaled down', rs(3), rs(0), [{ type: 'replicaset-scaled', object: 'replicaset/web-def', message: 'scaled down 3 -> 0' }]],
    ['status only', rs(3), rs(3), []],
    ['deleted (pruned)', rs(0), undefined, []],
  ])('%s', (_n, prev, next, want) => {
    expect(replicaSetEvents(prev, next)).toEqual(want);
  });
});

// ---------------------------------------------------------------- deployments

function dep(o: { gen: number; observed: number; updated: number; available: number; replicas?: number; reason?: string }): V1Deployment {
  return {
    metadata: { name: 'web', generation: o.gen },
    spec: { replicas: 2, selector: {}, template: {} },
    status: {
      observedGeneration: o.observed,
      replicas: o.replicas ?? 2,
      updatedReplicas: o.updated,
      availableReplicas: o.available,
      ...(o.reason === undefined ? {} : { conditions: [{ type: 'Progressing', status: 'True', reason: o.reason, message: 'msg' }] }),
    },
  };
}

describe('deploymentEvents', () => {
  const stable = dep({ gen: 1, observed: 1, updated: 2, available: 2, reason: 'NewReplicaSetAvailable' });
  it.each<[string, V1Deployment | undefined, V1Deployment | undefined, string[]]>([
    ['baseline sight', undefined, stable, []],
    ['spec changed', stable, dep({ gen: 2, observed: 1, updated: 2, available: 2, reason: 'NewReplicaSetAvailable' }), ['rollout-progressing']],
    ['new RS created', dep({ gen: 2, observed: 1, updated: 2, available: 2, reason: 'NewReplicaSetAvailable' }), dep({ gen: 2, observed: 2, updated: 0, available: 2, replicas: 2, reason: 'NewReplicaSetCreated' }), ['rollout-progressing']],
    ['same reason again', dep({ gen: 2, observed: 2, updated: 1, available: 2, replicas: 3, reason: 'ReplicaSetUpdated' }), dep({ gen: 2, observed: 2, updated: 2, available: 2, replicas: 3, reason: 'ReplicaSetUpdated' }), []],
    ['completes', dep({ gen: 2, observed: 2, updated: 2, available: 2, replicas: 3, reason: 'ReplicaSetUpdated' }), dep({ gen: 2, observed: 2, updated: 2, available: 2, reason: 'NewReplicaSetAvailable' }), ['rollout-complete']],
    ['fails', dep({ gen: 2, observed: 2, updated: 1, available: 2, replicas: 3, reason: 'ReplicaSetUpdated' }), dep({ gen: 2, observed: 2, updated: 1, available: 2, replicas: 3, reason: 'ProgressDeadlineExceeded' }), ['rollout-failed']],
    ['stays complete', stable, stable, []],
  ])('%s', (_n, prev, next, want) => {
    expect(types(deploymentEvents(prev, next))).toEqual(want);
  });
});

// ---------------------------------------------------------------- endpoints

function slice(name: string, eps: Array<{ pod: string; ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }>): V1EndpointSlice {
  return {
    addressType: 'IPv4',
    metadata: { name },
    endpoints: eps.map((e) => ({
      addresses: [e.ip],
      targetRef: { kind: 'Pod', name: e.pod },
      conditions: {
        ...(e.ready === undefined ? {} : { ready: e.ready }),
        ...(e.serving === undefined ? {} : { serving: e.serving }),
        ...(e.terminating === undefined ? {} : { terminating: e.terminating }),
      },
    })),
  };
}

function view(...slices: V1EndpointSlice[]): Map<string, EndpointState> {
  return endpointsOf(slices);
}

describe('endpointsOf', () => {
  it('treats a missing ready as ready, and merges a pod listed in two slices', () => {
    const m = view(slice('a', [{ pod: 'p1', ip: '10.0.0.1' }, { pod: 'p2', ip: '10.0.0.2', ready: false }]), slice('b', [{ pod: 'p2', ip: '10.0.0.2', ready: true }]));
    expect(m.get('p1')).toEqual({ key: 'p1', addresses: ['10.0.0.1'], ready: true, serving: true, terminating: false });
    expect(m.get('p2')?.ready).toBe(true);
  });
});

describe('endpointEvents', () => {
  const one = view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: true }]));
  it.each<[string, Map<string, EndpointState>, Map<string, EndpointState>, string[]]>([
    ['added ready', new Map(), one, ['endpoint-added', 'endpoint-ready']],
    ['added not ready', new Map(), view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: false }])), ['endpoint-added']],
    ['became ready', view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: false }])), one, ['endpoint-ready']],
    ['lost readiness', one, view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: false }])), ['endpoint-not-ready']],
    ['terminating', one, view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: false, serving: true, terminating: true }])), ['endpoint-terminating']],
    ['removed', one, new Map(), ['endpoint-removed']],
    ['moved between slices', one, view(slice('b', [{ pod: 'p1', ip: '10.0.0.1', ready: true }])), []],
    ['unchanged', one, one, []],
  ])('%s', (_n, prev, next, want) => {
    expect(types(endpointEvents(prev, next))).toEqual(want);
  });

  it('names the endpoint by pod and says it still serves', () => {
    const ev = endpointEvents(one, view(slice('a', [{ pod: 'p1', ip: '10.0.0.1', ready: false, serving: true, terminating: true }])));
    expect(ev).toEqual([{ type: 'endpoint-terminating', object: 'endpoint/p1', message: '10.0.0.1 (still serving)' }]);
  });
});
