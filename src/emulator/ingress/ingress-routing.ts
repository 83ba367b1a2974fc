import type { KObject } from '../api/store-types.js';
import { sliceEndpoints, SERVICE_NAME_LABEL, type ProxyEndpoint } from '../proxy/endpoints.js';
import { upstreamName, type IngressHost, type IngressPathType, type IngressRouting, type IngressUpstream, type UpstreamServer } from './nginx-config.js';

type Json = Record<string, any>;

/** The IngressClass the emulator's controller creates and serves (ingress-nginx's chart default). */
export const INGRESS_CLASS_NAME = 'nginx';
/** `spec.controller` of that IngressClass (ingress-nginx's). */
export const INGRESS_CONTROLLER_NAME = 'k8s.io/ingress-nginx';
/** Annotation that marks an IngressClass as the cluster default. */
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The deprecated annotation that still selects a class when spec.ingressClassName is unset. */
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const keyOf = (o: KObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;

/**
 * Whether the controller serves this Ingress: its class is `nginx` (spec.ingressClassName or the
 * legacy annotation), or it names no class and `nginx` is the default class.
 */
export function servesIngress(ing: KObject, classIsDefault: boolean): boolean {
  const cls: unknown = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (cls === undefined || cls === null || cls === '') return classIsDefault;
  return cls === INGRESS_CLASS_NAME;
}

function backendRef(b: unknown): { service: string; port: string } | undefined {
  const svc = (b as Json | undefined)?.['service'] as Json | undefined;
  if (svc === undefined || typeof svc['name'] !== 'string') return undefined;
  const port = (svc['port'] ?? {}) as Json;
  const p = port['number'] !== undefined ? String(port['number']) : typeof port['name'] === 'string' ? port['name'] : undefined;
  return p === undefined ? undefined : { service: svc['name'], port: p };
}

/** What the routing needs of the cluster, as of the controller's last sync. */
export interface RoutingInputs {
  ingresses: Iterable<KObject>;
  services: ReadonlyMap<string, KObject>;
  /** EndpointSlices by `namespace/service`. */
  slices: ReadonlyMap<string, KObject[]>;
  /** Where an endpoint's process really listens (the kubelet's port addressing); identity by default. */
  translate?: (ep: ProxyEndpoint) => { ip: string; port: number };
}

/** Groups EndpointSlices by the `namespace/service` they belong to. */
export function slicesByService(slices: Iterable<KObject>): Map<string, KObject[]> {
  const out = new Map<string, KObject[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc === undefined) continue;
    const k = `${s.metadata.namespace ?? 'default'}/${svc}`;
    const list = out.get(k) ?? [];
    list.push(s);
    out.set(k, list);
  }
  return out;
}

function upstreamOf(inputs: RoutingInputs, namespace: string, ref: { service: string; port: string }): IngressUpstream {
  const name = upstreamName(namespace, ref.service, ref.port);
  const svc = inputs.services.get(`${namespace}/${ref.service}`);
  const ports: Json[] = Array.isArray(svc?.spec?.ports) ? (svc.spec.ports as Json[]) : [];
  const sp = ports.find((p) => String(p['port']) === ref.port || p['name'] === ref.port);
  const servers: UpstreamServer[] = [];
  if (sp !== undefined) {
    const translate = inputs.translate ?? ((ep: ProxyEndpoint) => ({ ip: ep.ip, port: ep.port }));
    // Only ready endpoints, as ingress-nginx takes them: a terminating pod leaves the upstream at the
    // first sync that sees it terminating.
    for (const ep of sliceEndpoints(inputs.slices.get(`${namespace}/${ref.service}`) ?? [], String(sp['name'] ?? ''))) {
      if (!ep.ready) continue;
      const at = translate(ep);
      servers.push({ ip: at.ip, port: at.port, ...(ep.pod === undefined ? {} : { pod: ep.pod.name }) });
    }
  }
  servers.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
  return { name, namespace, service: ref.service, port: ref.port, servers };
}

/**
 * The routing model of the served Ingresses: hosts with their paths (oldest Ingress first, as
 * ingress-nginx merges them; within a host, Exact before longer prefixes), one upstream per
 * backend Service port with its ready endpoints, and the default backend of the oldest Ingress
 * that has one.
 */
export function buildIngressRouting(inputs: RoutingInputs): IngressRouting {
  const ingresses = [...inputs.ingresses].sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    return ta === tb ? keyOf(a).localeCompare(keyOf(b)) : ta < tb ? -1 : 1;
  });
  const upstreams = new Map<string, IngressUpstream>();
  const hosts = new Map<string, IngressHost>();
  let defaultUpstream: string | undefined;
  const use = (namespace: string, b: unknown): string | undefined => {
    const ref = backendRef(b);
    if (ref === undefined) return undefined;
    const u = upstreamOf(inputs, namespace, ref);
    if (!upstreams.has(u.name)) upstreams.set(u.name, u);
    return u.name;
  };
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace ?? 'default';
    if (ing.spec?.defaultBackend !== undefined && defaultUpstream === undefined) defaultUpstream = use(ns, ing.spec.defaultBackend);
    for (const rule of (Array.isArray(ing.spec?.rules) ? ing.spec.rules : []) as Json[]) {
      const host = typeof rule['host'] === 'string' ? rule['host'] : '';
      const h = hosts.get(host) ?? { host, locations: [] };
      hosts.set(host, h);
      for (const hp of (Array.isArray(rule['http']?.paths) ? rule['http'].paths : []) as Json[]) {
        const up = use(ns, hp['backend']);
        if (up === undefined) continue;
        h.locations.push({ path: typeof hp['path'] === 'string' ? hp['path'] : '/', pathType: (hp['pathType'] ?? 'Prefix') as IngressPathType, upstream: up, ingress: keyOf(ing) });
      }
    }
  }
  for (const h of hosts.values()) {
    // A stable order nginx does not need (it picks Exact, then the longest prefix) but a diff does.
    h.locations.sort((a, b) => (a.pathType === 'Exact') !== (b.pathType === 'Exact') ? (a.pathType === 'Exact' ? -1 : 1) : b.path.length - a.path.length || a.path.localeCompare(b.path));
  }
  const out: IngressRouting = {
    upstreams: [...upstreams.values()].sort((a, b) => a.name.localeCompare(b.name)),
    hosts: [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host)),
  };
  if (defaultUpstream !== undefined) out.defaultUpstream = defaultUpstream;
  return out;
}

/** What changed between two routings, in words for the reload event. */
export interface RoutingChange {
  /** Pods (or `ip:port` without one) that joined an upstream. */
  added: string[];
  removed: string[];
  /** True when hosts, paths or backends changed (not only endpoints). */
  rulesChanged: boolean;
}

function serverWord(s: UpstreamServer): string {
  return s.pod ?? `${s.ip}:${s.port}`;
}

/** The endpoints added and removed and whether the rules changed, from `prev` to `next`. */
export function diffRouting(prev: IngressRouting | undefined, next: IngressRouting): RoutingChange {
  const before = new Map<string, string>();
  const after = new Map<string, string>();
  for (const u of prev?.upstreams ?? []) for (const s of u.servers) before.set(`${u.name}|${s.ip}:${s.port}|${s.pod ?? ''}`, serverWord(s));
  for (const u of next.upstreams) for (const s of u.servers) after.set(`${u.name}|${s.ip}:${s.port}|${s.pod ?? ''}`, serverWord(s));
  const rulesOf = (r: IngressRouting | undefined): string =>
    JSON.stringify({ hosts: r?.hosts ?? [], upstreams: (r?.upstreams ?? []).map((u) => u.name), defaultUpstream: r?.defaultUpstream ?? null });
  return {
    added: [...after].filter(([k]) => !before.has(k)).map(([, w]) => w),
    removed: [...before].filter(([k]) => !after.has(k)).map(([, w]) => w),
    rulesChanged: prev === undefined || rulesOf(prev) !== rulesOf(next),
  };
}

/** The reload event's message: `endpoints added: a, b; removed: c` (and the rules, when they changed). */
export function describeChange(c: RoutingChange): string {
  const parts: string[] = [];
  if (c.rulesChanged) parts.push('rules changed');
  if (c.added.length > 0) parts.push(`endpoints added: ${c.added.join(', ')}`);
  if (c.removed.length > 0) parts.push(`endpoints removed: ${c.removed.join(', ')}`);
  return parts.length === 0 ? 'configuration unchanged' : parts.join('; ');
}
