import type { V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ingressBackends, lintIngressFrontDoor } from '../../../src/rollout/lint-ingress.js';

function deployment(preStop: Record<string, unknown> | undefined): V1Deployment {
  return {
    metadata: { name: 'web' },
    spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x', ...(preStop === undefined ? {} : { lifecycle: { preStop } }) }] } } },
  } as V1Deployment;
}
const service: V1Service = { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } };
const other: V1Service = { metadata: { name: 'other' }, spec: { selector: { app: 'other' }, ports: [{ port: 80 }] } };
const ingress = (svc: string): V1Ingress => ({ metadata: { name: 'front' }, spec: { rules: [{ host: 'a.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: svc, port: { number: 80 } } } }] } }] } });

describe('lintIngressFrontDoor', () => {
  it.each([
    ['no preStop behind an Ingress', undefined, [ingress('web')], ['prestop-shorter-than-ingress-sync']],
    ['preStop 2 s behind an Ingress', { sleep: { seconds: 2 } }, [ingress('web')], ['prestop-shorter-than-ingress-sync']],
    ['exec sleep 3 behind an Ingress', { exec: { command: ['sleep', '3'] } }, [ingress('web')], ['prestop-shorter-than-ingress-sync']],
    ['preStop 5 s behind an Ingress', { sleep: { seconds: 5 } }, [ingress('web')], []],
    ['a hook that is not a sleep: unknown, not flagged', { httpGet: { path: '/prestop', port: 8080 } }, [ingress('web')], []],
    ['no Ingress routes to its Service', undefined, [ingress('other')], []],
    ['no Ingress at all', undefined, [], []],
  ])('%s', (_n, preStop, ingresses, ids) => {
    expect(lintIngressFrontDoor(deployment(preStop), [service, other], ingresses).map((f) => f.id)).toEqual(ids);
  });

  it('names the Ingress and the fix', () => {
    const [f] = lintIngressFrontDoor(deployment({ sleep: { seconds: 1 } }), [service], [ingress('web')]);
    expect(f).toMatchObject({ severity: 'warning', object: 'deployment/web container app' });
    expect(f?.message).toMatch(/ingress\/front routes to these pods.*a preStop delay of 1 s/);
  });

  it('reads the backends of rules and the default backend', () => {
    expect(ingressBackends({ spec: { defaultBackend: { service: { name: 'd', port: { number: 80 } } }, rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'r', port: { number: 80 } } } }] } }] } })).toEqual(['d', 'r']);
  });
});
