import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { CouldNotRunError } from '../errors.js';
import { ApiError } from './api/api-error.js';
import { writeKubeconfig } from './api/kubeconfig.js';
import { MemoryStore } from './api/memory-store.js';
import { startApiServer, type ApiServer, type PodLogProvider } from './api/server.js';
import type { Store } from './api/store-types.js';
import { EMULATOR_DEFAULTS, validateEmulatorConfig, type EmulatorConfig } from './config.js';
import { startControllers } from './controllers/index.js';
import { defaultImages, startKubelet, type Kubelet } from './kubelet/index.js';
import { podPortTarget } from './kubelet/pod-addressing.js';
import { startIngressController, type IngressController } from './ingress/index.js';
import { startServiceProxy } from './proxy/index.js';

/** A running emulator: its API server address and credentials, its store, and how to stop it. */
export interface EmulatorHandle {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** Bearer token the API server requires. */
  token: string;
  /** Kubeconfig (mode 0600) pointing at the emulator, for kubectl and @kubernetes/client-node. */
  kubeconfigPath: string;
  /** PEM of the API server's self-signed certificate (also in the kubeconfig). */
  caPem: string;
  /** The object store, for in-process use (tests, the demo). */
  store: Store;
  /** The service dataplane that runs: `nftables` or `userspace`. */
  dataplane: string;
  /** The ingress controller's nginx: its port and master pid once an Ingress started it. */
  ingress: Pick<IngressController, 'port' | 'nginxPid'>;
  /** Stops ingress controller, proxy, kubelet, controllers and API server, in that order. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startEmulator} beyond the config file's. */
export interface StartEmulatorOptions {
  /** Diagnostics of the emulator's parts (default: dropped). */
  log?: (msg: string) => void;
  /** Names this emulator's host resources (nftables table); default random. */
  instanceId?: string;
  /** Interval of watch BOOKMARK events (default 30 s). */
  bookmarkIntervalMs?: number;
}

type PodLogView = Pick<Kubelet, 'podLog'>;

function lastLines(text: string, n: number | undefined): string {
  if (n === undefined || n < 0) return text;
  if (n === 0) return '';
  const lines = text.split('\n');
  const trailing = lines[lines.length - 1] === '' ? 1 : 0;
  return lines.slice(Math.max(0, lines.length - trailing - n)).join('\n');
}

function logProviderFor(kubelet: PodLogView, store: Store): PodLogProvider {
  const podLog = kubelet.podLog.bind(kubelet);
  return (req) => {
    const containers = ((req.pod.spec?.containers ?? []) as Array<{ name?: string }>).map((c) => c.name ?? '');
    if (req.container !== undefined && !containers.includes(req.container)) {
      throw new ApiError(400, 'BadRequest', `container ${req.container} is not valid for pod ${req.name}`);
    }
    const view = podLog(req.namespace, req.name, req.container);
    if (view === undefined) {
      throw new ApiError(400, 'BadRequest', `container "${req.container ?? containers[0] ?? ''}" in pod "${req.name}" is waiting to start: ContainerCreating`);
    }
    const text = lastLines(view.text(), req.tailLines);
    if (!req.follow) return text;
    const out = new PassThrough();
    out.write(text);
    const unfollow = view.follow((s) => out.write(s));
    // a follow ends when the pod goes away, as `kubectl logs -f` does when the container exits
    const unwatch = store.watch('pods', req.namespace, store.currentResourceVersion(), (e) => {
      if (e.type === 'DELETED' && e.object.metadata.uid === req.pod.metadata.uid) out.end();
    }, { fieldSelector: `metadata.name=${req.name}` });
    const done = (): void => {
      unfollow();
      unwatch();
    };
    out.on('close', done);
    out.on('finish', done);
    req.signal.addEventListener('abort', () => out.destroy());
    return out as Readable;
  };
}

/**
 * Starts the local Kubernetes emulator: the object store and API server (HTTPS on 127.0.0.1 with
 * a bearer token and a kubeconfig), then the controllers, the kubelet (config images over the
 * built-in demo images) and the service proxy. Ready when
 * the promise resolves; a part that fails to start stops the others and throws CouldNotRunError.
 */
export async function startEmulator(config: EmulatorConfig, opts: StartEmulatorOptions = {}): Promise<EmulatorHandle> {
  const cfg = validateEmulatorConfig(config);
  const log = opts.log ?? (() => {});
  const nodeName = cfg.nodeName ?? EMULATOR_DEFAULTS.nodeName;
  const instanceId = opts.instanceId ?? randomBytes(3).toString('hex');
  const store = new MemoryStore({ nodeName, onListenerError: (e) => log(`store: watch listener failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`) });
  const stops: Array<{ name: string; stop: () => Promise<void> | void }> = [];
  let tempDir: string | undefined;
  let stopping: Promise<void> | undefined;
  let dataplane = 'none';
  let ingressView: Pick<IngressController, 'port' | 'nginxPid'> | undefined;

  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const part of [...stops].reverse()) {
        try {
          await part.stop();
        } catch (err) {
          log(`emulator: stopping ${part.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  let server: ApiServer;
  let kubeconfigPath: string;
  try {
    server = await startApiServer({ store, port: cfg.port ?? EMULATOR_DEFAULTS.port, podPortAddress: podPortTarget, ...(opts.bookmarkIntervalMs === undefined ? {} : { bookmarkIntervalMs: opts.bookmarkIntervalMs }) });
    stops.push({ name: 'api server', stop: () => server.close() });
    if (cfg.kubeconfigPath !== undefined) kubeconfigPath = cfg.kubeconfigPath;
    else {
      tempDir = await mkdtemp(join(tmpdir(), 'zerodrop-emulator-'));
      kubeconfigPath = join(tempDir, 'kubeconfig');
    }
    await writeKubeconfig(kubeconfigPath, { server: server.url, token: server.token, ...(server.caPem === undefined ? {} : { caPem: server.caPem }) });

    const controllers = startControllers(store, { log });
    stops.push({ name: 'controllers', stop: () => controllers.stop() });

    const kubelet = startKubelet(store, { nodeName, images: { ...defaultImages(), ...cfg.images }, log });
    stops.push({ name: 'kubelet', stop: () => kubelet.stop() });
    server.setPodLogProvider(logProviderFor(kubelet, store));

    const proxy = await startServiceProxy(store, {
      proxyDelayMs: cfg.proxyDelayMs ?? EMULATOR_DEFAULTS.proxyDelayMs,
      dataplane: cfg.dataplane ?? EMULATOR_DEFAULTS.dataplane,
      instanceId,
      log,
    });
    stops.push({ name: 'service proxy', stop: () => proxy.stop() });
    dataplane = proxy.dataplane;

    // nginx starts only with the first Ingress: an emulator without one needs no nginx.
    tempDir ??= await mkdtemp(join(tmpdir(), 'zerodrop-emulator-'));
    const ingress = startIngressController(store, {
      syncDelayMs: cfg.ingressSyncDelayMs ?? EMULATOR_DEFAULTS.ingressSyncDelayMs,
      workDir: tempDir,
      ...(cfg.nginxPath === undefined ? {} : { nginxPath: cfg.nginxPath }),
      ...(process.env['PATH'] === undefined ? {} : { searchPath: process.env['PATH'] }),
      runAsRoot: typeof process.getuid === 'function' && process.getuid() === 0,
      log,
    });
    stops.push({ name: 'ingress controller', stop: () => ingress.stop() });
    ingressView = ingress;
  } catch (err) {
    await stopAll();
    if (err instanceof CouldNotRunError) throw err;
    throw new CouldNotRunError('E_EMULATOR_START', `the Kubernetes emulator could not start: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      hint: 'run with --verbose to see which part failed; on Linux the nftables dataplane needs root (try dataplane: userspace)',
    });
  }

  return {
    url: server.url,
    token: server.token,
    kubeconfigPath,
    caPem: server.caPem ?? '',
    store,
    dataplane,
    ingress: {
      port: () => ingressView?.port(),
      nginxPid: () => ingressView?.nginxPid(),
    },
    stop: stopAll,
  };
}

