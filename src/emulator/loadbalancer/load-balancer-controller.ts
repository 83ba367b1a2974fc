import type { KObject, Store, StoreEvent } from '../api/store-types.js';
import { parsePortMap, PORT_MAP_ANNOTATION } from '../kubelet/pod-addressing.js';
import { SERVICE_NAME_LABEL, sliceEndpoints } from '../proxy/endpoints.js';
import { LbListener } from './lb-listener.js';
import { AWS_LB_PREFIX, readLoadBalancerSettings } from '../../conventions/aws-load-balancer.js';
import { isLoadBalancerService, servicePorts, targetGroupName, targetHealthCondition } from './readiness-gate.js';
import { TargetGroup, type TargetAddress, type TargetTransition } from './target-group.js';
import type { TargetHealth } from './target-state.js';

/** The Event reason the controller records on the Service for each target transition. */
export const TARGET_EVENT_REASONS: Readonly<Record<TargetHealth, string>> = {
  initial: 'TargetRegistered',
  healthy: 'TargetHealthy',
  unhealthy: 'TargetUnhealthy',
  draining: 'TargetDraining',
  deregistered: 'TargetDeregistered',
};

/** The component name on the Events, as the AWS Load Balancer Controller signs its own. */
export const LB_EVENT_COMPONENT = 'service';

/** Options of {@link startLoadBalancers}. */
export interface LoadBalancerOptions {
  /** How long after an endpoint or pod change the load balancer registers or deregisters targets (ms). */
  delayMs: number;
  /** The first two octets of the load balancers' addresses (default `127.201`: each one its own IP). */
  addressPrefix?: string;
  log?: (m: string) => void;
}

/** The running load balancers of the emulator. */
export interface LoadBalancers {
  /** Closes every listener, stops health checks, cuts every connection. */
  stop(): Promise<void>;
  /** The target group of a Service port, for tests and diagnostics. */
  targetGroup(namespace: string, service: string, port: number): TargetGroup | undefined;
  /** The listener of a Service port. */
  listener(namespace: string, service: string, port: number): LbListener | undefined;
}

interface PortLb {
  port: number;
  portName: string;
  group: TargetGroup;
  listener: LbListener;
  address: { host: string; port: number } | undefined;
}

interface ServiceLb {
  uid: string;
  namespace: string;
  name: string;
  ip: string;
  ports: Map<number, PortLb>;
  annotationsSeen: string;
}

type Key = string;
const keyOf = (o: KObject): Key => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;

/** Desired targets per `ns/svc:port`, as seen at one moment. */
type Desired = Map<string, Map<string, TargetAddress>>;

/** The load balancer's annotations as a comparable text (others, e.g. the proxy's, change nothing here). */
function lbAnnotationsKey(annotations: Readonly<Record<string, string>> | undefined): string {
  return JSON.stringify(Object.entries(annotations ?? {}).filter(([k]) => k.startsWith(AWS_LB_PREFIX)).sort(([a], [b]) => a.localeCompare(b)));
}

function podContainersReady(pod: KObject | undefined): boolean {
  return ((pod?.status?.conditions ?? []) as Array<{ type?: string; status?: string }>).some((c) => c.type === 'ContainersReady' && c.status === 'True');
}

function podHasGate(pod: KObject | undefined, conditionType: string): boolean {
  return ((pod?.spec?.readinessGates ?? []) as Array<{ conditionType?: string }>).some((g) => g.conditionType === conditionType);
}

/**
 * Listens on ip:port; where the port is privileged (not root) another port of that IP, and where
 * the IP does not exist (only 127.0.0.1: not Linux) 127.0.0.1. The status's ports then say where.
 */
async function listenSomewhere(listener: LbListener, ip: string, port: number, warn: (m: string) => void): Promise<{ host: string; port: number } | undefined> {
  const tries: Array<[string, number]> = [[ip, port], [ip, 0], ['127.0.0.1', 0]];
  for (const [host, p] of tries) {
    try {
      return await listener.listen(host, p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      if (code !== 'EACCES' && code !== 'EADDRNOTAVAIL' && code !== 'EADDRINUSE') {
        warn(`cannot listen on ${host}:${p}: ${code}`);
        return undefined;
      }
    }
  }
  warn(`cannot listen on ${ip}:${port} nor on another port`);
  return undefined;
}

/**
 * The emulator's cloud load balancer controller: every Service of type LoadBalancer gets a load
 * balancer with one listener (an HTTP proxy on its own loopback address and the Service's port)
 * and one target group per TCP port. Targets are the Service's pods by IP: registered when their
 * endpoint is ready (or, with the pod readiness gate, when only the gate holds the pod back),
 * deregistered and drained when it stops being ready, terminates or goes, `delayMs` after the
 * change. Target transitions become Events on the Service; a pod's readiness gate condition
 * follows its target's health; the address goes into status.loadBalancer.ingress.
 */
export async function startLoadBalancers(store: Store, opts: LoadBalancerOptions): Promise<LoadBalancers> {
  const log = opts.log ?? (() => undefined);
  const delayMs = Math.max(0, opts.delayMs);
  const prefix = opts.addressPrefix ?? '127.201';
  const lbs = new Map<Key, ServiceLb>();
  let nextAddress = 1;
  let stopped = false;
  let eventSeq = 0;

  const recordEvent = (lb: ServiceLb, type: 'Normal' | 'Warning', reason: string, message: string, related?: { namespace: string; name: string }): void => {
    const now = new Date();
    eventSeq = (eventSeq + 1) % 0x100000;
    const suffix = (BigInt(now.getTime()) * 1_000_000n + BigInt(eventSeq)).toString(16);
    const t = now.toISOString().replace(/\.\d+Z$/, 'Z');
    try {
      store.create('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${lb.name}.${suffix}`, namespace: lb.namespace },
        involvedObject: { apiVersion: 'v1', kind: 'Service', namespace: lb.namespace, name: lb.name, uid: lb.uid },
        ...(related === undefined ? {} : { related: { apiVersion: 'v1', kind: 'Pod', namespace: related.namespace, name: related.name } }),
        reason,
        message,
        type,
        source: { component: LB_EVENT_COMPONENT },
        reportingComponent: LB_EVENT_COMPONENT,
        reportingInstance: 'zerodrop-load-balancer',
        firstTimestamp: t,
        lastTimestamp: t,
        eventTime: null,
        count: 1,
      });
    } catch (err) {
      log(`load balancer: could not record event ${reason} for service ${lb.namespace}/${lb.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Sets a pod's readiness gate condition to its target's health, when the pod has that gate. */
  const setGate = (tg: TargetGroup, tr: TargetTransition): void => {
    const pod = tr.target.pod;
    if (pod === undefined || tr.to === 'draining' || tr.to === 'deregistered') return;
    const type = targetHealthCondition(tg.name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = store.get('pods', pod.namespace, pod.name);
      if (cur === undefined || !podHasGate(cur, type) || cur.metadata.deletionTimestamp !== undefined) return;
      const status = tr.to === 'healthy' ? 'True' : 'False';
      const conds = ((cur.status?.conditions ?? []) as Array<Record<string, unknown>>).filter((c) => c['type'] !== type);
      const had = ((cur.status?.conditions ?? []) as Array<Record<string, unknown>>).find((c) => c['type'] === type);
      if (had?.['status'] === status && had['reason'] === (tr.reason || undefined)) return;
      const cond: Record<string, unknown> = { type, status, lastProbeTime: null, lastTransitionTime: had?.['status'] === status ? had['lastTransitionTime'] : new Date().toISOString().replace(/\.\d+Z$/, 'Z'), message: tr.message };
      if (tr.reason !== '') cond['reason'] = tr.reason;
      try {
        store.update('pods', { ...cur, status: { ...(cur.status ?? {}), conditions: [...conds, cond] } }, { subresource: 'status' });
        return;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 409) {
          log(`load balancer: readiness gate of pod ${pod.namespace}/${pod.name}: ${(e as Error).message}`);
          return;
        }
      }
    }
  };

  const onTransition = (lb: ServiceLb, tg: TargetGroup, tr: TargetTransition): void => {
    const who = tr.target.pod === undefined ? tr.target.id : `pod ${tr.target.pod.name}`;
    const type = tr.to === 'unhealthy' ? 'Warning' : 'Normal';
    recordEvent(lb, type, TARGET_EVENT_REASONS[tr.to], `target group ${tg.name}: ${who} (${tr.target.ip}:${tr.target.port}) ${tr.message}${tr.reason !== '' && tr.to !== 'healthy' ? ` [${tr.reason}]` : ''}`, tr.target.pod);
    log(`load balancer ${lb.namespace}/${lb.name}: ${who} ${tr.from} -> ${tr.to}: ${tr.message}`);
    setGate(tg, tr);
  };

  const publishStatus = (lb: ServiceLb): void => {
    const cur = store.get('services', lb.namespace, lb.name);
    if (cur === undefined || cur.metadata.uid !== lb.uid) return;
    const ports = [...lb.ports.values()].filter((p) => p.address !== undefined).map((p) => ({ port: p.address?.port ?? p.port, protocol: 'TCP' }));
    const host = [...lb.ports.values()].find((p) => p.address !== undefined)?.address?.host ?? lb.ip;
    const ingress = [{ ip: host, ipMode: 'Proxy', ports }];
    if (JSON.stringify(cur.status?.loadBalancer?.ingress) === JSON.stringify(ingress)) return;
    try {
      store.update('services', { ...cur, status: { ...(cur.status ?? {}), loadBalancer: { ingress } } }, { subresource: 'status' });
    } catch (e) {
      if ((e as { code?: unknown }).code === 409) queueMicrotask(() => publishStatus(lb));
    }
  };

  const closeLb = async (lb: ServiceLb): Promise<void> => {
    for (const p of lb.ports.values()) {
      p.group.stop();
      await p.listener.close();
    }
    lb.ports.clear();
  };

  /** Creates, reconfigures or removes the load balancer of one Service (at once: provisioning is not what is measured). */
  const syncService = async (svc: KObject | undefined, key: Key): Promise<void> => {
    const had = lbs.get(key);
    if (svc === undefined || !isLoadBalancerService(svc) || (had !== undefined && had.uid !== svc.metadata.uid)) {
      if (had !== undefined) {
        lbs.delete(key);
        await closeLb(had);
      }
      if (svc === undefined || !isLoadBalancerService(svc)) return;
    }
    let lb = lbs.get(key);
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name ?? '';
    if (lb === undefined) {
      const n = nextAddress++;
      lb = { uid: svc.metadata.uid ?? '', namespace, name, ip: `${prefix}.${Math.floor(n / 256) % 256}.${n % 256}`, ports: new Map(), annotationsSeen: '' };
      lbs.set(key, lb);
    }
    const annotations = svc.metadata.annotations ?? {};
    const { settings, problems } = readLoadBalancerSettings(annotations);
    const seen = lbAnnotationsKey(annotations);
    if (seen !== lb.annotationsSeen) {
      lb.annotationsSeen = seen;
      for (const p of problems) recordEvent(lb, 'Warning', 'InvalidAnnotation', p);
    }
    const want = servicePorts(svc);
    for (const [port, p] of lb.ports) {
      if (!want.some((w) => w.port === port)) {
        lb.ports.delete(port);
        p.group.stop();
        await p.listener.close();
      }
    }
    const thisLb = lb;
    for (const w of want) {
      const existing = lb.ports.get(w.port);
      if (existing !== undefined) {
        existing.group.configure(settings);
        existing.portName = w.name;
        continue;
      }
      const group: TargetGroup = new TargetGroup(targetGroupName(namespace, name, w.port), settings, (tr) => onTransition(thisLb, group, tr));
      const listener = new LbListener(group);
      const entry: PortLb = { port: w.port, portName: w.name, group, listener, address: undefined };
      lb.ports.set(w.port, entry);
      entry.address = await listenSomewhere(listener, lb.ip, w.port, (m) => {
        recordEvent(lb, 'Warning', 'FailedDeployModel', m);
        log(`load balancer ${key}: ${m}`);
      });
    }
    if (!stopped) publishStatus(lb);
  };

  /** The targets every load balancer should have now, from the store (applied after the delay). */
  const desiredNow = (): Desired => {
    const out: Desired = new Map();
    for (const lb of lbs.values()) {
      const slices = store.list('endpointslices', lb.namespace, { labelSelector: `${SERVICE_NAME_LABEL}=${lb.name}` }).items;
      for (const p of lb.ports.values()) {
        const gate = targetHealthCondition(p.group.name);
        const targets = new Map<string, TargetAddress>();
        for (const ep of sliceEndpoints(slices, p.portName)) {
          if (ep.terminating) continue;
          const pod = ep.pod === undefined ? undefined : store.get('pods', ep.pod.namespace, ep.pod.name);
          // With the readiness gate the controller registers a pod its gate alone holds back.
          const register = ep.ready || (podHasGate(pod, gate) && podContainersReady(pod) && pod?.metadata.deletionTimestamp === undefined);
          if (!register) continue;
          const mapped = parsePortMap(pod?.metadata.annotations?.[PORT_MAP_ANNOTATION]).get(ep.port);
          const id = ep.pod?.name ?? `${ep.ip}:${ep.port}`;
          targets.set(id, { id, ip: ep.ip, port: mapped ?? ep.port, ...(ep.pod === undefined ? {} : { pod: ep.pod }) });
        }
        out.set(`${lb.namespace}/${lb.name}:${p.port}`, targets);
      }
    }
    return out;
  };

  const applyDesired = (desired: Desired): void => {
    for (const lb of lbs.values()) {
      for (const p of lb.ports.values()) {
        const want = desired.get(`${lb.namespace}/${lb.name}:${p.port}`);
        if (want === undefined) continue;
        for (const t of p.group.list()) if (t.state.health !== 'draining' && !want.has(t.address.id)) p.group.deregister(t.address.id);
        for (const addr of want.values()) p.group.register(addr);
      }
    }
  };

  // Endpoint and pod changes reach the load balancer delayMs after they happened, in order.
  const pending: Array<{ due: number; desired: Desired }> = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = Date.now();
    while (pending.length > 0 && (pending[0]?.due ?? Infinity) <= now) {
      const item = pending.shift();
      if (item !== undefined && !stopped) applyDesired(item.desired);
    }
    const next = pending[0];
    if (next !== undefined && !stopped) timer = setTimeout(pump, Math.max(0, next.due - Date.now()));
  };
  let snapshotQueued = false;
  const snapshot = (): void => {
    // One snapshot per burst of synchronous writes (a rollout step writes several objects at once).
    if (snapshotQueued || stopped) return;
    snapshotQueued = true;
    queueMicrotask(() => {
      snapshotQueued = false;
      if (stopped || lbs.size === 0) return;
      pending.push({ due: Date.now() + delayMs, desired: desiredNow() });
      if (timer === undefined) timer = setTimeout(pump, delayMs);
    });
  };

  let serviceWork: Promise<void> = Promise.resolve();
  const onService = (e: StoreEvent): void => {
    if (stopped) return;
    const key = keyOf(e.object);
    const obj = e.type === 'DELETED' ? undefined : e.object;
    // A status write of our own changes nothing to reconcile.
    const had = lbs.get(key);
    if (obj !== undefined && had !== undefined && had.uid === obj.metadata.uid && had.annotationsSeen === lbAnnotationsKey(obj.metadata.annotations) && isLoadBalancerService(obj)) {
      const ports = servicePorts(obj);
      if (ports.length === had.ports.size && ports.every((p) => had.ports.get(p.port)?.portName === p.name)) return;
    }
    if (obj === undefined && had === undefined) return;
    serviceWork = serviceWork.then(() => syncService(obj === undefined ? undefined : store.get('services', obj.metadata.namespace, obj.metadata.name ?? ''), key)).then(snapshot, (err: unknown) => log(`load balancer ${key}: ${err instanceof Error ? err.message : String(err)}`));
  };

  const svcList = store.list('services', undefined);
  const unwatchSvc = store.watch('services', undefined, Number(svcList.resourceVersion), onService);
  for (const s of svcList.items) if (isLoadBalancerService(s)) serviceWork = serviceWork.then(() => syncService(s, keyOf(s)));
  await serviceWork;
  const rv = store.currentResourceVersion();
  const unwatchSlices = store.watch('endpointslices', undefined, rv, snapshot);
  const unwatchPods = store.watch('pods', undefined, rv, snapshot);
  snapshot();

  return {
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      unwatchSvc();
      unwatchSlices();
      unwatchPods();
      if (timer !== undefined) clearTimeout(timer);
      pending.length = 0;
      await serviceWork.catch(() => undefined);
      await Promise.all([...lbs.values()].map((lb) => closeLb(lb)));
      lbs.clear();
    },
    targetGroup(namespace, service, port) {
      return lbs.get(`${namespace}/${service}`)?.ports.get(port)?.group;
    },
    listener(namespace, service, port) {
      return lbs.get(`${namespace}/${service}`)?.ports.get(port)?.listener;
    },
  };
}
