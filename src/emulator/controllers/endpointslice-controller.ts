import { QueueController } from './queue-controller.js';
import type { KObject, StoreEvent } from '../api/store-types.js';
import { type ControllerContext, objectKey, splitKey } from './controller-context.js';
import { jsonEqual } from './deployment-status.js';
import { matchesMapSelector } from '../../labels/label-selector.js';
import { isPodReady, isPodTerminal } from './pod-util.js';
import { WorkQueue, apiErrorCode } from './work-queue.js';

const COMPONENT = 'endpointslice-controller';
/** Label naming a slice's Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** Label naming the controller that manages a slice. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
/** Value of MANAGED_BY_LABEL for slices of this controller, as upstream. */
export const MANAGED_BY = 'endpointslice-controller.k8s.io';

/** One port of an EndpointSlice. */
export interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** One endpoint of an EndpointSlice. */
export interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  hostname?: string;
  zone?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

/**
 * The port a Service port reaches on a pod: a number as is, a name looked up among the pod's
 * container ports (same protocol); undefined when the name is not found (upstream FindPort).
 */
export function resolveTargetPort(sp: ServicePort, pod: KObject): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const asNum = Number(target);
  if (target !== '' && Number.isInteger(asNum)) return asNum;
  const proto = sp.protocol ?? 'TCP';
  const containers: unknown = pod.spec?.containers;
  const inits: unknown = pod.spec?.initContainers;
  // App containers first, then sidecars (init containers with restartPolicy Always).
  const candidates = [
    ...(Array.isArray(containers) ? containers : []),
    ...(Array.isArray(inits) ? inits.filter((c) => c?.restartPolicy === 'Always') : []),
  ];
  for (const c of candidates) {
    for (const p of (c?.ports ?? []) as Array<{ name?: string; containerPort?: number; protocol?: string }>) {
      if (p.name === target && (p.protocol ?? 'TCP') === proto && typeof p.containerPort === 'number') return p.containerPort;
    }
  }
  return undefined;
}

/**
 * The ports of a pod's endpoint (upstream getEndpointPorts): each Service port whose target the
 * pod serves, in the Service's order; a port whose named target the pod lacks is left out.
 */
export function endpointPorts(service: KObject, pod: KObject): EndpointPort[] {
  const servicePorts: ServicePort[] = Array.isArray(service.spec?.ports) ? service.spec.ports : [];
  const ports: EndpointPort[] = [];
  for (const sp of servicePorts) {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
    if (sp.appProtocol !== undefined) ep.appProtocol = sp.appProtocol;
    ports.push(ep);
  }
  return ports;
}

/**
 * The pod's addresses of one family (upstream getEndpointAddresses): status.podIPs filtered by
 * family; a pod that reports only status.podIP uses that.
 */
export function endpointAddresses(pod: KObject, addressType: 'IPv4' | 'IPv6' = 'IPv4'): string[] {
  const ips: unknown = pod.status?.podIPs;
  const list: string[] = Array.isArray(ips)
    ? ips.map((x) => (typeof x?.ip === 'string' ? x.ip : '')).filter((ip) => ip !== '')
    : typeof pod.status?.podIP === 'string' && pod.status.podIP !== ''
      ? [pod.status.podIP]
      : [];
  return list.filter((ip) => ip.includes(':') === (addressType === 'IPv6'));
}

/** The node label whose value becomes an endpoint's zone. */
export const TOPOLOGY_ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * The endpoint for a pod of a Service (upstream podToEndpoint): serving = Ready; ready = serving
 * and not terminating, or always with publishNotReadyAddresses; the zone from the pod's node.
 */
export function podEndpoint(pod: KObject, service: KObject, node?: KObject): Endpoint {
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const serving = isPodReady(pod);
  const ep: Endpoint = {
    addresses: endpointAddresses(pod, 'IPv4'),
    conditions: { ready: service.spec?.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  if (typeof pod.spec?.nodeName === 'string' && pod.spec.nodeName !== '') ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[TOPOLOGY_ZONE_LABEL];
  if (zone !== undefined && zone !== '') ep.zone = zone;
  const sameNamespace = (pod.metadata.namespace ?? 'default') === (service.metadata.namespace ?? 'default');
  if (typeof pod.spec?.hostname === 'string' && pod.spec.hostname !== '' && pod.spec.subdomain === service.metadata.name && sameNamespace) {
    ep.hostname = pod.spec.hostname;
  }
  return ep;
}

/**
 * A pod belongs in a Service's endpoints (upstream ShouldPodBeInEndpoints with terminating pods
 * included): not terminal, and with an IP in status.podIP or status.podIPs.
 */
export function podHasEndpoint(pod: KObject): boolean {
  if (isPodTerminal(pod)) return false;
  const ip: unknown = pod.status?.podIP;
  const ips: unknown = pod.status?.podIPs;
  return (typeof ip === 'string' && ip !== '') || (Array.isArray(ips) && ips.length > 0);
}

/**
 * The EndpointSlice controller: for each Service with a selector, slices named `<service>-<suffix>`
 * (one per distinct set of resolved ports; normally one) listing the pods the selector matches,
 * rewritten at once on every pod or Service change. Propagation delay belongs to the proxy.
 */
export class EndpointSliceController extends QueueController {
  protected readonly primary = 'services';

  /** Wires the controller to the store; call start() to begin. */
  constructor(ctx: ControllerContext) {
    super(ctx, COMPONENT);
  }

  protected watches(): Array<[string, (e: StoreEvent) => void]> {
    return [['services', (e) => this.queue.add(objectKey(e.object))], ['pods', (e) => this.onPod(e)], ['endpointslices', (e) => this.onSlice(e)]];
  }

  private onPod(e: StoreEvent): void {
    // Labels may have changed too, so every selecting Service of the namespace (before or after)
    // is a candidate; syncing one that did not change writes nothing.
    for (const svc of this.ctx.store.list('services', e.object.metadata.namespace).items) {
      if (svc.spec?.selector !== undefined) this.queue.add(objectKey(svc));
    }
  }

  private onSlice(e: StoreEvent): void {
    const labels = e.object.metadata.labels ?? {};
    const svc = labels[SERVICE_NAME_LABEL];
    if (svc !== undefined && labels[MANAGED_BY_LABEL] === MANAGED_BY) this.queue.add(`${e.object.metadata.namespace ?? 'default'}/${svc}`);
  }

  protected sync(key: string): void {
    const { namespace, name } = splitKey(key);
    const { store } = this.ctx;
    const svc = store.get('services', namespace, name);
    const existing = store
      .list('endpointslices', namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${MANAGED_BY}` })
      .items.filter((s) => svc === undefined || s.metadata.ownerReferences?.some((r) => r.uid === svc.metadata.uid));
    const selector: Record<string, string> | undefined = svc?.spec?.selector;
    if (svc === undefined || selector === undefined || Object.keys(selector).length === 0 || svc.spec?.type === 'ExternalName') {
      for (const s of existing) this.deleteSlice(s);
      return;
    }

    // Group endpoints by their resolved port list (pods can resolve a named port differently).
    const groups = new Map<string, { ports: EndpointPort[]; endpoints: Endpoint[] }>();
    const pods = store
      .list('pods', namespace)
      .items.filter((p) => podHasEndpoint(p) && matchesMapSelector(selector, p.metadata.labels))
      .sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
    for (const pod of pods) {
      const ports = endpointPorts(svc, pod);
      const k = JSON.stringify(ports);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = { ports, endpoints: [] }));
      const nodeName: unknown = pod.spec?.nodeName;
      const node = typeof nodeName === 'string' && nodeName !== '' ? store.get('nodes', undefined, nodeName) : undefined;
      g.endpoints.push(podEndpoint(pod, svc, node));
    }
    // No pod: one placeholder slice without endpoints, as upstream keeps.
    if (groups.size === 0) groups.set('[]', { ports: [], endpoints: [] });

    const unused = [...existing];
    for (const [k, g] of groups) {
      const i = unused.findIndex((s) => JSON.stringify(s['ports'] ?? []) === k);
      const reuse = i >= 0 ? unused.splice(i, 1)[0] : unused.shift();
      this.writeSlice(svc, reuse, g.ports, g.endpoints);
    }
    for (const s of unused) this.deleteSlice(s);
  }

  private writeSlice(svc: KObject, current: KObject | undefined, ports: EndpointPort[], endpoints: Endpoint[]): void {
    const name = svc.metadata.name ?? '';
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    if (current === undefined) {
      this.ctx.store.create('endpointslices', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${name.slice(0, 57)}-`,
          namespace: svc.metadata.namespace ?? 'default',
          labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
        },
        addressType: 'IPv4',
        ports,
        endpoints,
      });
      return;
    }
    if (jsonEqual(current.metadata.labels, labels) && current['addressType'] === 'IPv4' && jsonEqual(current['ports'], ports) && jsonEqual(current['endpoints'], endpoints)) return;
    const next: KObject = { ...current, metadata: { ...current.metadata, labels }, addressType: 'IPv4', ports, endpoints };
    this.ctx.store.update('endpointslices', next);
  }

  private deleteSlice(s: KObject): void {
    try {
      this.ctx.store.delete('endpointslices', s.metadata.namespace, s.metadata.name ?? '');
    } catch (err) {
      if (apiErrorCode(err) !== 404) throw err;
    }
  }
}
