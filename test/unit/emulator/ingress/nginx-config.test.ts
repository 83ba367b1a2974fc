import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { buildIngressRouting, describeChange, diffRouting, servesIngress, slicesByService } from '../../../../src/emulator/ingress/ingress-routing.js';
import { INGRESS_NGINX_DEFAULTS, locationHeads, renderNginxConfig, upstreamName, type IngressRouting } from '../../../../src/emulator/ingress/nginx-config.js';

const placement = { prefix: '/tmp/zd', port: 18080 };

function routing(servers: Array<{ ip: string; port: number; pod?: string }>, extra: Partial<IngressRouting> = {}): IngressRouting {
  return {
    upstreams: [{ name: 'default-web-80', namespace: 'default', service: 'web', port: '80', servers }],
    hosts: [{ host: 'web.test', locations: [{ path: '/', pathType: 'Prefix', upstream: 'default-web-80', ingress: 'default/web' }] }],
    ...extra,
  };
}

describe('locationHeads: Ingress pathType to nginx locations', () => {
  it.each([
    ['/', 'Prefix', ['location /']],
    ['/api', 'Prefix', ['location = /api', 'location /api/']],
    ['/api/', 'Prefix', ['location = /api', 'location /api/']],
    ['/api', 'Exact', ['location = /api']],
    ['/api', 'ImplementationSpecific', ['location /api']],
    ['/a b', 'Exact', ['location = "/a b"']],
  ] as const)('%s %s -> %j', (path, type, heads) => {
    expect(locationHeads(path, type)).toEqual(heads);
  });
});

describe('renderNginxConfig', () => {
  it.each([
    ['an upstream per Service port with the pods', routing([{ ip: '127.1.0.1', port: 8080, pod: 'web-1' }, { ip: '127.1.0.2', port: 8080, pod: 'web-2' }]), [/upstream default-web-80 \{\n    server 127\.1\.0\.1:8080 max_fails=0; # pod web-1\n    server 127\.1\.0\.2:8080 max_fails=0; # pod web-2\n/]],
    ['keep-alive to the pods as ingress-nginx', routing([{ ip: '127.1.0.1', port: 8080 }]), [/keepalive 320;/, /keepalive_timeout 60s;/, /keepalive_requests 10000;/, /proxy_http_version 1\.1;/, /proxy_set_header Connection "";/]],
    ['retries as ingress-nginx', routing([{ ip: '127.1.0.1', port: 8080 }]), [/proxy_next_upstream error timeout;/, /proxy_next_upstream_tries 3;/]],
    ['the host as server_name, proxied', routing([{ ip: '127.1.0.1', port: 8080 }]), [/server_name web\.test;\n    location \/ \{\n      # ingress default\/web path \/ \(Prefix\)\n      proxy_pass http:\/\/default-web-80;/]],
    ['503 for a backend without ready endpoints, and no empty upstream', routing([]), [/location \/ \{\n      # ingress default\/web path \/ \(Prefix\)\n      return 503;/]],
    ['a catch-all server answering 404 without a default backend', routing([{ ip: '127.1.0.1', port: 8080 }]), [/listen 127\.0\.0\.1:18080 default_server;\n    server_name _;\n    location \/ \{\n      return 404;/]],
    ['the default backend in the catch-all server', routing([{ ip: '127.1.0.1', port: 8080 }], { defaultUpstream: 'default-web-80' }), [/server_name _;\n    location \/ \{\n      # default backend\n      proxy_pass http:\/\/default-web-80;/]],
    ['its own prefix and pid', routing([]), [/pid \/tmp\/zd\/nginx\.pid;/, /proxy_temp_path \/tmp\/zd\/proxy;/, /daemon off;/]],
    ['the upstream address header', routing([]), [/add_header X-Zerodrop-Upstream \$upstream_addr always;/]],
  ])('%s', (_name, model, patterns) => {
    const text = renderNginxConfig(model, placement);
    for (const p of patterns) expect(text).toMatch(p);
  });

  it('renders no upstream block for a Service without endpoints (nginx refuses an empty one)', () => {
    expect(renderNginxConfig(routing([]), placement)).not.toMatch(/upstream default-web-80/);
  });

  it('is deterministic and follows the settings', () => {
    const m = routing([{ ip: '127.1.0.1', port: 8080 }]);
    expect(renderNginxConfig(m, placement)).toBe(renderNginxConfig(m, placement));
    expect(renderNginxConfig(m, placement, { ...INGRESS_NGINX_DEFAULTS, upstreamKeepaliveTimeoutS: 5 })).toMatch(/keepalive_timeout 5s;/);
    expect(renderNginxConfig(m, { ...placement, runAsRoot: true })).toMatch(/^user root;$/m);
  });

  it.each([
    ['default', 'web', '80', 'default-web-80'],
    ['team-a', 'api', 'http', 'team-a-api-http'],
  ])('upstreamName(%s, %s, %s) = %s', (ns, svc, port, want) => {
    expect(upstreamName(ns, svc, port)).toBe(want);
  });
});

function ing(name: string, spec: Record<string, unknown>, extra: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z', ...extra }, spec };
}
const svc: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
function slice(eps: Array<{ ip: string; pod: string; ready?: boolean; terminating?: boolean }>): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: eps.map((e) => ({ addresses: [e.ip], conditions: { ready: e.ready ?? true, terminating: e.terminating ?? false }, targetRef: { kind: 'Pod', namespace: 'default', name: e.pod } })),
  };
}
const rule = (host: string, path = '/', pathType = 'Prefix'): Record<string, unknown> => ({ host, http: { paths: [{ path, pathType, backend: { service: { name: 'web', port: { number: 80 } } } }] } });

describe('buildIngressRouting', () => {
  it.each([
    ['ready endpoints only: a terminating pod leaves at once', [{ ip: '127.1.0.1', pod: 'a' }, { ip: '127.1.0.2', pod: 'b', ready: false, terminating: true }], ['a']],
    ['no ready endpoint: an empty upstream (503), no fallback to terminating ones', [{ ip: '127.1.0.2', pod: 'b', ready: false, terminating: true }], []],
    ['sorted by address', [{ ip: '127.1.0.9', pod: 'z' }, { ip: '127.1.0.1', pod: 'a' }], ['a', 'z']],
  ])('%s', (_n, eps, pods) => {
    const r = buildIngressRouting({ ingresses: [ing('web', { rules: [rule('web.test')] })], services: new Map([['default/web', svc]]), slices: slicesByService([slice(eps)]) });
    expect(r.upstreams[0]?.servers.map((s) => s.pod)).toEqual(pods);
  });

  it('merges Ingresses by host, Exact first then longer prefixes, and takes the oldest default backend', () => {
    const r = buildIngressRouting({
      ingresses: [
        ing('b', { rules: [rule('web.test', '/api', 'Prefix')], defaultBackend: { service: { name: 'web', port: { name: 'http' } } } }, { creationTimestamp: '2026-01-02T00:00:00Z' }),
        ing('a', { rules: [rule('web.test', '/', 'Prefix'), rule('web.test', '/x', 'Exact')] }),
      ],
      services: new Map([['default/web', svc]]),
      slices: slicesByService([slice([{ ip: '127.1.0.1', pod: 'a' }])]),
    });
    expect(r.hosts.map((h) => [h.host, h.locations.map((l) => `${l.pathType} ${l.path} ${l.ingress}`)])).toEqual([['web.test', ['Exact /x default/a', 'Prefix /api default/b', 'Prefix / default/a']]]);
    expect(r.defaultUpstream).toBe('default-web-http');
    expect(r.upstreams.map((u) => [u.name, u.servers.length])).toEqual([['default-web-80', 1], ['default-web-http', 1]]);
  });

  it('translates endpoints to where the process listens (port addressing)', () => {
    const r = buildIngressRouting({ ingresses: [ing('web', { rules: [rule('')] })], services: new Map([['default/web', svc]]), slices: slicesByService([slice([{ ip: '127.0.0.1', pod: 'a' }])]), translate: (ep) => ({ ip: ep.ip, port: 40001 }) });
    expect(r.upstreams[0]?.servers).toEqual([{ ip: '127.0.0.1', port: 40001, pod: 'a' }]);
  });
});

describe('servesIngress', () => {
  it.each([
    [{ ingressClassName: 'nginx' }, {}, false, true],
    [{ ingressClassName: 'other' }, {}, true, false],
    [{}, {}, true, true],
    [{}, {}, false, false],
    [{}, { 'kubernetes.io/ingress.class': 'nginx' }, false, true],
  ])('spec %j annotations %j (nginx default: %s) -> %s', (spec, annotations, isDefault, want) => {
    expect(servesIngress(ing('x', spec, { annotations }), isDefault)).toBe(want);
  });
});

describe('diffRouting / describeChange', () => {
  const r = (pods: string[]): IngressRouting => routing(pods.map((p, i) => ({ ip: `127.1.0.${i + 1}`, port: 8080, pod: p })));
  it.each([
    ['first load', undefined, r(['a']), 'rules changed; endpoints added: a'],
    ['a pod replaced', r(['a', 'b']), r(['a', 'c']), 'endpoints added: c; endpoints removed: b'],
    ['a pod removed', r(['a', 'b']), r(['a']), 'endpoints removed: b'],
    ['nothing', r(['a']), r(['a']), 'configuration unchanged'],
  ])('%s', (_n, prev, next, want) => {
    expect(describeChange(diffRouting(prev, next))).toBe(want);
  });
});
