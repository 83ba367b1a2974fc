import type { KObject, Store, StoreEvent } from '../api/store-types.js';
import { parsePortMap, PORT_MAP_ANNOTATION } from '../kubelet/pod-addressing.js';
import { buildServiceRules, ruleKey, type ProxyEndpoint, type ServicePortRule } from './endpoints.js';
import { NftDataplane, nftablesSupport, removeStaleTables } from './nft-dataplane.js';
import { UserspaceDataplane } from './userspace-dataplane.js';

/** Annotation the proxy writes on every Service: which dataplane carries its traffic. */
export const DATAPLANE_ANNOTATION = 'zerodrop.dev/dataplane';
/** Annotation the userspace proxy writes where a Service port listens elsewhere than its ClusterIP (non-Linux): `port=ip:port,...`. */
export const PROXY_ADDRESS_ANNOTATION = 'zerodrop.dev/proxy-address';

/** Options of {@link startServiceProxy}. */
export interface ServiceProxyOptions {
  /** Propagation delay: how long after a Service or EndpointSlice change the dataplane follows (0..30000 ms). */
  proxyDelayMs: number;
  /** `auto`: nftables when root and `nft` are available, else userspace. */
  dataplane: 'auto' | 'nftables' | 'userspace';
  /** Names this emulator's nftables table (`zerodrop_<instanceId>_p<pid>`). */
  instanceId: string;
  log?: (m: string) => void;
}

/** A running service proxy. */
export interface ServiceProxy {
  /** Removes the dataplane (nftables table or listeners). */
  stop(): Promise<void>;
  /** The dataplane that runs. */
  dataplane: 'nftables' | 'userspace';
}

type Key = string;
const keyOf = (o: KObject): Key => `${o.metadata.namespace ?? 'default'}/${o.metadata.name ?? ''}`;

/**
 * The emulator's kube-proxy: watches Services and EndpointSlices, and after `proxyDelayMs`
 * programs the dataplane so that each new connection to ClusterIP:port goes to a random usable
 * endpoint (ready ones; else serving+terminating ones; else rejected). Because the delay applies
 * to endpoint removals as on a real cluster, a pod that exits on SIGTERM before the proxy has
 * caught up still gets new connections, and they fail the way they fail in production.
 */
export async function startServiceProxy(store: Store, opts: ServiceProxyOptions): Promise<ServiceProxy> {
  const log = opts.log ?? (() => undefined);
  const delayMs = Math.min(30_000, Math.max(0, Number.isFinite(opts.proxyDelayMs) ? opts.proxyDelayMs : 1000));
  let kind: 'nftables' | 'userspace';
  if (opts.dataplane === 'userspace') kind = 'userspace';
  else {
    const support = await nftablesSupport();
    if (support.ok) kind = 'nftables';
    else if (opts.dataplane === 'nftables') throw new Error(`nftables dataplane unavailable: ${support.reason}`);
    else {
      kind = 'userspace';
      log(`proxy: nftables unavailable (${support.reason}); using the userspace dataplane`);
    }
  }
  const nft = kind === 'nftables' ? new NftDataplane(opts.instanceId, log) : undefined;
  const user = kind === 'userspace' ? new UserspaceDataplane(log) : undefined;
  if (nft) await removeStaleTables(log).catch((e: Error) => log(`proxy: stale table cleanup failed: ${e.message}`));

  // The proxy's view: what it has "received" so far; changes enter it only after the delay.
  const services = new Map<Key, KObject>();
  const slices = new Map<Key, KObject>();
  let stopped = false;

  const translate = (ep: ProxyEndpoint): { ip: string; port: number } => {
    if (ep.pod === undefined) return { ip: ep.ip, port: ep.port };
    const pod = store.get('pods', ep.pod.namespace, ep.pod.name);
    const mapped = parsePortMap(pod?.metadata.annotations?.[PORT_MAP_ANNOTATION]).get(ep.port);
    return { ip: ep.ip, port: mapped ?? ep.port };
  };

  const publish = (rules: ServicePortRule[]): void => {
    const addresses = user?.addresses() ?? new Map<string, string>();
    for (const svc of services.values()) {
      const cur = store.get('services', svc.metadata.namespace, svc.metadata.name ?? '');
      if (!cur || cur.metadata.uid !== svc.metadata.uid) continue;
      const ann = { ...(cur.metadata.annotations ?? {}) };
      ann[DATAPLANE_ANNOTATION] = kind;
      const moved = rules
        .filter((r) => r.namespace === cur.metadata.namespace && r.service === cur.metadata.name)
        .map((r) => [r.port, addresses.get(`${ruleKey(r)}@${r.clusterIP}:${r.port}`), `${r.clusterIP}:${r.port}`] as const)
        .filter(([, at, home]) => at !== undefined && at !== home)
        .map(([port, at]) => `${port}=${String(at)}`);
      if (moved.length > 0) ann[PROXY_ADDRESS_ANNOTATION] = moved.join(',');
      else delete ann[PROXY_ADDRESS_ANNOTATION];
      try {
        if (JSON.stringify(ann) !== JSON.stringify(cur.metadata.annotations ?? {})) {
          store.update('services', { ...cur, metadata: { ...cur.metadata, annotations: ann } });
        }
        // status.loadBalancer of a LoadBalancer Service is its load balancer's (src/emulator/loadbalancer).
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 409) scheduleSync();
        else if (code !== 404) log(`proxy: service ${keyOf(cur)} update failed: ${(e as Error).message}`);
      }
    }
  };

  let syncing: Promise<void> = Promise.resolve();
  let dirty = false;
  function scheduleSync(): void {
    if (dirty || stopped) return;
    dirty = true;
    syncing = syncing.then(async () => {
      dirty = false;
      if (stopped) return;
      const rules = buildServiceRules(services.values(), slices.values(), translate);
      if (nft) await nft.apply(rules);
      else if (user) await user.apply(rules);
      if (!stopped) publish(rules);
    });
  }

  const applyEvent = (e: StoreEvent): void => {
    const map = e.resource === 'services' ? services : slices;
    if (e.type === 'DELETED') map.delete(keyOf(e.object));
    else map.set(keyOf(e.object), e.object);
    scheduleSync();
  };

  // The propagation delay: every change reaches the dataplane delayMs after it happened, in order.
  const pending: Array<{ due: number; e: StoreEvent }> = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pump = (): void => {
    timer = undefined;
    const now = Date.now();
    while (pending.length > 0 && (pending[0]?.due ?? Infinity) <= now) {
      const item = pending.shift();
      if (item) applyEvent(item.e);
    }
    const next = pending[0];
    if (next && !stopped) timer = setTimeout(pump, Math.max(0, next.due - Date.now()));
  };
  const onEvent = (e: StoreEvent): void => {
    if (stopped) return;
    pending.push({ due: Date.now() + delayMs, e });
    if (timer === undefined) timer = setTimeout(pump, delayMs);
  };

  // At start the proxy syncs what exists at once, as kube-proxy does after its initial list.
  const svcList = store.list('services', undefined);
  for (const s of svcList.items) services.set(keyOf(s), s);
  const unwatchSvc = store.watch('services', undefined, Number(svcList.resourceVersion), onEvent);
  const sliceList = store.list('endpointslices', undefined);
  for (const s of sliceList.items) slices.set(keyOf(s), s);
  const unwatchSlices = store.watch('endpointslices', undefined, Number(sliceList.resourceVersion), onEvent);
  scheduleSync();
  await syncing;
  log(`proxy: ${kind} dataplane running${nft ? ` (table ip ${nft.table})` : ''}, propagation delay ${delayMs} ms`);

  return {
    dataplane: kind,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      unwatchSvc();
      unwatchSlices();
      if (timer !== undefined) clearTimeout(timer);
      await syncing;
      if (nft) await nft.stop();
      if (user) await user.stop();
    },
  };
}
