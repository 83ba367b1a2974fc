import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IntOrString,
  type ReplicaSetCounts,
  type StrategyView,
  cleanupUnhealthyPlan,
  computeTemplateHash,
  maxSurgeOf,
  maxUnavailableOf,
  newReplicaSetReplicas,
  nextRevision,
  previousRevision,
  proportionalScale,
  reconcileOldPlan,
  resolveFenceposts,
  safeEncodeString,
  scaledValue,
  scaleDownOldPlan,
  templatesEqualIgnoringHash,
} from '../../../../src/emulator/controllers/rollout-math.js';

const rolling = (maxSurge: IntOrString, maxUnavailable: IntOrString): StrategyView => ({ type: 'RollingUpdate', maxSurge, maxUnavailable });
const rs = (name: string, replicas: number, available: number, createdMs: number): ReplicaSetCounts => ({ name, replicas, available, createdMs });

describe('scaledValue', () => {
  it.each([
    [5, 10, true, 5],
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['50%', 5, true, 3],
    ['50%', 5, false, 2],
    ['100%', 7, false, 7],
    ['0%', 7, true, 0],
    ['33%', 100, true, 33],
    ['1%', 1, true, 1],
    ['1%', 1, false, 0],
  ] as const)('%s of %i (roundUp %s) = %i', (value, total, up, want) => {
    expect(scaledValue(value, total, up)).toBe(want);
  });

  it.each(['3', 'abc', '25', '%'])('rejects the non-percentage string %j', (v) => {
    expect(() => scaledValue(v, 10, true)).toThrow(/not a percentage/);
  });
});

describe('resolveFenceposts (upstream cases)', () => {
  it.each([
    // [maxSurge, maxUnavailable, replicas, surge, unavailable]
    ['25%', '25%', 3, 1, 0],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 1, 1, 0],
    ['25%', '25%', 0, 0, 1],
    [0, 0, 5, 0, 1],
    ['0%', '0%', 5, 0, 1],
    [0, '10%', 5, 0, 1],
    [3, 2, 10, 3, 2],
    [1, 0, 10, 1, 0],
    [0, 1, 10, 0, 1],
    ['50%', '50%', 5, 3, 2],
    ['100%', 0, 3, 3, 0],
    [2, '100%', 3, 2, 3],
  ] as const)('maxSurge %j maxUnavailable %j replicas %i -> %i/%i', (s, u, replicas, surge, unavailable) => {
    expect(resolveFenceposts(s, u, replicas)).toEqual({ surge, unavailable });
  });

  it('reads an absent value as 0, as upstream (the 25% defaults are applied to the spec before)', () => {
    expect(resolveFenceposts(undefined, undefined, 10)).toEqual({ surge: 0, unavailable: 1 });
    expect(resolveFenceposts('25%', '25%', 10)).toEqual({ surge: 3, unavailable: 2 });
  });

  it('caps maxUnavailable at replicas and zeroes both for Recreate', () => {
    expect(maxUnavailableOf(rolling(0, 5), 3)).toBe(3);
    expect(maxUnavailableOf(rolling(1, 1), 0)).toBe(0);
    expect(maxUnavailableOf({ type: 'Recreate' }, 3)).toBe(0);
    expect(maxSurgeOf({ type: 'Recreate' }, 3)).toBe(0);
  });
});

describe('newReplicaSetReplicas', () => {
  it.each([
    // [surge, unavailable, replicas, allSpecSum, newSpec, want]
    [3, 2, 10, 10, 0, 3],
    [3, 2, 10, 13, 3, 3],
    [3, 2, 10, 11, 3, 5],
    [1, 0, 3, 3, 0, 1],
    [0, 1, 3, 3, 0, 0],
    [0, 1, 3, 2, 0, 1],
    [3, 2, 10, 4, 8, 10],
    [3, 2, 10, 14, 3, 3],
  ] as const)('surge %i unavail %i replicas %i all %i new %i -> %i', (s, u, replicas, all, cur, want) => {
    expect(newReplicaSetReplicas(rolling(s, u), replicas, all, cur)).toBe(want);
  });

  it('Recreate goes straight to replicas', () => {
    expect(newReplicaSetReplicas({ type: 'Recreate' }, 5, 0, 0)).toBe(5);
  });
});

describe('old ReplicaSet scale-down', () => {
  it('cleans up unhealthy pods oldest first, within the budget', () => {
    const olds = [rs('b', 3, 1, 2), rs('a', 3, 2, 1), rs('c', 2, 2, 3)];
    expect(cleanupUnhealthyPlan(olds, 2)).toEqual([
      { name: 'a', from: 3, to: 2 },
      { name: 'b', from: 3, to: 2 },
    ]);
  });

  it('refuses a stale status with more available than desired', () => {
    expect(() => cleanupUnhealthyPlan([rs('a', 8, 10, 1)], 3)).toThrow(/invalid request/);
  });

  it('scales available old pods down to minAvailable, oldest first', () => {
    const olds = [rs('old2', 4, 4, 2), rs('old1', 3, 3, 1)];
    const all = [...olds, rs('new', 3, 3, 3)];
    // available 10, minAvailable 8: 2 to remove, from the oldest.
    expect(scaleDownOldPlan(all, olds, 8)).toEqual([{ name: 'old1', from: 3, to: 1 }]);
    expect(scaleDownOldPlan(all, olds, 5)).toEqual([
      { name: 'old1', from: 3, to: 0 },
      { name: 'old2', from: 4, to: 2 },
    ]);
  });

  it.each([
    // 10 replicas 3/2: old 10/10 available, new 3/0 -> budget 13-8-3 = 2 -> scale old to 8
    [rolling(3, 2), 10, rs('new', 3, 0, 2), [rs('old', 10, 10, 1)], [{ name: 'old', from: 10, to: 8 }]],
    // new pods not ready and old fully available at min: nothing
    [rolling(3, 2), 10, rs('new', 5, 0, 2), [rs('old', 8, 8, 1)], []],
    // new ready: old goes down by what became available
    [rolling(3, 2), 10, rs('new', 5, 3, 2), [rs('old', 8, 8, 1)], [{ name: 'old', from: 8, to: 5 }]],
    // 1/0 with 3: nothing until the surge pod is available
    [rolling(1, 0), 3, rs('new', 1, 0, 2), [rs('old', 3, 3, 1)], []],
    [rolling(1, 0), 3, rs('new', 1, 1, 2), [rs('old', 3, 3, 1)], [{ name: 'old', from: 3, to: 2 }]],
    // unhealthy old pods go first, within sum(spec) - minAvailable
    [rolling(1, 0), 3, rs('new', 1, 1, 3), [rs('old', 3, 1, 1)], [{ name: 'old', from: 3, to: 2 }]],
  ] as const)('reconcileOldPlan case %#', (strategy, replicas, newRs, olds, want) => {
    expect(reconcileOldPlan(strategy, replicas, newRs, olds)).toEqual(want);
  });
});

describe('proportionalScale', () => {
  it('spreads a scale-up over active ReplicaSets by size, remainder to the largest', () => {
    // replicas 10 -> 15 mid-rollout, surge 3 (25% of 10 was 3; of 15 it is 4): allowed 19.
    const sizes = proportionalScale(
      [
        { ...rs('old', 8, 8, 1), maxReplicasAnnotation: 13 },
        { ...rs('new', 5, 0, 2), maxReplicasAnnotation: 13 },
      ],
      15,
      4,
      13,
    );
    expect((sizes.get('old') ?? 0) + (sizes.get('new') ?? 0)).toBe(19);
    expect(sizes.get('old')).toBe(12);
    expect(sizes.get('new')).toBe(7);
  });

  it('scales everything to 0 with replicas 0', () => {
    const sizes = proportionalScale([rs('a', 3, 3, 1), rs('b', 2, 0, 2)], 0, 0, 5);
    expect([...sizes.values()]).toEqual([0, 0]);
  });
});

describe('pod-template hash', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };

  it('is stable, short and alphanumeric from the safe alphabet', () => {
    const h = computeTemplateHash(template);
    expect(h).toBe(computeTemplateHash(structuredClone(template)));
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('ignores the pod-template-hash label and key order', () => {
    const withHash = { spec: template.spec, metadata: { labels: { 'pod-template-hash': 'abc', app: 'web' } } };
    expect(computeTemplateHash(withHash)).toBe(computeTemplateHash(template));
    expect(templatesEqualIgnoringHash(withHash, template)).toBe(true);
  });

  it('changes with the template and with collisionCount', () => {
    const other = { ...template, spec: { containers: [{ name: 'c', image: 'x:2' }] } };
    expect(computeTemplateHash(other)).not.toBe(computeTemplateHash(template));
    expect(templatesEqualIgnoringHash(other, template)).toBe(false);
    expect(computeTemplateHash(template, 1)).not.toBe(computeTemplateHash(template));
    expect(computeTemplateHash(template, 0)).not.toBe(computeTemplateHash(template));
  });

  it('treats empty maps and lists as absent, as semantic equality does', () => {
    expect(templatesEqualIgnoringHash({ metadata: { labels: {} }, spec: { volumes: [] } }, { spec: {} })).toBe(true);
  });

  it('encodes like SafeEncodeString', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
});

describe('revisions', () => {
  const at = (r?: string) => ({ metadata: r === undefined ? {} : { annotations: { 'deployment.kubernetes.io/revision': r } } });
  it('next is max + 1; previous is the second highest', () => {
    expect(nextRevision([1, 3, 2])).toBe(4);
    expect(nextRevision([])).toBe(1);
    expect(previousRevision([at('1'), at('3'), at('2'), at()])).toBe(2);
    expect(previousRevision([at('5')])).toBe(0);
  });
});

/* ---------- property: simulated rollouts ---------- */

interface SimRs {
  name: string;
  spec: number;
  ready: number;
  pending: number;
  created: number;
}

/** A ReplicaSet controller that reconciles at once, deleting pending pods before ready ones. */
function reconcilePods(r: SimRs): void {
  let surplus = r.ready + r.pending - r.spec;
  if (surplus < 0) r.pending -= surplus;
  else {
    const p = Math.min(surplus, r.pending);
    r.pending -= p;
    surplus -= p;
    r.ready -= surplus;
  }
}

const counts = (r: SimRs): ReplicaSetCounts => ({ name: r.name, replicas: r.spec, available: r.ready, createdMs: r.created });

function deploymentSync(strategy: StrategyView, replicas: number, rss: SimRs[], newName: string): void {
  const newRs = rss.find((r) => r.name === newName);
  if (newRs === undefined) throw new Error('no new rs');
  const all = rss.map(counts);
  const sum = all.reduce((a, r) => a + r.replicas, 0);
  if (newRs.spec > replicas) newRs.spec = replicas;
  else {
    const to = newReplicaSetReplicas(strategy, replicas, sum, newRs.spec);
    if (to !== newRs.spec) {
      newRs.spec = to;
      reconcilePods(newRs);
      return;
    }
  }
  const olds = rss.filter((r) => r !== newRs);
  for (const step of reconcileOldPlan(strategy, replicas, counts(newRs), olds.map(counts))) {
    const r = rss.find((x) => x.name === step.name);
    if (r !== undefined) r.spec = step.to;
  }
  for (const r of rss) reconcilePods(r);
}

const intOrPercent = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`));

describe('property: simulated rolling updates', () => {
  it('never exceed replicas + maxSurge pods nor drop below replicas - maxUnavailable available, and complete', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 15 }),
        intOrPercent,
        intOrPercent,
        fc.array(fc.oneof(fc.constant('sync' as const), fc.constant('ready' as const), fc.constant('template' as const)), { minLength: 1, maxLength: 120 }),
        fc.array(fc.nat(), { minLength: 120, maxLength: 120 }),
        (replicas, maxSurge, maxUnavailable, actions, picks) => {
          const strategy = rolling(maxSurge, maxUnavailable);
          const surge = maxSurgeOf(strategy, replicas);
          const minAvailable = replicas - maxUnavailableOf(strategy, replicas);
          let t = 1;
          const rss: SimRs[] = [{ name: 'rs0', spec: replicas, ready: replicas, pending: 0, created: t++ }];
          let newName = 'rs1';
          rss.push({ name: newName, spec: 0, ready: 0, pending: 0, created: t++ });
          let templates = 0;
          const check = (): void => {
            const specSum = rss.reduce((a, r) => a + r.spec, 0);
            const pods = rss.reduce((a, r) => a + r.ready + r.pending, 0);
            const ready = rss.reduce((a, r) => a + r.ready, 0);
            expect(specSum).toBeLessThanOrEqual(replicas + surge);
            expect(pods).toBeLessThanOrEqual(replicas + surge);
            expect(ready).toBeGreaterThanOrEqual(minAvailable);
          };
          actions.forEach((a, i) => {
            const pick = picks[i] ?? 0;
            if (a === 'sync') deploymentSync(strategy, replicas, rss, newName);
            else if (a === 'ready') {
              const withPending = rss.filter((r) => r.pending > 0);
              const r = withPending[pick % Math.max(1, withPending.length)];
              if (r !== undefined) {
                r.pending--;
                r.ready++;
              }
            } else if (templates < 2) {
              templates++;
              newName = `rs${rss.length}`;
              rss.push({ name: newName, spec: 0, ready: 0, pending: 0, created: t++ });
            }
            check();
          });
          // Run to completion: every pod becomes ready, the controller keeps syncing.
          for (let i = 0; i < 200; i++) {
            for (const r of rss) {
              r.ready += r.pending;
              r.pending = 0;
            }
            check();
            deploymentSync(strategy, replicas, rss, newName);
            check();
          }
          for (const r of rss) expect(r.spec).toBe(r.name === newName ? replicas : 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
