import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { buildServiceRules, categorizeEndpoints, endpointConditions } from '../../../../src/emulator/proxy/endpoints.js';

const ep = (name: string, ready: boolean, serving: boolean, terminating: boolean) => ({ name, ready, serving, terminating });

describe('endpointConditions (upstream nil rules)', () => {
  it.each([
    [undefined, { ready: true, serving: true, terminating: false }],
    [{}, { ready: true, serving: true, terminating: false }],
    [{ ready: false }, { ready: false, serving: false, terminating: false }],
    [{ ready: false, serving: true, terminating: true }, { ready: false, serving: true, terminating: true }],
    [{ ready: true, serving: null, terminating: null }, { ready: true, serving: true, terminating: false }],
  ])('%j -> %j', (c, want) => {
    expect(endpointConditions(c as Record<string, unknown> | undefined)).toEqual(want);
  });
});

describe('categorizeEndpoints (pkg/proxy/topology.go)', () => {
  it.each([
    ['ready ones only, even when terminating ones serve', [ep('a', true, true, false), ep('b', false, true, true)], ['a']],
    ['all ready', [ep('a', true, true, false), ep('b', true, true, false)], ['a', 'b']],
    ['none ready: serving and terminating ones', [ep('a', false, true, true), ep('b', false, false, true), ep('c', false, true, false)], ['a']],
    ['none ready, none serving+terminating: nothing', [ep('a', false, false, true), ep('b', false, true, false)], []],
    ['no endpoints', [], []],
  ])('%s', (_what, eps, want) => {
    expect(categorizeEndpoints(eps).map((e) => e.name)).toEqual(want);
  });
});

describe('buildServiceRules', () => {
  const svc = (name: string, spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec });
  const slice = (svcName: string, ports: unknown[], endpoints: unknown[], addressType = 'IPv4'): KObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svcName}-x${Math.random()}`, namespace: 'default', labels: { 'kubernetes.io/service-name': svcName } },
    addressType,
    ports,
    endpoints,
  });

  it('matches slice ports by name, skips headless/ExternalName/UDP, dedupes addresses across slices', () => {
    const services = [
      svc('web', { clusterIP: '127.200.0.1', ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }, { name: 'dns', port: 53, protocol: 'UDP' }] }),
      svc('headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
      svc('ext', { type: 'ExternalName', externalName: 'x', ports: [{ port: 80 }] }),
    ];
    const slices = [
      slice('web', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9100 }], [
        { addresses: ['127.10.0.2'], conditions: { ready: true } },
        { addresses: ['127.10.0.1'], conditions: { ready: false, serving: true, terminating: true } },
      ]),
      slice('web', [{ name: 'http', port: 8080 }], [{ addresses: ['127.10.0.2'], conditions: { ready: true } }]),
      slice('web', [{ name: 'http', port: 8080 }], [{ addresses: ['fd00::1'] }], 'IPv6'),
    ];
    expect(buildServiceRules(services, slices)).toEqual([
      { namespace: 'default', service: 'web', portName: 'http', protocol: 'TCP', clusterIP: '127.200.0.1', port: 80, endpoints: [{ ip: '127.10.0.2', port: 8080 }] },
      { namespace: 'default', service: 'web', portName: 'metrics', protocol: 'TCP', clusterIP: '127.200.0.1', port: 9090, endpoints: [{ ip: '127.10.0.2', port: 9100 }] },
    ]);
  });

  it('gives a Service without slices an empty endpoint list (rejected), and translates ports', () => {
    const rules = buildServiceRules(
      [svc('a', { clusterIP: '127.200.0.9', ports: [{ port: 80 }] }), svc('b', { clusterIP: '127.200.0.8', ports: [{ port: 80 }] })],
      [slice('b', [{ port: 8080 }], [{ addresses: ['127.0.0.1'], targetRef: { kind: 'Pod', name: 'p', namespace: 'default' } }])],
      (e) => ({ ip: e.ip, port: e.pod?.name === 'p' ? 41000 : e.port }),
    );
    expect(rules.map((r) => [r.service, r.endpoints])).toEqual([
      ['a', []],
      ['b', [{ ip: '127.0.0.1', port: 41000 }]],
    ]);
  });
});
