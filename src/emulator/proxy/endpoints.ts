import type { KObject } from '../api/store-types.js';

type Json = Record<string, any>;

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One endpoint as kube-proxy sees it (pkg/proxy/endpoint.go). */
export interface ProxyEndpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The Pod behind it, when the slice names one (targetRef). */
  pod?: { namespace: string; name: string };
}

/**
 * Reads an endpoint's conditions with upstream's nil rules: ready nil -> true; serving nil -> ready;
 * terminating nil -> false.
 */
export function endpointConditions(conditions: Json | undefined): { ready: boolean; serving: boolean; terminating: boolean } {
  const ready = conditions?.['ready'] === undefined || conditions['ready'] === null ? true : conditions['ready'] === true;
  const serving = conditions?.['serving'] === undefined || conditions['serving'] === null ? ready : conditions['serving'] === true;
  const terminating = conditions?.['terminating'] === true;
  return { ready, serving, terminating };
}

/**
 * The endpoints that get new connections, as upstream `CategorizeEndpoints` (pkg/proxy/topology.go)
 * chooses them for cluster traffic policy without topology hints: the ready ones; if none is
 * ready, the ones that are serving and terminating; else none (new connections are rejected).
 */
export function categorizeEndpoints<E extends Pick<ProxyEndpoint, 'ready' | 'serving' | 'terminating'>>(endpoints: readonly E[]): E[] {
  const ready = endpoints.filter((e) => e.ready);
  if (ready.length > 0) return ready;
  return endpoints.filter((e) => e.serving && e.terminating);
}

/** One Service port as the dataplane programs it. */
export interface ServicePortRule {
  namespace: string;
  service: string;
  /** The Service port's name ('' when unnamed). */
  portName: string;
  protocol: 'TCP';
  clusterIP: string;
  port: number;
  /** Usable endpoints (already categorized), sorted for stable output. */
  endpoints: Array<{ ip: string; port: number }>;
}

/** `namespace/name:port` key of a rule. */
export function ruleKey(r: Pick<ServicePortRule, 'namespace' | 'service' | 'portName' | 'port'>): string {
  return `${r.namespace}/${r.service}:${r.portName || String(r.port)}`;
}

/** Reads the endpoints of one Service port out of the Service's EndpointSlices (IPv4 only), deduplicated by address and pod. */
export function sliceEndpoints(slices: readonly KObject[], portName: string): ProxyEndpoint[] {
  const seen = new Map<string, ProxyEndpoint>();
  for (const s of slices) {
    if ((s['addressType'] ?? 'IPv4') !== 'IPv4') continue;
    const ports: Json[] = Array.isArray(s['ports']) ? (s['ports'] as Json[]) : [];
    const p = ports.find((x) => String(x['name'] ?? '') === portName && String(x['protocol'] ?? 'TCP') === 'TCP');
    if (!p || typeof p['port'] !== 'number') continue;
    const eps: Json[] = Array.isArray(s['endpoints']) ? (s['endpoints'] as Json[]) : [];
    for (const ep of eps) {
      const ip = Array.isArray(ep['addresses']) ? String(ep['addresses'][0] ?? '') : '';
      if (ip === '') continue;
      const ref: Json | undefined = ep['targetRef'];
      // In the kubelet's `port` addressing all pods share 127.0.0.1: the pod tells them apart.
      const k = `${ip}:${p['port']}/${String(ref?.['name'] ?? '')}`;
      if (seen.has(k)) continue;
      seen.set(k, {
        ip,
        port: p['port'],
        ...endpointConditions(ep['conditions']),
        ...(ref?.['kind'] === 'Pod' && typeof ref['name'] === 'string' ? { pod: { namespace: String(ref['namespace'] ?? s.metadata.namespace ?? 'default'), name: ref['name'] } } : {}),
      });
    }
  }
  return [...seen.values()];
}

/**
 * The rules for every proxied port: Services with a ClusterIP (not headless, not ExternalName),
 * TCP ports, endpoints categorized. `translate` maps an endpoint to the address its process
 * really listens on (identity, except in the kubelet's `port` addressing).
 */
export function buildServiceRules(
  services: Iterable<KObject>,
  slices: Iterable<KObject>,
  translate: (ep: ProxyEndpoint) => { ip: string; port: number } = (ep) => ({ ip: ep.ip, port: ep.port }),
): ServicePortRule[] {
  const bySvc = new Map<string, KObject[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined) continue;
    const k = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = bySvc.get(k) ?? [];
    list.push(s);
    bySvc.set(k, list);
  }
  const rules: ServicePortRule[] = [];
  for (const svc of services) {
    const ip: unknown = svc.spec?.clusterIP;
    if (typeof ip !== 'string' || ip === '' || ip === 'None' || svc.spec?.type === 'ExternalName') continue;
    const ns = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    const svcSlices = bySvc.get(`${ns}/${name}`) ?? [];
    for (const p of (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []) as Json[]) {
      if (String(p['protocol'] ?? 'TCP') !== 'TCP' || typeof p['port'] !== 'number') continue;
      const portName = String(p['name'] ?? '');
      const usable = categorizeEndpoints(sliceEndpoints(svcSlices, portName)).map(translate);
      usable.sort((a, b) => (a.ip === b.ip ? a.port - b.port : compareIP(a.ip, b.ip)));
      rules.push({ namespace: ns, service: name, portName, protocol: 'TCP', clusterIP: ip, port: p['port'], endpoints: usable });
    }
  }
  rules.sort((a, b) => ruleKey(a).localeCompare(ruleKey(b)));
  return rules;
}

function compareIP(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}
