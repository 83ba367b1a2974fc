import { describe, expect, it } from 'vitest';
import { applySetting, parseValue, resolveField, type SettingValue, type SweepField } from '../../../src/sweep/fields.js';

const field = (key: string): SweepField => {
  const r = resolveField(key);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('resolveField', () => {
  it.each<[string, string, string | undefined]>([
    ['maxSurge', 'strategy.rollingUpdate.maxSurge', 'maxSurge'],
    ['maxUnavailable', 'strategy.rollingUpdate.maxUnavailable', 'maxUnavailable'],
    ['preStopSeconds', 'template.spec.containers[*].lifecycle.preStop.sleep.seconds', 'preStopSeconds'],
    ['gracePeriod', 'template.spec.terminationGracePeriodSeconds', 'gracePeriod'],
    ['readinessPeriod', 'template.spec.containers[*].readinessProbe.periodSeconds', 'readinessPeriod'],
    ['minReadySeconds', 'minReadySeconds', 'minReadySeconds'],
    ['replicas', 'replicas', 'replicas'],
    ['strategy.rollingUpdate.maxSurge', 'strategy.rollingUpdate.maxSurge', 'maxSurge'],
    ['spec.strategy.rollingUpdate.maxSurge', 'strategy.rollingUpdate.maxSurge', 'maxSurge'],
    ['template.spec.terminationGracePeriodSeconds', 'template.spec.terminationGracePeriodSeconds', 'gracePeriod'],
    ['terminationGracePeriodSeconds', 'template.spec.terminationGracePeriodSeconds', 'gracePeriod'],
    ['progressDeadlineSeconds', 'progressDeadlineSeconds', undefined],
    ['containers.readinessProbe.failureThreshold', 'template.spec.containers[*].readinessProbe.failureThreshold', undefined],
    ['template.spec.containers[app].readinessProbe.periodSeconds', 'template.spec.containers[app].readinessProbe.periodSeconds', undefined],
    ['template.spec.containers[0].image', 'template.spec.containers[0].image', undefined],
  ])('%s -> %s', (typed, path, alias) => {
    const f = field(typed);
    expect(f.path).toBe(path);
    expect(f.alias).toBe(alias);
    expect(f.key).toBe(typed);
  });

  it.each<[string, RegExp]>([
    ['maxSurg', /did you mean "maxSurge"/],
    ['strategy..maxSurge', /not a field/],
    ['containers.readinesProbe.periodSeconds', /did you mean "readinessProbe"/],
    ['nothingLikeIt', /names no field/],
    ['', /not a field/],
  ])('rejects %j', (typed, message) => {
    const r = resolveField(typed);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('parseValue', () => {
  it.each<[string, string, SettingValue]>([
    ['maxSurge', '0', 0],
    ['maxSurge', '1', 1],
    ['maxSurge', '25%', '25%'],
    ['maxSurge', '100%', '100%'],
    ['maxUnavailable', ' 05% ', '5%'],
    ['preStopSeconds', '5', 5],
    ['readinessPeriod', '1', 1],
    ['replicas', '0', 0],
    ['progressDeadlineSeconds', '60', 60],
    ['template.spec.containers[0].image', 'repo/app:v2', 'repo/app:v2'],
    ['paused', 'true', true],
    ['containers.readinessProbe.failureThreshold', 'null', null],
    ['minReadySeconds', '2', 2],
  ])('%s=%s', (key, text, value) => {
    expect(parseValue(field(key), text)).toEqual({ ok: true, value });
  });

  it.each<[string, string]>([
    ['maxSurge', '101%'],
    ['maxSurge', '1.5'],
    ['maxSurge', '-1'],
    ['maxSurge', 'x'],
    ['preStopSeconds', '2s'],
    ['preStopSeconds', '-1'],
    ['readinessPeriod', '0'],
    ['replicas', '25%'],
    ['progressDeadlineSeconds', ''],
  ])('rejects %s=%j', (key, text) => {
    const r = parseValue(field(key), text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(key);
  });
});

const base = (): Record<string, any> => ({
  replicas: 3,
  strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
  template: {
    spec: {
      containers: [
        { name: 'app', image: 'a:1', readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 10 }, lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } } },
        { name: 'side', image: 's:1' },
      ],
    },
  },
});

describe('applySetting', () => {
  it('preStopSeconds puts a native sleep on every container, 0 removes the hook', () => {
    const spec = base();
    applySetting(spec, field('preStopSeconds'), 3);
    expect(spec.template.spec.containers.map((c: any) => c.lifecycle)).toEqual([{ preStop: { sleep: { seconds: 3 } } }, { preStop: { sleep: { seconds: 3 } } }]);
    applySetting(spec, field('preStopSeconds'), 0);
    expect(spec.template.spec.containers.map((c: any) => c.lifecycle)).toEqual([undefined, undefined]);
  });

  it('readinessPeriod changes only the containers that have a probe', () => {
    const spec = base();
    applySetting(spec, field('readinessPeriod'), 1);
    expect(spec.template.spec.containers[0].readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 });
    expect(spec.template.spec.containers[1].readinessProbe).toBeUndefined();
    const none = base();
    delete none.template.spec.containers[0].readinessProbe;
    expect(() => applySetting(none, field('readinessPeriod'), 1)).toThrow(/no container .* readiness probe/);
  });

  it('paths create what is missing, select containers by name or index, and null removes', () => {
    const spec = base();
    applySetting(spec, field('gracePeriod'), 45);
    applySetting(spec, field('maxSurge'), '25%');
    applySetting(spec, field('template.spec.containers[side].image'), 's:2');
    applySetting(spec, field('template.spec.containers[0].readinessProbe.failureThreshold'), 2);
    applySetting(spec, field('minReadySeconds'), 4);
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(spec.strategy.rollingUpdate).toEqual({ maxSurge: '25%', maxUnavailable: 0 });
    expect(spec.template.spec.containers[1].image).toBe('s:2');
    expect(spec.template.spec.containers[0].readinessProbe.failureThreshold).toBe(2);
    expect(spec.minReadySeconds).toBe(4);
    applySetting(spec, field('minReadySeconds'), null);
    expect('minReadySeconds' in spec).toBe(false);
  });

  it('a container that is not there is a problem, not a silent no-op', () => {
    expect(() => applySetting(base(), field('template.spec.containers[web].image'), 'x')).toThrow(/matches nothing/);
    expect(() => applySetting(base(), field('template.spec.containers[5].image'), 'x')).toThrow(/matches nothing/);
  });
});
