import { describe, expect, it } from 'vitest';
import { ZerodropError } from '../../../src/errors.js';
import { lintManifests, type ManifestLintOptions } from '../../../src/rollout/lint-manifests.js';

function deployment(name: string, labels: Record<string, string>): string {
  return `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 3
  minReadySeconds: 5
  selector: {matchLabels: ${JSON.stringify(labels)}}
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      containers:
        - name: app
          image: app:v1
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 10}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: ${name}}
spec: {maxUnavailable: 1, selector: {matchLabels: ${JSON.stringify(labels)}}}
`;
}

function service(name: string, selector: Record<string, string> | undefined, targetPort: string | number = 'http'): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
${selector === undefined ? '' : `  selector: ${JSON.stringify(selector)}\n`}  ports: [{port: 80, targetPort: ${JSON.stringify(targetPort)}}]
`;
}

const WEB = deployment('web', { app: 'web', tier: 'front' });
const API = deployment('api', { app: 'api' });

/** One file per text, as `-f` gives them. */
function files(...texts: string[]): Array<{ path: string; text: string }> {
  return texts.map((text, i) => ({ path: `f${i}.yaml`, text }));
}

/** Per Deployment: the Services linted with it and the findings as `id severity object`. */
function summary(texts: string[], opts: ManifestLintOptions = {}): Record<string, { services: string[]; findings: string[] }> {
  const out: Record<string, { services: string[]; findings: string[] }> = {};
  for (const r of lintManifests(files(...texts), opts)) out[r.deployment] = { services: r.services, findings: r.findings.map((f) => `${f.id} ${f.severity} ${f.object}`) };
  return out;
}

describe('lintManifests: which Services are linted, and what is found', () => {
  it.each<[string, string[], ManifestLintOptions, Record<string, { services: string[]; findings: string[] }>]>([
    ['a Service that selects the pods: clean', [WEB, service('web', { app: 'web' })], {}, { web: { services: ['web'], findings: [] } }],
    [
      'a Service whose selector selects none of the pods (a typo) is reported',
      [WEB, service('web', { app: 'wbe' })],
      {},
      { web: { services: ['web'], findings: ['service-selector-mismatch error service/web'] } },
    ],
    [
      'a selector asking for a label the pods do not have',
      [WEB, service('web', { app: 'web', version: 'v2' })],
      {},
      { web: { services: ['web'], findings: ['service-selector-mismatch error service/web'] } },
    ],
    ['a Service without selector', [WEB, service('web', undefined)], {}, { web: { services: ['web'], findings: ['service-no-selector warning service/web'] } }],
    ['a named targetPort no container declares', [WEB, service('web', { app: 'web' }, 'web')], {}, { web: { services: ['web'], findings: ['service-target-port error service/web'] } }],
    ['a numeric targetPort no container declares', [WEB, service('web', { app: 'web' }, 9090)], {}, { web: { services: ['web'], findings: ['service-target-port warning service/web'] } }],
    ['the declared port number', [WEB, service('web', { app: 'web' }, 8080)], {}, { web: { services: ['web'], findings: [] } }],
    ['no Service in the files: said, not failed', [WEB], {}, { web: { services: [], findings: ['service-missing info deployment/web'] } }],
    [
      'every Service in the files, not only one that matches',
      [WEB, service('web', { app: 'web' }), service('web-canary', { app: 'web-canary' })],
      {},
      { web: { services: ['web', 'web-canary'], findings: ['service-selector-mismatch error service/web-canary'] } },
    ],
    [
      '--service picks the one named among several',
      [WEB, service('web', { app: 'web' }), service('web-canary', { app: 'web-canary' })],
      { service: 'web' },
      { web: { services: ['web'], findings: [] } },
    ],
    [
      '--service names a Service whose selector misses the pods: reported',
      [WEB, service('web', { app: 'wbe' })],
      { service: 'web' },
      { web: { services: ['web'], findings: ['service-selector-mismatch error service/web'] } },
    ],
    [
      'two Deployments: each with the Service that selects it',
      [WEB, API, service('web', { app: 'web' }), service('api', { app: 'api' }, 'web')],
      {},
      { web: { services: ['web'], findings: [] }, api: { services: ['api'], findings: ['service-target-port error service/api'] } },
    ],
    [
      'two Deployments: a Service that selects neither is reported with each',
      [WEB, API, service('web', { app: 'web' }), service('api', { app: 'apii' })],
      {},
      {
        web: { services: ['web', 'api'], findings: ['service-selector-mismatch error service/api'] },
        api: { services: ['api'], findings: ['service-selector-mismatch error service/api'] },
      },
    ],
    [
      '--deployment picks one of two',
      [WEB, API, service('web', { app: 'web' }), service('api', { app: 'api' })],
      { deployment: 'api' },
      { api: { services: ['api'], findings: [] } },
    ],
    [
      '--deployment and --service: the Service is linted against that Deployment',
      [WEB, API, service('web', { app: 'web' })],
      { deployment: 'api', service: 'web' },
      { api: { services: ['web'], findings: ['service-selector-mismatch error service/web'] } },
    ],
    [
      '--service with two Deployments: linted with the one it selects',
      [WEB, API, service('web', { app: 'web' })],
      { service: 'web' },
      { web: { services: ['web'], findings: [] }, api: { services: [], findings: ['service-missing info deployment/api'] } },
    ],
    [
      'a kubectl List holding the objects',
      [`{"apiVersion": "v1", "kind": "List", "items": [${JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'x' }, ports: [{ port: 80 }] } })}]}`, WEB],
      {},
      { web: { services: ['web'], findings: ['service-selector-mismatch error service/web'] } },
    ],
  ])('%s', (_name, texts, opts, want) => {
    expect(summary(texts, opts)).toEqual(want);
  });

  it('explains a selector that misses the pods: which label differs and what follows', () => {
    const [r] = lintManifests(files(WEB, service('web', { app: 'wbe' })));
    const f = r?.findings[0];
    expect(f?.message).toContain('selects none of the Deployment');
    expect(f?.message).toContain('app is web on the pods, not wbe');
    expect(f?.message).toContain('no endpoints');
  });

  it('keeps the first Service in `service` for readers of the first JSON format', () => {
    expect(lintManifests(files(WEB, service('web', { app: 'web' })))[0]?.service).toBe('web');
    expect(lintManifests(files(WEB))[0]?.service).toBeUndefined();
  });

  it('still takes the Deployment name as a plain string', () => {
    expect(lintManifests(files(WEB, API), 'api').map((r) => r.deployment)).toEqual(['api']);
  });

  it.each<[string, string[], ManifestLintOptions, RegExp]>([
    ['--service not in the files', [WEB, service('web', { app: 'web' })], { service: 'nope' }, /no Service named nope in the manifests \(found: web\)/],
    ['--deployment not in the files', [WEB], { deployment: 'nope' }, /no Deployment named nope in the manifests \(found: web\)/],
    ['no Deployment at all', [service('web', { app: 'web' })], {}, /no Deployment in the given manifests/],
    ['--service selecting none of several Deployments', [WEB, API, service('x', { app: 'x' })], { service: 'x' }, /selects none of the Deployments in the manifests \(web, api\)/],
    ['YAML that does not parse', ['kind: [Deployment'], {}, /not valid YAML/],
  ])('%s: invalid input (exit 3) naming what is wrong', (_name, texts, opts, message) => {
    let err: unknown;
    try {
      lintManifests(files(...texts), opts);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZerodropError);
    expect((err as ZerodropError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(message);
  });
});
