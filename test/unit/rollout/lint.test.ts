import type { V1Deployment, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintDeployment, preStopDelaySeconds, resolveRollingUpdate, type LintInput } from '../../../src/rollout/lint.js';

const GOOD = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  minReadySeconds: 5
  selector: {matchLabels: {app: web}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: app
          image: web:v1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 10}}}
`;
const SERVICE = `
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
`;
const PDB = `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}
`;

type Mutate = (d: V1Deployment, s: V1Service, pdbs: V1PodDisruptionBudget[]) => void;

function input(mutate?: Mutate): LintInput {
  const d = parse(GOOD) as V1Deployment;
  const s = parse(SERVICE) as V1Service;
  const pdbs = [parse(PDB) as V1PodDisruptionBudget];
  mutate?.(d, s, pdbs);
  return { deployment: d, service: s, podDisruptionBudgets: pdbs };
}

const app = (d: V1Deployment) => d.spec!.template.spec!.containers[0]!;

describe('lintDeployment', () => {
  it('finds nothing wrong with a well-set Deployment', () => {
    expect(lintDeployment(input())).toEqual([]);
  });

  it.each<[string, Mutate, Array<[string, string]>]>([
    ['no readiness probe', (d) => void delete app(d).readinessProbe, [['readiness-probe-missing', 'error']]],
    ['no preStop', (d) => void delete app(d).lifecycle, [['prestop-missing', 'error']]],
    ['exec sleep preStop is fine', (d) => void (app(d).lifecycle = { preStop: { exec: { command: ['sh', '-c', 'sleep 8'] } } }), []],
    ['httpGet preStop: delay unknown', (d) => void (app(d).lifecycle = { preStop: { httpGet: { path: '/drain', port: 8080 } } }), [['prestop-unknown-delay', 'info']]],
    ['preStop as long as the grace period', (d) => void (app(d).lifecycle = { preStop: { sleep: { seconds: 30 } } }), [['prestop-exceeds-grace', 'error']]],
    ['preStop longer than the default grace period', (d) => {
      delete d.spec!.template.spec!.terminationGracePeriodSeconds;
      app(d).lifecycle = { preStop: { exec: { command: ['sleep', '40'] } } };
    }, [['prestop-exceeds-grace', 'error']]],
    ['preStop too short', (d) => void (app(d).lifecycle = { preStop: { sleep: { seconds: 1 } } }), [['prestop-too-short', 'warning']]],
    ['little time left to drain', (d) => void (d.spec!.template.spec!.terminationGracePeriodSeconds = 12), [['grace-period-short', 'warning']]],
    ['Recreate', (d) => void (d.spec!.strategy = { type: 'Recreate' }), [['strategy-recreate', 'error']]],
    ['maxUnavailable 1 of 3', (d) => void (d.spec!.strategy!.rollingUpdate!.maxUnavailable = 1), [['max-unavailable', 'warning']]],
    ['maxUnavailable 100%', (d) => void (d.spec!.strategy!.rollingUpdate!.maxUnavailable = '100%'), [['max-unavailable', 'error']]],
    ['default 25% with 4 replicas', (d) => {
      d.spec!.replicas = 4;
      delete d.spec!.strategy;
    }, [['max-unavailable', 'warning']]],
    ['default 25% with 3 replicas resolves to 0', (d) => void delete d.spec!.strategy, []],
    ['one replica with surge, no unavailability', (d) => void (d.spec!.replicas = 1), [['replicas-low', 'warning']]],
    ['one replica, default strategy', (d) => {
      d.spec!.replicas = 1;
      delete d.spec!.strategy;
    }, [['replicas-low', 'warning']]],
    ['both 0 means unavailable 1', (d) => void (d.spec!.strategy!.rollingUpdate = { maxSurge: 0, maxUnavailable: 0 }), [['max-unavailable', 'warning']]],
    ['no minReadySeconds', (d) => void delete d.spec!.minReadySeconds, [['min-ready-seconds', 'info']]],
    ['no PDB', (_d, _s, pdbs) => void pdbs.splice(0), [['pdb-missing', 'warning']]],
    ['PDB for other pods', (_d, _s, pdbs) => void (pdbs[0]!.spec!.selector = { matchLabels: { app: 'other' } }), [['pdb-missing', 'warning']]],
    ['Service selector mismatch', (_d, s) => void (s.spec!.selector = { app: 'webb' }), [['service-selector-mismatch', 'error']]],
    ['Service without selector', (_d, s) => void delete s.spec!.selector, [['service-no-selector', 'warning']]],
    ['named targetPort missing', (_d, s) => void (s.spec!.ports![0]!.targetPort = 'web'), [['service-target-port', 'error']]],
    ['numeric targetPort not declared', (_d, s) => void (s.spec!.ports![0]!.targetPort = 9090), [['service-target-port', 'warning']]],
    ['numeric targetPort declared', (_d, s) => void (s.spec!.ports![0]!.targetPort = 8080), []],
    ['targetPort omitted means port', (_d, s) => void delete s.spec!.ports![0]!.targetPort, [['service-target-port', 'warning']]],
    ['sidecar without ports needs no probe or preStop', (d) => void d.spec!.template.spec!.containers.push({ name: 'log-shipper', image: 'ship:1' }), []],
  ])('%s', (_n, mutate, want) => {
    expect(lintDeployment(input(mutate)).map((f) => [f.id, f.severity])).toEqual(want);
  });

  it('checks every Service of `services`, each against the pods', () => {
    const { deployment, service } = input();
    const typo = { ...service!, metadata: { name: 'web-typo' }, spec: { ...service!.spec, selector: { app: 'wbe' } } };
    expect(lintDeployment({ deployment, services: [service!, typo] }).map((f) => `${f.id} ${f.object}`)).toEqual(['service-selector-mismatch service/web-typo']);
  });

  it('skips the PDB and Service checks when they are not given', () => {
    expect(lintDeployment({ deployment: input().deployment })).toEqual([]);
  });

  it('names the container and says how to fix it', () => {
    const [f] = lintDeployment(input((d) => void delete app(d).lifecycle));
    expect(f).toMatchObject({ object: 'deployment/web container app' });
    expect(f?.fix).toMatch(/preStop/);
    expect(f?.message).toMatch(/SIGTERM/);
  });

  it('finds every problem of a naive Deployment at once', () => {
    const naive = parse(`
kind: Deployment
metadata: {name: naive}
spec:
  replicas: 2
  selector: {matchLabels: {app: naive}}
  template:
    metadata: {labels: {app: naive}}
    spec: {containers: [{name: app, image: a, ports: [{containerPort: 80}]}]}
`) as V1Deployment;
    expect(lintDeployment({ deployment: naive, podDisruptionBudgets: [] }).map((f) => f.id)).toEqual([
      'min-ready-seconds',
      'readiness-probe-missing',
      'prestop-missing',
      'pdb-missing',
    ]);
  });
});

describe('resolveRollingUpdate (surge rounds up, unavailable down)', () => {
  it.each<[number, string | number | undefined, string | number | undefined, number, number]>([
    [3, undefined, undefined, 1, 0],
    [4, undefined, undefined, 1, 1],
    [10, undefined, undefined, 3, 2],
    [1, undefined, undefined, 1, 0],
    [5, '0%', '0%', 0, 1],
    [5, 2, '50%', 2, 2],
  ])('%i replicas, surge %s, unavailable %s -> %i/%i', (replicas, surge, unavailable, wantSurge, wantUnavailable) => {
    const d: V1Deployment = {
      spec: {
        replicas,
        selector: {},
        template: {},
        strategy: { rollingUpdate: { ...(surge === undefined ? {} : { maxSurge: surge }), ...(unavailable === undefined ? {} : { maxUnavailable: unavailable }) } },
      },
    };
    expect(resolveRollingUpdate(d)).toEqual({ replicas, maxSurge: wantSurge, maxUnavailable: wantUnavailable });
  });
});

describe('preStopDelaySeconds', () => {
  it.each<[string, Parameters<typeof preStopDelaySeconds>[0], number | null | undefined]>([
    ['none', undefined, undefined],
    ['native sleep', { sleep: { seconds: 7 } }, 7],
    ['exec sleep', { exec: { command: ['sleep', '5'] } }, 5],
    ['exec /bin/sleep with unit', { exec: { command: ['/bin/sleep', '1m'] } }, 60],
    ['shell sleep', { exec: { command: ['/bin/sh', '-c', 'sleep 12 && kill -TERM 1'] } }, 12],
    ['shell without sleep', { exec: { command: ['/bin/sh', '-c', '/app/drain'] } }, null],
    ['word containing sleep', { exec: { command: ['/bin/sh', '-c', 'nosleep 5'] } }, null],
    ['httpGet', { httpGet: { path: '/drain', port: 80 } }, null],
  ])('%s', (_n, h, want) => {
    expect(preStopDelaySeconds(h)).toBe(want);
  });
});
