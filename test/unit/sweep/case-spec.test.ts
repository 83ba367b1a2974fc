import { describe, expect, it } from 'vitest';
import { buildCaseSpec, invalidReasons, sameSpec } from '../../../src/sweep/case-spec.js';
import { resolveSweepSpec } from '../../../src/sweep/sweep-spec.js';

const spec = (over: { replicas?: number; surge?: number | string; unavailable?: number | string; type?: string; grace?: number; preStop?: number }): Record<string, unknown> => ({
  replicas: over.replicas ?? 3,
  strategy: over.type === 'Recreate' ? { type: 'Recreate' } : { type: 'RollingUpdate', rollingUpdate: { maxSurge: over.surge ?? 1, maxUnavailable: over.unavailable ?? 0 } },
  template: {
    spec: {
      ...(over.grace === undefined ? {} : { terminationGracePeriodSeconds: over.grace }),
      containers: [{ name: 'app', image: 'a:1', ...(over.preStop === undefined ? {} : { lifecycle: { preStop: { sleep: { seconds: over.preStop } } } }) }],
    },
  },
});

describe('invalid combinations', () => {
  it.each<[string, Parameters<typeof spec>[0], RegExp | null]>([
    ['surge 1 / unavailable 0', {}, null],
    ['surge 0 / unavailable 1', { surge: 0, unavailable: 1 }, null],
    ['surge 0 / unavailable 0', { surge: 0, unavailable: 0 }, /both resolve to 0/],
    ['surge 0% / unavailable 0', { surge: '0%', unavailable: 0 }, /both resolve to 0/],
    ['surge 0 / unavailable 25% of 3 (rounds down to 0)', { surge: 0, unavailable: '25%' }, /both resolve to 0 with 3 replicas/],
    ['surge 0 / unavailable 25% of 4', { replicas: 4, surge: 0, unavailable: '25%' }, null],
    ['surge 10% of 3 (rounds up to 1) / unavailable 0', { surge: '10%', unavailable: 0 }, null],
    ['replicas 0', { replicas: 0 }, /replicas 0 < 1/],
    ['preStop 5 under the default grace 30', { preStop: 5 }, null],
    ['preStop 30 = grace 30', { preStop: 30, grace: 30 }, null],
    ['preStop 10 over grace 5', { preStop: 10, grace: 5 }, /preStop sleep \(10 s\) is longer than terminationGracePeriodSeconds \(5 s\)/],
    ['preStop 40 over the default grace', { preStop: 40 }, /longer than terminationGracePeriodSeconds \(30 s\)/],
    ['Recreate without bounds', { type: 'Recreate' }, null],
  ])('%s', (_name, over, reason) => {
    const reasons = invalidReasons(spec(over));
    if (reason === null) expect(reasons).toEqual([]);
    else expect(reasons.join('\n')).toMatch(reason);
  });

  it('judges the spec with the settings written in: a case may break a rule only together with the Deployment', () => {
    const sweep = resolveSweepSpec(undefined, { vary: ['maxSurge=0,1', 'preStopSeconds=0,40'] });
    const original = spec({ surge: 1, unavailable: 0 });
    const results = [
      buildCaseSpec(original, sweep.fields, { maxSurge: 0, preStopSeconds: 0 }),
      buildCaseSpec(original, sweep.fields, { maxSurge: 1, preStopSeconds: 40 }),
      buildCaseSpec(original, sweep.fields, { maxSurge: 1, preStopSeconds: 0 }),
    ];
    expect(results.map((r) => r.ok)).toEqual([false, false, true]);
    expect(sameSpec(original, spec({ surge: 1, unavailable: 0 }))).toBe(true);
  });

  it('replicas=0 and a maxSurge on Recreate are reported', () => {
    const sweep = resolveSweepSpec(undefined, { vary: ['replicas=0', 'maxSurge=1'] });
    const r = buildCaseSpec(spec({ type: 'Recreate' }), sweep.fields, { replicas: 0, maxSurge: 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reasons.join('\n')).toMatch(/replicas 0[\s\S]*Recreate/);
  });
});
