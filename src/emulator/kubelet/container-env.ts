import type { KObject, Store } from '../api/store-types.js';

type Json = Record<string, any>;

/** `$(VAR)` expansion as the kubelet does for env values, command and args; `$$(` escapes. */
export function expandVars(s: string, vars: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && vars[name] !== undefined ? vars[name] : m;
  });
}

function fieldPath(pod: KObject, path: string, podIP: string, hostIP: string): string {
  const md = pod.metadata;
  const sub = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sub) return String((sub[1] === 'labels' ? md.labels : md.annotations)?.[sub[2] ?? ''] ?? '');
  switch (path) {
    case 'metadata.name':
      return md.name ?? '';
    case 'metadata.namespace':
      return md.namespace ?? 'default';
    case 'metadata.uid':
      return md.uid ?? '';
    case 'status.podIP':
      return podIP;
    case 'status.hostIP':
      return hostIP;
    case 'spec.nodeName':
      return String(pod.spec?.nodeName ?? '');
    case 'spec.serviceAccountName':
      return String(pod.spec?.serviceAccountName ?? 'default');
    default:
      return '';
  }
}

function keyFrom(store: Store, resource: 'configmaps' | 'secrets', ns: string, ref: Json): string | undefined {
  const obj = store.get(resource, ns, String(ref['name'] ?? ''));
  const key = String(ref['key'] ?? '');
  if (resource === 'secrets') {
    const b64 = obj?.['data'] as Json | undefined;
    if (b64?.[key] !== undefined) return Buffer.from(String(b64[key]), 'base64').toString('utf8');
    const plain = obj?.['stringData'] as Json | undefined;
    return plain?.[key] !== undefined ? String(plain[key]) : undefined;
  }
  const data = obj?.['data'] as Json | undefined;
  return data?.[key] !== undefined ? String(data[key]) : undefined;
}

/** Docker-link style variables for the namespace's Services (`enableServiceLinks`, on by default). */
function serviceLinks(store: Store, ns: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const svc of store.list('services', ns).items) {
    const ip: unknown = svc.spec?.clusterIP;
    if (typeof ip !== 'string' || ip === '' || ip === 'None') continue;
    const base = String(svc.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports: Json[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
    const first = ports[0];
    if (first === undefined) continue;
    out[`${base}_SERVICE_HOST`] = ip;
    out[`${base}_SERVICE_PORT`] = String(first['port']);
    for (const p of ports) if (p['name']) out[`${base}_SERVICE_PORT_${String(p['name']).toUpperCase().replace(/-/g, '_')}`] = String(p['port']);
  }
  return out;
}

/** Inputs of {@link containerEnv}. */
export interface ContainerEnvInput {
  store: Store;
  pod: KObject;
  container: Json;
  imageEnv: Record<string, string> | undefined;
  podIP: string;
  hostIP: string;
  /** The port the first containerPort maps to; PORT is forced to it when `forcePort`. */
  port: number | undefined;
  forcePort: boolean;
  basePath: string | undefined;
}

/**
 * A container's environment, in the kubelet's order: the image's env, service links, envFrom,
 * then env (value with $(VAR) expansion, valueFrom fieldRef/configMapKeyRef/secretKeyRef). The
 * emulator's own POD_IP, POD_NAME, POD_NAMESPACE and PORT (first containerPort) come first so the
 * manifest can override them, except PORT in `port` addressing, where the kubelet chose the port.
 */
export function containerEnv(i: ContainerEnvInput): Record<string, string> {
  const ns = i.pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  if (i.basePath !== undefined) env['PATH'] = i.basePath;
  Object.assign(env, i.imageEnv ?? {});
  env['POD_IP'] = i.podIP;
  env['POD_NAME'] = i.pod.metadata.name ?? '';
  env['POD_NAMESPACE'] = ns;
  env['HOSTNAME'] = i.pod.metadata.name ?? '';
  if (i.port !== undefined) env['PORT'] = String(i.port);
  if (i.pod.spec?.enableServiceLinks !== false) Object.assign(env, serviceLinks(i.store, ns));
  const envFrom: Json[] = Array.isArray(i.container['envFrom']) ? i.container['envFrom'] : [];
  for (const src of envFrom) {
    const prefix = String(src['prefix'] ?? '');
    const ref: Json | undefined = src['configMapRef'] ?? src['secretRef'];
    if (!ref) continue;
    const obj = i.store.get(src['configMapRef'] ? 'configmaps' : 'secrets', ns, String(ref['name'] ?? ''));
    const data = (obj?.['data'] ?? {}) as Json;
    for (const [k, v] of Object.entries(data)) env[prefix + k] = src['secretRef'] ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
  }
  const list: Json[] = Array.isArray(i.container['env']) ? i.container['env'] : [];
  for (const e of list) {
    const name = String(e['name'] ?? '');
    if (name === '') continue;
    const vf: Json | undefined = e['valueFrom'];
    let value: string | undefined;
    if (vf?.['fieldRef']) value = fieldPath(i.pod, String(vf['fieldRef']['fieldPath'] ?? ''), i.podIP, i.hostIP);
    else if (vf?.['configMapKeyRef']) value = keyFrom(i.store, 'configmaps', ns, vf['configMapKeyRef']);
    else if (vf?.['secretKeyRef']) value = keyFrom(i.store, 'secrets', ns, vf['secretKeyRef']);
    else if (vf?.['resourceFieldRef']) value = '0';
    else value = expandVars(String(e['value'] ?? ''), env);
    if (value !== undefined) env[name] = value;
  }
  if (i.forcePort && i.port !== undefined) env['PORT'] = String(i.port);
  return env;
}
