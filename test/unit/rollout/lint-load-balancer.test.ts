import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { lintLoadBalancer } from '../../../src/rollout/lint-load-balancer.js';
import { lintManifests } from '../../../src/rollout/lint-manifests.js';

const A = 'service.beta.kubernetes.io/aws-load-balancer-';

function deployment(preStop: number | undefined, gates = false): V1Deployment {
  return {
    metadata: { name: 'web', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          ...(gates ? { readinessGates: [{ conditionType: 'target-health.elbv2.k8s.aws/k8s-shop-web-abc' }] } : {}),
          containers: [{ name: 'app', image: 'web:1', ...(preStop === undefined ? {} : { lifecycle: { preStop: { sleep: { seconds: preStop } } } }) }],
        },
      },
    },
  };
}

function service(annotations: Record<string, string>): V1Service {
  return { metadata: { name: 'web', namespace: 'shop', annotations }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } };
}

const DELAY_30 = { [`${A}target-group-attributes`]: 'deregistration_delay.timeout_seconds=30' };
const GATE = { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' };

describe('load balancer lint', () => {
  it.each<[string, V1Deployment, V1Service, Record<string, string> | undefined, Array<[string, string]>]>([
    ['no AWS annotation: nothing to say', deployment(undefined), { metadata: { name: 'web' }, spec: { type: 'LoadBalancer' } }, {}, []],
    ['gate label and a preStop as long as the delay: clean', deployment(30), service(DELAY_30), GATE, []],
    ['no gate label on a known namespace: warning', deployment(30), service(DELAY_30), {}, [['lb-readiness-gate-missing', 'warning']]],
    ['namespace labels unknown: info', deployment(30), service(DELAY_30), undefined, [['lb-readiness-gate-missing', 'info']]],
    ['readiness gates in the template count as the gate', deployment(30, true), service(DELAY_30), {}, []],
    ['preStop shorter than the delay', deployment(10), service(DELAY_30), GATE, [['lb-prestop-shorter-than-deregistration-delay', 'warning']]],
    ['no preStop against the default 300 s delay', deployment(undefined), service({ [`${A}healthcheck-path`]: '/ready' }), GATE, [['lb-prestop-shorter-than-deregistration-delay', 'warning']]],
    ['a zero delay asks for no preStop', deployment(undefined), service({ [`${A}target-group-attributes`]: 'deregistration_delay.timeout_seconds=0' }), GATE, []],
  ])('%s', (_name, d, svc, labels, want) => {
    const found = lintLoadBalancer({ deployment: d, services: [svc], namespaceLabels: labels });
    expect(found.map((f) => [f.id, f.severity])).toEqual(want);
  });

  it('names the delay, its origin and the fix', () => {
    const [f] = lintLoadBalancer({ deployment: deployment(undefined), services: [service({ [`${A}healthcheck-path`]: '/' })], namespaceLabels: GATE });
    expect(f?.message).toContain('no preStop hook');
    expect(f?.message).toContain('300 s (the AWS default)');
    expect(f?.fix).toContain('at least 300 s');
  });

  it('reads the namespace label from the manifests when the Namespace is among them', () => {
    const text = (labels: string): string => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
${labels}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  annotations:
    ${A}target-group-attributes: deregistration_delay.timeout_seconds=5
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: web:1
          lifecycle: {preStop: {sleep: {seconds: 6}}}
`;
    const ids = (t: string): string[] => (lintManifests([{ path: 'm.yaml', text: t }])[0]?.findings ?? []).filter((f) => f.id.startsWith('lb-')).map((f) => `${f.id}:${f.severity}`);
    expect(ids(text('  labels: {elbv2.k8s.aws/pod-readiness-gate-inject: enabled}'))).toEqual([]);
    expect(ids(text('  labels: {}'))).toEqual(['lb-readiness-gate-missing:warning']);
  });
});
