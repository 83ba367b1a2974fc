import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '../../../src/rollout/rollout-status.js';

interface Row {
  name: string;
  generation: number;
  observed: number;
  spec: number | undefined;
  replicas: number;
  updated: number;
  available: number;
  reason?: string;
  done: boolean;
  failed: boolean;
  message: string;
}

function dep(r: Row): V1Deployment {
  return {
    metadata: { name: 'web', generation: r.generation },
    spec: { ...(r.spec === undefined ? {} : { replicas: r.spec }), selector: {}, template: {} },
    status: {
      observedGeneration: r.observed,
      replicas: r.replicas,
      updatedReplicas: r.updated,
      availableReplicas: r.available,
      ...(r.reason === undefined ? {} : { conditions: [{ type: 'Progressing', status: r.reason === 'ProgressDeadlineExceeded' ? 'False' : 'True', reason: r.reason }] }),
    },
  };
}

const rows: Row[] = [
  { name: 'spec not observed', generation: 3, observed: 2, spec: 3, replicas: 3, updated: 3, available: 3, done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' },
  { name: 'not observed wins over deadline', generation: 3, observed: 2, spec: 3, replicas: 3, updated: 1, available: 3, reason: 'ProgressDeadlineExceeded', done: false, failed: false, message: 'Waiting for deployment spec update to be observed...' },
  { name: 'deadline exceeded', generation: 3, observed: 3, spec: 3, replicas: 4, updated: 1, available: 3, reason: 'ProgressDeadlineExceeded', done: true, failed: true, message: 'deployment "web" exceeded its progress deadline' },
  { name: 'updating', generation: 3, observed: 3, spec: 3, replicas: 4, updated: 1, available: 3, reason: 'ReplicaSetUpdated', done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...' },
  { name: 'old pending termination', generation: 3, observed: 3, spec: 3, replicas: 4, updated: 3, available: 3, done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...' },
  { name: 'updated not available', generation: 3, observed: 3, spec: 3, replicas: 3, updated: 3, available: 2, done: false, failed: false, message: 'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...' },
  { name: 'complete', generation: 3, observed: 3, spec: 3, replicas: 3, updated: 3, available: 3, reason: 'NewReplicaSetAvailable', done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  { name: 'observed ahead counts as observed', generation: 3, observed: 4, spec: 3, replicas: 3, updated: 3, available: 3, done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  { name: 'no spec.replicas skips the update check', generation: 1, observed: 1, spec: undefined, replicas: 1, updated: 1, available: 1, done: true, failed: false, message: 'deployment "web" successfully rolled out' },
  { name: 'scaled to zero', generation: 2, observed: 2, spec: 0, replicas: 0, updated: 0, available: 0, done: true, failed: false, message: 'deployment "web" successfully rolled out' },
];

describe('rolloutStatus (kubectl rollout status rules)', () => {
  it.each(rows)('$name', (r) => {
    expect(rolloutStatus(dep(r))).toEqual({ done: r.done, failed: r.failed, message: r.message });
  });

  it('treats a missing status as nothing observed', () => {
    expect(rolloutStatus({ metadata: { name: 'x', generation: 1 } })).toMatchObject({ done: false, failed: false });
  });
});
