import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { controllerOf, isPodReady } from '../../../../src/emulator/controllers/pod-util.js';
import { maxSurgeOf, maxUnavailableOf, type IntOrString } from '../../../../src/emulator/controllers/rollout-math.js';
import {
  type Cluster,
  deployment,
  patchDeployment,
  podsOf,
  replicaSetsOf,
  rolloutStatus,
  servingPod,
  setImage,
  startCluster,
  waitFor,
  waitForComplete,
} from './harness.js';

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const REVISION = 'deployment.kubernetes.io/revision';

function revision(o: KObject): string | undefined {
  return o.metadata.annotations?.[REVISION];
}

describe('RollingUpdate', () => {
  it.each([
    [10, 3, 2],
    [3, 1, 0],
    [3, 0, 1],
    [4, '25%', '25%'],
    [5, '50%', 0],
    [6, 0, '50%'],
  ] as Array<[number, IntOrString, IntOrString]>)(
    'replicas %i maxSurge %j maxUnavailable %j: never above replicas+surge pods, never below replicas-unavailable available',
    async (replicas, maxSurge, maxUnavailable) => {
      cluster = startCluster({ readyAfterMs: 15, goneAfterMs: 25 });
      const { store } = cluster;
      const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } as const;
      store.create('deployments', deployment('web', replicas, strategy));
      let d = await waitForComplete(store, 'web');
      const surge = maxSurgeOf({ type: 'RollingUpdate', maxSurge, maxUnavailable }, replicas);
      const unavailable = maxUnavailableOf({ type: 'RollingUpdate', maxSurge, maxUnavailable }, replicas);

      const violations: string[] = [];
      let maxPods = 0;
      let minAvailable = Infinity;
      let maxSpec = 0;
      const check = (): void => {
        const rss = replicaSetsOf(store, d);
        const pods = podsOf(store, new Set(rss.map((rs) => rs.metadata.uid ?? '')));
        const live = pods.filter((p) => p.metadata.deletionTimestamp === undefined).length;
        const available = pods.filter(servingPod).length;
        const spec = rss.reduce((a, rs) => a + (rs.spec?.replicas ?? 0), 0);
        maxPods = Math.max(maxPods, live);
        minAvailable = Math.min(minAvailable, available);
        maxSpec = Math.max(maxSpec, spec);
        if (live > replicas + surge) violations.push(`${live} pods > ${replicas}+${surge}`);
        if (spec > replicas + surge) violations.push(`sum of RS spec.replicas ${spec} > ${replicas}+${surge}`);
        if (available < replicas - unavailable) violations.push(`${available} available < ${replicas}-${unavailable}`);
      };
      const stops = [store.watch('pods', 'default', undefined, check), store.watch('replicasets', 'default', undefined, check)];
      try {
        for (const image of ['app:v2', 'app:v3']) {
          setImage(store, 'web', image);
          d = await waitForComplete(store, 'web');
          await waitFor(() => podsOf(store, new Set(replicaSetsOf(store, d).map((rs) => rs.metadata.uid ?? ''))).length === replicas, 'old pods gone');
        }
      } finally {
        for (const s of stops) s();
      }
      expect(violations).toEqual([]);
      // The bounds are reached, not just respected (the rollout uses its budget).
      expect(maxSpec).toBe(replicas + surge);
      expect(minAvailable).toBeLessThanOrEqual(replicas);
      const rss = replicaSetsOf(store, d);
      expect(rss).toHaveLength(3);
      expect(rss.map((rs) => rs.spec.replicas)).toEqual([0, 0, replicas]);
      expect(rss.map(revision)).toEqual(['1', '2', '3']);
      expect(revision(d)).toBe('3');
      expect(d.status).toMatchObject({ replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, unavailableReplicas: 0 });
      const conds = Object.fromEntries((d.status.conditions as Array<{ type: string; reason: string; status: string }>).map((c) => [c.type, c]));
      expect(conds['Available']).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
      expect(conds['Progressing']).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    },
  );

  it('names the new ReplicaSet <deployment>-<hash> with the hash label on it, its selector and template, owned by the Deployment', async () => {
    cluster = startCluster();
    const { store } = cluster;
    store.create('deployments', deployment('api', 2, { type: 'RollingUpdate' }));
    const d = await waitForComplete(store, 'api');
    const [rs] = replicaSetsOf(store, d);
    if (rs === undefined) throw new Error('no rs');
    const hash = rs.metadata.labels?.['pod-template-hash'];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.name).toBe(`api-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'api', 'pod-template-hash': hash });
    expect(rs.spec.template.metadata.labels).toEqual({ app: 'api', 'pod-template-hash': hash });
    expect(controllerOf(rs)).toMatchObject({ kind: 'Deployment', name: 'api', uid: d.metadata.uid, controller: true });
    expect(rs.metadata.annotations).toMatchObject({ [REVISION]: '1', 'deployment.kubernetes.io/desired-replicas': '2', 'deployment.kubernetes.io/max-replicas': '3' });
    const pods = podsOf(store, new Set([rs.metadata.uid ?? '']));
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^api-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata.labels).toEqual({ app: 'api', 'pod-template-hash': hash });
      expect(p.spec.nodeName).toBe(store.nodeName);
      expect(p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled')?.status).toBe('True');
    }
    const events = store.list('events', 'default').items.filter((e) => e['reason'] === 'ScalingReplicaSet');
    expect(events.map((e) => e['message'])).toContain(`Scaled up replica set api-${hash} from 0 to 2`);
  });

  it('scales a complete Deployment up and down through its one ReplicaSet', async () => {
    cluster = startCluster();
    const { store } = cluster;
    store.create('deployments', deployment('web', 2, { type: 'RollingUpdate' }));
    await waitForComplete(store, 'web');
    patchDeployment(store, 'web', (d) => (d.spec.replicas = 5));
    let d = await waitForComplete(store, 'web');
    expect(d.status.availableReplicas).toBe(5);
    patchDeployment(store, 'web', (x) => (x.spec.replicas = 1));
    d = await waitForComplete(store, 'web');
    const rss = replicaSetsOf(store, d);
    expect(rss).toHaveLength(1);
    expect(rss[0]?.spec.replicas).toBe(1);
    expect(rss[0]?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('1');
  });

  it('scales proportionally when replicas change in the middle of a rollout', async () => {
    cluster = startCluster({ neverReady: (p) => p.spec.containers[0].image === 'app:stuck' });
    const { store } = cluster;
    store.create('deployments', deployment('web', 10, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }));
    let d = await waitForComplete(store, 'web');
    setImage(store, 'web', 'app:stuck');
    // New RS at 5 (3 surge + 2 unavailable), old at 8: stuck there.
    await waitFor(() => {
      const rss = replicaSetsOf(store, d);
      return rss.length === 2 && rss[0]?.spec.replicas === 8 && rss[1]?.spec.replicas === 5;
    }, 'rollout to stall at 8 old / 5 new');
    d = patchDeployment(store, 'web', (x) => (x.spec.replicas = 20));
    await waitFor(() => {
      const rss = replicaSetsOf(store, d);
      const sum = rss.reduce((a, rs) => a + rs.spec.replicas, 0);
      return sum === 23 ? rss : undefined;
    }, 'proportional scale-up to 20 + 3 surge');
    // 8:5 (annotated max 13) spread over 23: round(8*23/13) = 14 and round(5*23/13) = 9.
    await new Promise((r) => setTimeout(r, 100));
    const rss = replicaSetsOf(store, d);
    expect(rss.map((rs) => rs.spec.replicas)).toEqual([14, 9]);
    expect(rss.map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'])).toEqual(['23', '23']);
  });
});

describe('Recreate', () => {
  it('removes every old pod before any new pod exists', async () => {
    cluster = startCluster({ readyAfterMs: 10, goneAfterMs: 40 });
    const { store } = cluster;
    store.create('deployments', deployment('web', 4, { type: 'Recreate' }));
    let d = await waitForComplete(store, 'web');
    const oldUid = replicaSetsOf(store, d)[0]?.metadata.uid ?? '';
    const overlaps: string[] = [];
    let sawZero = false;
    const stop = store.watch('pods', 'default', undefined, () => {
      const pods = store.list('pods', 'default').items;
      const old = pods.filter((p) => controllerOf(p)?.uid === oldUid).length;
      const fresh = pods.filter((p) => controllerOf(p) !== undefined && controllerOf(p)?.uid !== oldUid).length;
      if (old > 0 && fresh > 0) overlaps.push(`${old} old pods (terminating included) with ${fresh} new`);
      if (old === 0 && fresh === 0) sawZero = true;
    });
    try {
      setImage(store, 'web', 'app:v2');
      d = await waitForComplete(store, 'web');
    } finally {
      stop();
    }
    expect(overlaps).toEqual([]);
    expect(sawZero).toBe(true);
    expect(replicaSetsOf(store, d).map((rs) => rs.spec.replicas)).toEqual([0, 4]);
    expect(revision(d)).toBe('2');
  });
});

describe('progress deadline', () => {
  it('reports ProgressDeadlineExceeded when new pods never become ready, keeping old pods serving', async () => {
    cluster = startCluster({ neverReady: (p) => p.spec.containers[0].image === 'app:broken' });
    const { store } = cluster;
    store.create('deployments', deployment('web', 4, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'app:v1', { progressDeadlineSeconds: 1 }));
    await waitForComplete(store, 'web');
    setImage(store, 'web', 'app:broken');
    const d = await waitFor(() => {
      const x = store.get('deployments', 'default', 'web');
      return x !== undefined && rolloutStatus(x) === 'failed' ? x : undefined;
    }, 'ProgressDeadlineExceeded', 8000);
    const prog = d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    expect(prog).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(prog.message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
    const rss = replicaSetsOf(store, d);
    expect(rss.map((rs) => rs.spec.replicas)).toEqual([4, 1]);
    expect(d.status).toMatchObject({ replicas: 5, updatedReplicas: 1, availableReplicas: 4, unavailableReplicas: 1 });
    expect(d.status.conditions.find((c: { type: string }) => c.type === 'Available')).toMatchObject({ status: 'True' });
  });

  it('stamps NewReplicaSetCreated, then ReplicaSetUpdated, then NewReplicaSetAvailable, keeping lastTransitionTime while True', async () => {
    cluster = startCluster();
    const { store } = cluster;
    const reasons: string[] = [];
    const stop = store.watch('deployments', 'default', undefined, (e) => {
      const r = e.object.status?.conditions?.find((c: { type: string }) => c.type === 'Progressing')?.reason;
      if (r !== undefined && reasons[reasons.length - 1] !== r) reasons.push(r);
    });
    store.create('deployments', deployment('web', 3, { type: 'RollingUpdate' }));
    const d = await waitForComplete(store, 'web');
    stop();
    expect(reasons[0]).toBe('NewReplicaSetCreated');
    expect(reasons).toContain('ReplicaSetUpdated');
    expect(reasons[reasons.length - 1]).toBe('NewReplicaSetAvailable');
    const prog = d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
    expect(Date.parse(prog.lastTransitionTime)).toBeLessThanOrEqual(Date.parse(prog.lastUpdateTime));
  });
});

describe('rollback (kubectl rollout undo)', () => {
  /** What kubectl 1.32's DeploymentRollbacker does: template and annotations from the previous revision's ReplicaSet. */
  function rolloutUndo(store: Cluster['store'], name: string): void {
    const d = store.get('deployments', 'default', name);
    if (d === undefined) throw new Error('no deployment');
    const rss = replicaSetsOf(store, d).filter((rs) => revision(rs) !== undefined);
    rss.sort((a, b) => Number(revision(b)) - Number(revision(a)));
    const previous = rss[1];
    if (previous === undefined) throw new Error('no previous revision');
    const template = structuredClone(previous.spec.template);
    delete template.metadata.labels['pod-template-hash'];
    const skip = new Set([
      'kubectl.kubernetes.io/last-applied-configuration',
      REVISION,
      'deployment.kubernetes.io/revision-history',
      'deployment.kubernetes.io/desired-replicas',
      'deployment.kubernetes.io/max-replicas',
      'deprecated.deployment.rollback.to',
    ]);
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v;
    for (const [k, v] of Object.entries(previous.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v;
    d.spec.template = template;
    d.metadata.annotations = annotations;
    store.update('deployments', d);
  }

  it('makes the previous ReplicaSet new again with the next revision, keeping its history', async () => {
    cluster = startCluster();
    const { store } = cluster;
    store.create('deployments', deployment('web', 3, { type: 'RollingUpdate' }));
    let d = await waitForComplete(store, 'web');
    const v1 = replicaSetsOf(store, d)[0];
    patchDeployment(store, 'web', (x) => {
      x.metadata.annotations = { ...(x.metadata.annotations ?? {}), 'kubernetes.io/change-cause': 'to v2' };
      x.spec.template.spec.containers[0].image = 'app:v2';
    });
    d = await waitForComplete(store, 'web');
    expect(revision(d)).toBe('2');
    expect(replicaSetsOf(store, d)[1]?.metadata.annotations?.['kubernetes.io/change-cause']).toBe('to v2');

    rolloutUndo(store, 'web');
    d = await waitForComplete(store, 'web');
    const rss = replicaSetsOf(store, d);
    expect(rss).toHaveLength(2);
    const [first, second] = rss;
    expect(first?.metadata.name).toBe(v1?.metadata.name);
    expect(first?.spec.replicas).toBe(3);
    expect(revision(first as KObject)).toBe('3');
    expect(first?.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(second?.spec.replicas).toBe(0);
    expect(revision(second as KObject)).toBe('2');
    expect(revision(d)).toBe('3');
    expect(d.spec.template.spec.containers[0].image).toBe('app:v1');
    expect(d.metadata.annotations?.['kubernetes.io/change-cause']).toBeUndefined();
  });
});

describe('paused', () => {
  it('does not roll out a new template while paused, but still scales; resumes the rollout', async () => {
    cluster = startCluster();
    const { store } = cluster;
    store.create('deployments', deployment('web', 2, { type: 'RollingUpdate' }));
    let d = await waitForComplete(store, 'web');
    patchDeployment(store, 'web', (x) => (x.spec.paused = true));
    await waitFor(() => store.get('deployments', 'default', 'web')?.status?.conditions?.some((c: { reason: string }) => c.reason === 'DeploymentPaused'), 'DeploymentPaused');
    setImage(store, 'web', 'app:v2');
    patchDeployment(store, 'web', (x) => (x.spec.replicas = 4));
    await waitFor(() => replicaSetsOf(store, d)[0]?.status?.availableReplicas === 4, 'scale to 4 while paused');
    await new Promise((r) => setTimeout(r, 150));
    expect(replicaSetsOf(store, d)).toHaveLength(1);
    d = store.get('deployments', 'default', 'web') as KObject;
    expect(d.status.observedGeneration).toBe(d.metadata.generation);
    expect(rolloutStatus(d)).toBe('0 out of 4 new replicas have been updated');

    patchDeployment(store, 'web', (x) => (x.spec.paused = false));
    d = await waitForComplete(store, 'web');
    const rss = replicaSetsOf(store, d);
    expect(rss.map((rs) => rs.spec.replicas)).toEqual([0, 4]);
    expect(rss[1]?.spec.template.spec.containers[0].image).toBe('app:v2');
  });
});

describe('revisionHistoryLimit', () => {
  it('prunes the oldest scaled-down ReplicaSets beyond the limit once complete', async () => {
    cluster = startCluster({ readyAfterMs: 5, goneAfterMs: 5 });
    const { store } = cluster;
    store.create('deployments', deployment('web', 2, { type: 'RollingUpdate' }, 'app:v1', { revisionHistoryLimit: 1 }));
    let d = await waitForComplete(store, 'web');
    for (const image of ['app:v2', 'app:v3', 'app:v4']) {
      setImage(store, 'web', image);
      d = await waitForComplete(store, 'web');
    }
    const rss = await waitFor(() => {
      const x = replicaSetsOf(store, d);
      return x.length === 2 ? x : undefined;
    }, 'pruning to 1 old ReplicaSet');
    expect(rss.map(revision)).toEqual(['3', '4']);
    expect(rss.map((rs) => rs.spec.template.spec.containers[0].image)).toEqual(['app:v3', 'app:v4']);
  });
});

describe('minReadySeconds', () => {
  it('counts a pod available only after it has been Ready for minReadySeconds', async () => {
    cluster = startCluster({ readyAfterMs: 5 });
    const { store } = cluster;
    const seen: Array<{ ready: number; available: number; at: number }> = [];
    const stop = store.watch('replicasets', 'default', undefined, (e) => {
      seen.push({ ready: e.object.status?.readyReplicas ?? 0, available: e.object.status?.availableReplicas ?? 0, at: Date.now() });
    });
    const t0 = Date.now();
    store.create('deployments', deployment('web', 2, { type: 'RollingUpdate' }, 'app:v1', { minReadySeconds: 1 }));
    const d = await waitForComplete(store, 'web', 8000);
    stop();
    expect(d.status.availableReplicas).toBe(2);
    const allReady = seen.find((s) => s.ready === 2);
    expect(allReady?.available).toBe(0);
    // Ready since a second-precision timestamp: available between 0 and 1 s later, never at once.
    const firstAvailable = seen.find((s) => s.available > 0);
    expect(firstAvailable).toBeDefined();
    expect((firstAvailable?.at ?? 0) - t0).toBeGreaterThan(0);
    const pods = podsOf(store, new Set(replicaSetsOf(store, d).map((rs) => rs.metadata.uid ?? '')));
    for (const p of pods) {
      expect(isPodReady(p)).toBe(true);
      const since = Date.parse(p.status.conditions.find((c: { type: string }) => c.type === 'Ready').lastTransitionTime);
      // Upstream's IsPodAvailable is inclusive since v1.34: Ready for exactly minReadySeconds counts.
      expect(firstAvailable?.at ?? 0).toBeGreaterThanOrEqual(since + 1000);
    }
  });
});

describe('ReplicaFailure', () => {
  it('surfaces a failed pod create on the ReplicaSet and the Deployment, and clears it once pods can be created', async () => {
    let refuse = true;
    cluster = startCluster({
      controllerStore: (real) =>
        new Proxy(real, {
          get(target, prop, receiver) {
            if (prop === 'create') {
              return (resource: string, obj: KObject) => {
                if (resource === 'pods' && refuse) throw new ApiError(403, 'Forbidden', 'pods "web-x" is forbidden: exceeded quota');
                return target.create(resource, obj);
              };
            }
            const v: unknown = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? v.bind(target) : v;
          },
        }),
    });
    const { store } = cluster;
    store.create('deployments', deployment('web', 2, { type: 'RollingUpdate' }));
    const d = await waitFor(() => {
      const x = store.get('deployments', 'default', 'web');
      return x?.status?.conditions?.some((c: { type: string }) => c.type === 'ReplicaFailure') ? x : undefined;
    }, 'ReplicaFailure on the Deployment');
    expect(d.status.conditions.find((c: { type: string }) => c.type === 'ReplicaFailure')).toMatchObject({ status: 'True', reason: 'FailedCreate', message: expect.stringMatching(/exceeded quota/) });
    expect(replicaSetsOf(store, d)[0]?.status?.conditions?.[0]).toMatchObject({ type: 'ReplicaFailure', reason: 'FailedCreate' });
    refuse = false;
    const done = await waitForComplete(store, 'web');
    expect(done.status.conditions.some((c: { type: string }) => c.type === 'ReplicaFailure')).toBe(false);
    expect(replicaSetsOf(store, done)[0]?.status?.conditions).toBeUndefined();
  });
});
