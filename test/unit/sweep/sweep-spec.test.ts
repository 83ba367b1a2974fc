import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { expandCases, parseCase, parseVary, resolveSweepSpec } from '../../../src/sweep/sweep-spec.js';

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  throw new Error('expected an InvalidInputError');
};

describe('parseVary', () => {
  it.each<[string, string, unknown[]]>([
    ['maxSurge=0,1,25%', 'strategy.rollingUpdate.maxSurge', [0, 1, '25%']],
    ['maxUnavailable=0, 1', 'strategy.rollingUpdate.maxUnavailable', [0, 1]],
    ['preStopSeconds=0,2,5', 'template.spec.containers[*].lifecycle.preStop.sleep.seconds', [0, 2, 5]],
    ['strategy.rollingUpdate.maxSurge=25%,50%', 'strategy.rollingUpdate.maxSurge', ['25%', '50%']],
    ['template.spec.terminationGracePeriodSeconds=10,30', 'template.spec.terminationGracePeriodSeconds', [10, 30]],
    ['replicas=2,2,3', 'replicas', [2, 3]],
  ])('%s', (text, path, values) => {
    const r = parseVary(text);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.axis.field.path).toBe(path);
      expect(r.axis.values).toEqual(values);
    }
  });

  it.each<[string, RegExp]>([
    ['maxSurge', /FIELD=VALUES/],
    ['=1,2', /FIELD=VALUES/],
    ['maxSurge=', /no values/],
    ['maxSurge=1,,2', /maxSurge: "" is not/],
    ['maxSurge=150%', /percentage/],
    ['maxSurj=1', /did you mean "maxSurge"/],
  ])('rejects %j', (text, message) => {
    const r = parseVary(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('parseCase', () => {
  it('takes settings separated by commas, semicolons or spaces', () => {
    for (const text of ['maxSurge=1,maxUnavailable=0', 'maxSurge=1; maxUnavailable=0', 'maxSurge=1 maxUnavailable=0']) {
      const r = parseCase(text);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.settings.map(([f, v]) => [f.key, v])).toEqual([['maxSurge', 1], ['maxUnavailable', 0]]);
    }
  });
  it('rejects a field set twice (also under two names)', () => {
    const r = parseCase('maxSurge=1,strategy.rollingUpdate.maxSurge=2');
    expect(r.ok).toBe(false);
  });
});

describe('resolveSweepSpec', () => {
  it('merges the scenario section and the flags: --vary replaces that field, --repeat wins', () => {
    const spec = resolveSweepSpec({ vary: { maxSurge: [0, 1], preStopSeconds: [0, 5] }, repeat: 2, settle: '3s' }, { vary: ['preStopSeconds=0,3'], repeat: 3 });
    expect(spec.axes.map((a) => [a.field.key, a.values])).toEqual([
      ['maxSurge', [0, 1]],
      ['preStopSeconds', [0, 3]],
    ]);
    expect(spec.repeat).toBe(3);
    expect(spec.settleMs).toBe(3000);
  });

  it('reads cases from the section (mappings or strings); --case replaces them', () => {
    const fromFile = resolveSweepSpec({ cases: [{ maxSurge: 1, maxUnavailable: 0 }, 'maxSurge=25% maxUnavailable=25%'] }, {});
    expect(fromFile.cases).toEqual([{ maxSurge: 1, maxUnavailable: 0 }, { maxSurge: '25%', maxUnavailable: '25%' }]);
    const fromFlags = resolveSweepSpec({ cases: [{ maxSurge: 1 }] }, { case: ['replicas=3'] });
    expect(fromFlags.cases).toEqual([{ replicas: 3 }]);
  });

  it('lists every problem at once', () => {
    const found = problems(() =>
      resolveSweepSpec({ vary: { maxSurge: ['x'], nope: [1] }, repeat: 0, extra: 1 }, { vary: ['preStopSeconds=-1', 'maxUnavailable=0', 'maxUnavailable=1'], settle: 'soon' }),
    );
    expect(found.join('\n')).toMatch(/sweep.extra: unknown field/);
    expect(found.join('\n')).toMatch(/sweep.vary.maxSurge: maxSurge: "x"/);
    expect(found.join('\n')).toMatch(/sweep.vary.nope/);
    expect(found.join('\n')).toMatch(/--vary: preStopSeconds: "-1"/);
    expect(found.join('\n')).toMatch(/maxUnavailable is varied twice/);
    expect(found.join('\n')).toMatch(/sweep.repeat/);
    expect(found.join('\n')).toMatch(/--settle/);
  });

  it('needs something to sweep', () => {
    expect(problems(() => resolveSweepSpec(undefined, {})).join('\n')).toMatch(/nothing to sweep/);
  });

  it('refuses one field under two names', () => {
    expect(problems(() => resolveSweepSpec(undefined, { vary: ['maxSurge=0,1'], case: ['strategy.rollingUpdate.maxSurge=2'] })).join('\n')).toMatch(/same field/);
  });
});

describe('expandCases', () => {
  it('runs every combination, the first field varying slowest, then the listed cases not among them', () => {
    const spec = resolveSweepSpec(undefined, { vary: ['maxSurge=0,1,25%', 'maxUnavailable=0,1'], case: ['maxSurge=1,maxUnavailable=0', 'maxSurge=2,maxUnavailable=0'] });
    const cases = expandCases(spec);
    expect(cases.map((c) => c.label)).toEqual([
      'maxSurge=0 maxUnavailable=0',
      'maxSurge=0 maxUnavailable=1',
      'maxSurge=1 maxUnavailable=0',
      'maxSurge=1 maxUnavailable=1',
      'maxSurge=25% maxUnavailable=0',
      'maxSurge=25% maxUnavailable=1',
      'maxSurge=2 maxUnavailable=0',
    ]);
    expect(cases.map((c) => c.n)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cases[4]?.slug).toBe('maxSurge-25pct_maxUnavailable-0');
  });

  it('counts 3 x 2 x 3 = 18 combinations', () => {
    const spec = resolveSweepSpec(undefined, { vary: ['maxSurge=0,1,25%', 'maxUnavailable=0,1', 'preStopSeconds=0,2,5'] });
    expect(expandCases(spec)).toHaveLength(18);
  });

  it('leaves single-valued fields out of the labels, and keeps paths readable in slugs', () => {
    const spec = resolveSweepSpec(undefined, { vary: ['preStopSeconds=0,3', 'replicas=2', 'template.spec.containers[app].readinessProbe.periodSeconds=1'] });
    const cases = expandCases(spec);
    expect(cases.map((c) => c.label)).toEqual(['preStopSeconds=0', 'preStopSeconds=3']);
    expect(cases[0]?.settings).toEqual({ preStopSeconds: 0, replicas: 2, 'template.spec.containers[app].readinessProbe.periodSeconds': 1 });
    const one = expandCases(resolveSweepSpec(undefined, { vary: ['template.spec.containers[app].readinessProbe.periodSeconds=1'] }));
    expect(one[0]?.slug).toBe('periodSeconds-1');
  });
});
