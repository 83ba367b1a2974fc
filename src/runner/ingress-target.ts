import type { V1Ingress } from '@kubernetes/client-node';
import type { Cluster } from '../cluster/cluster.js';
import { CouldNotRunError, InvalidInputError } from '../errors.js';
import type { TargetSpec } from '../scenario/types.js';

/** Where the traffic goes when it goes through an Ingress: the URL of its address, and the Host its rule answers to. */
export interface IngressTarget {
  url: string;
  /** `{ host }` of the rule the traffic matches; empty when the rule has no host (any Host is served). */
  headers: Record<string, string>;
  /** The Ingress's backend Service for the target path, when one rule names it. */
  service: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function pathMatches(path: string, rulePath: string | undefined, pathType: string | undefined): boolean {
  const p = rulePath ?? '/';
  if (pathType === 'Exact') return path === p;
  if (p === '/' || p === '') return true;
  const base = p.endsWith('/') ? p.slice(0, -1) : p;
  return path === base || path.startsWith(`${base}/`) || (pathType === 'ImplementationSpecific' && path.startsWith(p));
}

/** The first rule (host and backend) whose path serves `path`, else the default backend's Service. */
export function ingressRouteFor(ing: V1Ingress, path: string): { host: string | undefined; service: string | undefined } {
  const pathOnly = path.split('?')[0] ?? '/';
  for (const rule of ing.spec?.rules ?? []) {
    for (const hp of rule.http?.paths ?? []) {
      if (pathMatches(pathOnly, hp.path, hp.pathType)) return { host: rule.host, service: hp.backend.service?.name };
    }
  }
  const firstHost = ing.spec?.rules?.find((r) => r.host !== undefined)?.host;
  return { host: ing.spec?.defaultBackend === undefined ? firstHost : undefined, service: ing.spec?.defaultBackend?.service?.name };
}

/** The address of an Ingress's status as `host:port` (port from status ports, else 80). */
export function ingressAddress(ing: V1Ingress): string | undefined {
  const lb = ing.status?.loadBalancer?.ingress?.[0];
  const host = lb?.ip ?? lb?.hostname;
  if (host === undefined || host === '') return undefined;
  const port = lb?.ports?.[0]?.port ?? 80;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Waits (up to `timeoutMs`) for the Ingress's controller to publish its address, then answers
 * the URL and Host header the traffic uses. Without an address by then: CouldNotRunError naming
 * the controller's last Warning event on the Ingress (the emulator's says what to install).
 */
export async function resolveIngressTarget(cluster: Cluster, name: string, namespace: string, target: TargetSpec, timeoutMs: number, signal: AbortSignal): Promise<IngressTarget> {
  const deadline = Date.now() + timeoutMs;
  let ing = await cluster.getIngress(name, namespace);
  while (ingressAddress(ing) === undefined && Date.now() < deadline && !signal.aborted) {
    await sleep(200);
    ing = await cluster.getIngress(name, namespace);
  }
  const address = ingressAddress(ing);
  const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
  if (address === undefined) {
    const events = await cluster.list('events', { namespace, fieldSelector: `involvedObject.kind=Ingress,involvedObject.name=${name}` }).catch(() => ({ items: [] }));
    const warning = events.items.filter((e) => e.type === 'Warning').pop();
    throw new CouldNotRunError('E_INGRESS_NO_ADDRESS', `ingress/${name} got no address within ${Math.round(timeoutMs / 1000)} s${warning === undefined ? '' : `: ${warning.reason ?? ''}: ${warning.message ?? ''}`}`, {
      hint: `kubectl describe ingress ${name} shows its controller's events; the emulator's ingress controller runs nginx: apt-get install nginx-light`,
    });
  }
  const route = ingressRouteFor(ing, path);
  if (route.service === undefined) {
    throw new InvalidInputError([{ path: 'kubernetes.ingress', message: `ingress/${name} routes no path that serves ${path} to a Service (rules: ${(ing.spec?.rules ?? []).map((r) => `${r.host ?? '*'}${(r.http?.paths ?? []).map((p) => p.path ?? '/').join(',')}`).join('; ') || 'none'})` }], 'set target.path to a path of the Ingress');
  }
  return { url: `http://${address}${path}`, headers: route.host === undefined || route.host.startsWith('*') ? {} : { host: route.host }, service: route.service };
}
