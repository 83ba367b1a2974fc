import { join } from 'node:path';
import type { KObject, Store, StoreEvent } from '../api/store-types.js';
import { recordEvent, type ControllerContext } from '../controllers/controller-context.js';
import { parsePortMap, PORT_MAP_ANNOTATION } from '../kubelet/pod-addressing.js';
import type { ProxyEndpoint } from '../proxy/endpoints.js';
import {
  buildIngressRouting,
  DEFAULT_CLASS_ANNOTATION,
  describeChange,
  diffRouting,
  INGRESS_CLASS_NAME,
  INGRESS_CONTROLLER_NAME,
  servesIngress,
  slicesByService,
} from './ingress-routing.js';
import { renderNginxConfig, type IngressRouting } from './nginx-config.js';
import { findNginx, freeLoopbackPort, NGINX_INSTALL_HINT, NginxBindError, startNginx, type NginxInstance } from './nginx-process.js';

/** Event reason of a configuration reload on each served Ingress (ingress-nginx's word). */
export const RELOAD_REASON = 'RELOAD';
/** Event reason when the controller cannot run nginx (the message says what to install). */
export const NGINX_MISSING_REASON = 'NginxNotFound';
/** Event reason when nginx failed to start or reload. */
export const NGINX_FAILED_REASON = 'NginxFailed';
/** Default sync delay: ingress-nginx's --sync-rate-limit 0.3 allows one sync every 3.3 s. */
export const DEFAULT_INGRESS_SYNC_DELAY_MS = 3000;
/** The address nginx listens on, published in status.loadBalancer.ingress[].ip. */
export const INGRESS_ADDRESS = '127.0.0.1';

/** Options of {@link startIngressController}. */
export interface IngressControllerOptions {
  /** How long after a change the controller syncs (batching every change of that window), ms. */
  syncDelayMs: number;
  /** The emulator's working directory: nginx's prefix goes under it. */
  workDir: string;
  /** nginx binary; undefined: looked up on `searchPath` and the sbin folders. */
  nginxPath?: string;
  /** PATH to look nginx up on. */
  searchPath?: string;
  /** Fixed listening port (default: a free one). */
  port?: number;
  /** Add `user root;` to nginx.conf (the emulator runs as root). */
  runAsRoot?: boolean;
  log?: (m: string) => void;
  now?: () => number;
}

/** A running ingress controller. */
export interface IngressController {
  /** The port nginx listens on, once it runs. */
  port(): number | undefined;
  /** The nginx master's pid, once it runs (tests check nothing outlives the emulator). */
  nginxPid(): number | undefined;
  /** Resolves when no sync is pending or running (for tests). */
  idle(): Promise<void>;
  /** Stops watching and ends nginx. */
  stop(): Promise<void>;
}

const COMPONENT = 'ingress-nginx-controller';

/**
 * The emulator's ingress controller, modelled on ingress-nginx: it watches Ingresses of class
 * `nginx` (or of no class: `nginx` is the default class), their Services and EndpointSlices; a
 * change starts a sync `syncDelayMs` later that takes in every change of that window (the
 * batching ingress-nginx does with its rate-limited sync queue); the sync renders nginx.conf
 * from the rules and the ready endpoints and, when it differs, reloads nginx gracefully (SIGHUP:
 * new workers take new connections, old ones finish their requests) and records a RELOAD Event
 * on each served Ingress naming the endpoints added and removed. nginx starts with the first
 * served Ingress; its address (127.0.0.1 and the port) goes into every served Ingress's status.
 */
export function startIngressController(store: Store, opts: IngressControllerOptions): IngressController {
  const log = opts.log ?? (() => undefined);
  const ctx: ControllerContext = { store, log, now: opts.now ?? (() => Date.now()) };
  const delayMs = Math.max(0, opts.syncDelayMs);
  let nginx: NginxInstance | undefined;
  let port: number | undefined;
  let routing: IngressRouting | undefined;
  let config = '';
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let syncing: Promise<void> = Promise.resolve();
  const warned = new Set<string>();

  ensureIngressClass(store, log);

  const translate = (ep: ProxyEndpoint): { ip: string; port: number } => {
    if (ep.pod === undefined) return { ip: ep.ip, port: ep.port };
    const pod = store.get('pods', ep.pod.namespace, ep.pod.name);
    const mapped = parsePortMap(pod?.metadata.annotations?.[PORT_MAP_ANNOTATION]).get(ep.port);
    return { ip: ep.ip, port: mapped ?? ep.port };
  };

  const served = (): KObject[] => {
    const cls = store.get('ingressclasses', undefined, INGRESS_CLASS_NAME);
    const isDefault = cls?.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
    return store.list('ingresses', undefined).items.filter((i) => i.metadata.deletionTimestamp === undefined && servesIngress(i, isDefault));
  };

  const warnOnce = (ings: KObject[], reason: string, message: string): void => {
    for (const ing of ings) {
      const k = `${ing.metadata.uid ?? ''}/${reason}/${message}`;
      if (warned.has(k)) continue;
      warned.add(k);
      recordEvent(ctx, COMPONENT, ing, 'Warning', reason, message);
    }
  };

  const publish = (ings: KObject[]): void => {
    if (port === undefined) return;
    const lb = { ingress: [{ ip: INGRESS_ADDRESS, ports: [{ port, protocol: 'TCP' }] }] };
    for (const ing of ings) {
      const cur = store.get('ingresses', ing.metadata.namespace, ing.metadata.name ?? '');
      if (cur === undefined || JSON.stringify(cur.status?.loadBalancer) === JSON.stringify(lb)) continue;
      try {
        store.update('ingresses', { ...cur, status: { ...(cur.status ?? {}), loadBalancer: lb } }, { subresource: 'status' });
      } catch (e) {
        if ((e as { code?: unknown }).code === 409) schedule();
        else if ((e as { code?: unknown }).code !== 404) log(`ingress: status of ${cur.metadata.namespace ?? ''}/${cur.metadata.name ?? ''} not written: ${(e as Error).message}`);
      }
    }
  };

  const startNginxOnce = async (cfgFor: (port: number) => string): Promise<void> => {
    const binary = findNginx(opts.searchPath, opts.nginxPath);
    if (binary === undefined) throw new Error(`nginx not found${opts.nginxPath === undefined ? ' on PATH nor in /usr/sbin' : ` at ${opts.nginxPath}`}: ${NGINX_INSTALL_HINT}`);
    for (let attempt = 0; ; attempt++) {
      // A restarted nginx keeps the address already published.
      const p = opts.port ?? (attempt === 0 ? port : undefined) ?? (await freeLoopbackPort());
      try {
        const text = cfgFor(p);
        nginx = await startNginx({ binary, prefix: join(opts.workDir, 'ingress-nginx'), config: text, log: (l) => log(`ingress: nginx: ${l}`) });
        port = p;
        config = text;
        const started = nginx;
        // A master that dies outside stop() is started again by the next sync.
        void started.whenExited.then(() => {
          if (!stopped && nginx === started) schedule();
        });
        log(`ingress: nginx ${binary} (pid ${nginx.pid}) listening on ${INGRESS_ADDRESS}:${p}, sync delay ${delayMs} ms`);
        return;
      } catch (e) {
        // The free port was taken between the probe and nginx's bind: try another.
        if (!(e instanceof NginxBindError) || opts.port !== undefined || attempt >= 4) throw e;
      }
    }
  };

  const sync = async (): Promise<void> => {
    if (stopped) return;
    const ings = served();
    if (ings.length === 0 && nginx === undefined) return;
    const services = new Map(store.list('services', undefined).items.map((s) => [`${s.metadata.namespace ?? 'default'}/${s.metadata.name ?? ''}`, s] as const));
    const next = buildIngressRouting({ ingresses: ings, services, slices: slicesByService(store.list('endpointslices', undefined).items), translate });
    if (nginx?.exited === true) {
      // nginx died under us (killed, crashed): start it again on the same port, as the
      // controller's container would be restarted.
      log('ingress: nginx exited; starting it again');
      await nginx.stop();
      nginx = undefined;
      routing = undefined;
    }
    const change = diffRouting(routing, next);
    try {
      if (nginx === undefined) {
        await startNginxOnce((p) => renderNginxConfig(next, { prefix: join(opts.workDir, 'ingress-nginx'), port: p, runAsRoot: opts.runAsRoot === true }));
      } else {
        const text = renderNginxConfig(next, { prefix: join(opts.workDir, 'ingress-nginx'), port: port as number, runAsRoot: opts.runAsRoot === true });
        if (text === config) {
          routing = next;
          publish(ings);
          return;
        }
        await nginx.reload(text);
        config = text;
      }
    } catch (e) {
      const msg = (e as Error).message;
      log(`ingress: ${msg}`);
      warnOnce(ings, nginx === undefined ? NGINX_MISSING_REASON : NGINX_FAILED_REASON, msg);
      return;
    }
    if (stopped) return;
    routing = next;
    for (const ing of ings) recordEvent(ctx, COMPONENT, ing, 'Normal', RELOAD_REASON, `NGINX reload triggered due to a change in configuration: ${describeChange(change)}`);
    publish(ings);
  };

  function schedule(): void {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      syncing = syncing.then(sync).catch((e: unknown) => log(`ingress: sync failed: ${(e as Error).message}`));
    }, delayMs);
  }

  const onEvent = (e: StoreEvent): void => {
    // A change that alters nothing nginx does (our own status write, the proxy's annotation) ends
    // in a sync that renders the same configuration: no reload, no event.
    if (!stopped && e.resource !== '') schedule();
  };
  const unwatch = ['ingresses', 'ingressclasses', 'services', 'endpointslices'].map((r) => store.watch(r, undefined, store.currentResourceVersion(), onEvent));
  // What exists at start is synced at once, as the controller does after its first list.
  syncing = syncing.then(sync).catch((e: unknown) => log(`ingress: sync failed: ${(e as Error).message}`));

  return {
    port: () => port,
    nginxPid: () => nginx?.pid,
    async idle(): Promise<void> {
      for (;;) {
        const s = syncing;
        await s;
        if (timer === undefined && s === syncing) return;
        await new Promise((r) => setTimeout(r, Math.max(10, delayMs / 4)));
      }
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const u of unwatch) u();
      if (timer !== undefined) clearTimeout(timer);
      await syncing;
      await nginx?.stop();
    },
  };
}

/** Creates the `nginx` IngressClass (the default class) when missing, as ingress-nginx's chart installs it. */
function ensureIngressClass(store: Store, log: (m: string) => void): void {
  if (store.get('ingressclasses', undefined, INGRESS_CLASS_NAME) !== undefined) return;
  try {
    store.create('ingressclasses', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: INGRESS_CLASS_NAME, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' }, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
      spec: { controller: INGRESS_CONTROLLER_NAME },
    });
  } catch (e) {
    log(`ingress: IngressClass ${INGRESS_CLASS_NAME} not created: ${(e as Error).message}`);
  }
}
