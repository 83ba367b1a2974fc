import type { Writable } from 'node:stream';
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  Log,
  NetworkingV1Api,
  PatchStrategy,
  PolicyV1Api,
  VersionApi,
  Watch,
  setHeaderOptions,
  type V1Deployment,
  type CoreV1Event,
  type V1EndpointSlice,
  type V1Ingress,
  type V1Job,
  type V1Pod,
  type V1PodDisruptionBudget,
  type V1ReplicaSet,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { CouldNotRunError, InvalidInputError } from '../errors.js';
import { apiErrorCode, mapApiError } from './cluster-errors.js';

/** Where to find the cluster; every field falls back to the kubeconfig's default loading rules. */
export interface ConnectOptions {
  /** A kubeconfig file; default: $KUBECONFIG, then ~/.kube/config, then in-cluster. */
  kubeconfigPath?: string;
  /** A context of the kubeconfig; default: its current-context. */
  context?: string;
  /** Default: the context's namespace, else `default`. */
  namespace?: string;
  /** How long /version may take before the server counts as unreachable (default 10 s). */
  connectTimeoutMs?: number;
}

/** The kinds the rollout watcher lists and watches. */
export interface WatchKinds {
  deployments: V1Deployment;
  replicasets: V1ReplicaSet;
  pods: V1Pod;
  endpointslices: V1EndpointSlice;
  /** core/v1 Events (the front door's reloads are Events on its Ingress). */
  events: CoreV1Event;
}

/** One of the kinds the rollout watcher lists and watches. */
export type WatchKind = keyof WatchKinds;

/** Filters of a list or watch. */
export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** A list and the resourceVersion to watch from. */
export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

/** Patch flavours the API server takes (server-side apply is left out on purpose). */
export type PatchType = 'strategic' | 'merge' | 'json';

/** One raw watch event: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR with its object (JSON as sent). */
export type RawWatchHandler = (type: string, object: any) => void;

/** A running watch; `stop()` closes it without calling its done callback. */
export interface WatchHandle {
  stop(): void;
}

/** Facts about the cluster for report.meta.cluster. */
export interface ClusterFacts {
  server: string;
  context: string;
  namespace: string;
  version: string;
  [key: string]: unknown;
}

/** A connected cluster: what was checked at connect time, and typed calls that map API errors to ZerodropErrors. */
export interface Cluster {
  readonly kubeConfig: KubeConfig;
  /** API server URL of the context. */
  readonly server: string;
  /** The context in use. */
  readonly context: string;
  /** The server's gitVersion from /version, e.g. `v1.34.1`. */
  readonly version: string;
  /** The namespace used when a call names none. */
  readonly namespace: string;
  /** Facts for report.meta.cluster. */
  facts(): ClusterFacts;
  /** Reads a Deployment; 404 is an InvalidInputError that lists the Deployments of the namespace. */
  getDeployment(name: string, namespace?: string): Promise<V1Deployment>;
  /** Lists the Deployments of a namespace. */
  listDeployments(namespace?: string): Promise<V1Deployment[]>;
  /** Patches a Deployment with the given patch type. */
  patchDeployment(name: string, patch: unknown, type: PatchType, namespace?: string): Promise<V1Deployment>;
  /** Lists ReplicaSets by label selector. */
  listReplicaSets(labelSelector?: string, namespace?: string): Promise<V1ReplicaSet[]>;
  /** Lists Pods by label selector. */
  listPods(labelSelector?: string, namespace?: string): Promise<V1Pod[]>;
  /** Lists the EndpointSlices of a Service (label kubernetes.io/service-name). */
  listEndpointSlices(serviceName: string, namespace?: string): Promise<V1EndpointSlice[]>;
  /** Reads a Service; 404 is an InvalidInputError that lists the Services of the namespace. */
  getService(name: string, namespace?: string): Promise<V1Service>;
  /** Lists the Services of a namespace. */
  listServices(namespace?: string): Promise<V1Service[]>;
  /** Reads an Ingress; 404 is an InvalidInputError that lists the Ingresses of the namespace. */
  getIngress(name: string, namespace?: string): Promise<V1Ingress>;
  /** Lists the PodDisruptionBudgets of a namespace (empty when the policy API is not served). */
  listPodDisruptionBudgets(namespace?: string): Promise<V1PodDisruptionBudget[]>;
  /** Lists one of the watched kinds with the resourceVersion to watch from. */
  list<K extends WatchKind>(kind: K, query: ListQuery): Promise<ListResult<WatchKinds[K]>>;
  /**
   * Watches one of the watched kinds from a resourceVersion. `onDone` is called once when the
   * stream ends (null: closed by the server) or fails; not after `stop()`.
   */
  watch(kind: WatchKind, query: ListQuery & { resourceVersion?: string }, onEvent: RawWatchHandler, onDone: (err: unknown) => void): Promise<WatchHandle>;
  /** The load agents' Job and Secret (src/agents). These pass the client's errors through: read them with apiErrorCode / apiErrorMessage. */
  createSecret(body: V1Secret, namespace?: string): Promise<V1Secret>;
  /** Patches a Secret (errors passed through). */
  patchSecret(name: string, patch: unknown, type: PatchType, namespace?: string): Promise<V1Secret>;
  /** Deletes a Secret (errors passed through, 404 included). */
  deleteSecret(name: string, namespace?: string): Promise<void>;
  /** Creates a Job (errors passed through). */
  createJob(body: V1Job, namespace?: string): Promise<V1Job>;
  /** Patches a Job (errors passed through). */
  patchJob(name: string, patch: unknown, type: PatchType, namespace?: string): Promise<V1Job>;
  /** Deletes a Job, its pods in the background (errors passed through, 404 included). */
  deleteJob(name: string, namespace?: string): Promise<void>;
  /** Follows a container's log into `sink` (ended when the stream ends); resolves with the abort of the stream once it is open. */
  followLog(pod: string, container: string, sink: Writable, namespace?: string): Promise<AbortController>;
}

/** Label the EndpointSlice controller puts on the slices of a Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  strategic: PatchStrategy.StrategicMergePatch,
  merge: PatchStrategy.MergePatch,
  json: PatchStrategy.JsonPatch,
};

function watchPath(kind: WatchKind, namespace: string): string {
  const ns = encodeURIComponent(namespace);
  switch (kind) {
    case 'deployments':
      return `/apis/apps/v1/namespaces/${ns}/deployments`;
    case 'replicasets':
      return `/apis/apps/v1/namespaces/${ns}/replicasets`;
    case 'pods':
      return `/api/v1/namespaces/${ns}/pods`;
    case 'endpointslices':
      return `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`;
    case 'events':
      return `/api/v1/namespaces/${ns}/events`;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function loadKubeConfig(opts: ConnectOptions): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfigPath !== undefined) kc.loadFromFile(opts.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (err) {
    const where = opts.kubeconfigPath ?? 'the default kubeconfig ($KUBECONFIG or ~/.kube/config)';
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new InvalidInputError([{ path: 'kubeconfig', message: `could not load ${where}: ${why}` }], 'pass --kubeconfig <file> or set KUBECONFIG');
  }
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) === null) {
      const names = kc.getContexts().map((c) => c.name);
      throw new InvalidInputError(
        [{ path: 'context', message: `context "${opts.context}" does not exist in the kubeconfig; available: ${names.length > 0 ? names.join(', ') : '(none)'}` }],
        '`kubectl config get-contexts` lists them',
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (kc.getCurrentCluster() === null) {
    const names = kc.getContexts().map((c) => c.name);
    throw new InvalidInputError(
      [{ path: 'context', message: `the kubeconfig has no usable current context${names.length > 0 ? `; available: ${names.join(', ')}` : ''}` }],
      'pass --context <name>',
    );
  }
  return kc;
}

/**
 * Loads the kubeconfig, picks the context and checks that the API server answers /version.
 * Unknown context: InvalidInputError (exit 3) listing the available ones; unreachable server or
 * rejected credentials: CouldNotRunError (exit 4) with a hint.
 */
export async function connectCluster(opts: ConnectOptions = {}): Promise<Cluster> {
  const kc = loadKubeConfig(opts);
  const server = kc.getCurrentCluster()?.server ?? '';
  const context = kc.getCurrentContext();
  const namespace = opts.namespace ?? kc.getContextObject(context)?.namespace ?? 'default';

  const versionApi = kc.makeApiClient(VersionApi);
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  let version: string;
  try {
    const info = await withTimeout(
      versionApi.getCode(),
      timeoutMs,
      () => new CouldNotRunError('E_CLUSTER_UNREACHABLE', `the API server at ${server} did not answer /version within ${timeoutMs} ms`, {
        hint: 'is the cluster running and the kubeconfig context right? `kubectl --context <ctx> version` should answer',
      }),
    );
    version = info.gitVersion ?? 'unknown';
  } catch (err) {
    throw mapApiError(err, 'read the server version (/version)', server);
  }
  return new KubeCluster(kc, server, context, version, namespace);
}

class KubeCluster implements Cluster {
  private readonly apps: AppsV1Api;
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;
  private readonly discovery: DiscoveryV1Api;
  private readonly policy: PolicyV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly watcher: Watch;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly server: string,
    readonly context: string,
    readonly version: string,
    readonly namespace: string,
  ) {
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
    this.policy = kubeConfig.makeApiClient(PolicyV1Api);
    this.networking = kubeConfig.makeApiClient(NetworkingV1Api);
    this.watcher = new Watch(kubeConfig);
  }

  facts(): ClusterFacts {
    return { server: this.server, context: this.context, namespace: this.namespace, version: this.version };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapApiError(err, what, this.server);
    }
  }

  async getDeployment(name: string, namespace = this.namespace): Promise<V1Deployment> {
    try {
      return await this.apps.readNamespacedDeployment({ name, namespace });
    } catch (err) {
      if (apiErrorCode(err) === 404) {
        const names = await this.listDeployments(namespace).then(
          (ds) => ds.map((d) => d.metadata?.name ?? '').filter((n) => n !== ''),
          () => undefined,
        );
        const there = names === undefined ? '' : names.length === 0 ? '; the namespace has no Deployments' : `; Deployments there: ${names.join(', ')}`;
        throw new InvalidInputError(
          [{ path: 'deployment', message: `Deployment "${name}" not found in namespace "${namespace}"${there}` }],
          '`kubectl get deployments -A` shows where it lives; pass --namespace',
        );
      }
      throw mapApiError(err, `read Deployment ${namespace}/${name}`, this.server);
    }
  }

  listDeployments(namespace = this.namespace): Promise<V1Deployment[]> {
    return this.call(`list Deployments in ${namespace}`, async () => (await this.apps.listNamespacedDeployment({ namespace })).items);
  }

  patchDeployment(name: string, patch: unknown, type: PatchType, namespace = this.namespace): Promise<V1Deployment> {
    return this.call(`patch Deployment ${namespace}/${name}`, () =>
      this.apps.patchNamespacedDeployment({ name, namespace, body: patch, fieldManager: 'zerodrop' }, setHeaderOptions('Content-Type', PATCH_CONTENT_TYPE[type])),
    );
  }

  listReplicaSets(labelSelector?: string, namespace = this.namespace): Promise<V1ReplicaSet[]> {
    return this.call(`list ReplicaSets in ${namespace}`, async () =>
      (await this.apps.listNamespacedReplicaSet(labelSelector === undefined ? { namespace } : { namespace, labelSelector })).items,
    );
  }

  listPods(labelSelector?: string, namespace = this.namespace): Promise<V1Pod[]> {
    return this.call(`list Pods in ${namespace}`, async () =>
      (await this.core.listNamespacedPod(labelSelector === undefined ? { namespace } : { namespace, labelSelector })).items,
    );
  }

  listEndpointSlices(serviceName: string, namespace = this.namespace): Promise<V1EndpointSlice[]> {
    return this.call(`list EndpointSlices of Service ${namespace}/${serviceName}`, async () =>
      (await this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `${SERVICE_NAME_LABEL}=${serviceName}` })).items,
    );
  }

  async getService(name: string, namespace = this.namespace): Promise<V1Service> {
    try {
      return await this.core.readNamespacedService({ name, namespace });
    } catch (err) {
      if (apiErrorCode(err) === 404) {
        const names = await this.core.listNamespacedService({ namespace }).then(
          (l) => l.items.map((s) => s.metadata?.name ?? '').filter((n) => n !== ''),
          () => undefined,
        );
        const there = names === undefined ? '' : names.length === 0 ? '; the namespace has no Services' : `; Services there: ${names.join(', ')}`;
        throw new InvalidInputError([{ path: 'service', message: `Service "${name}" not found in namespace "${namespace}"${there}` }]);
      }
      throw mapApiError(err, `read Service ${namespace}/${name}`, this.server);
    }
  }

  async getIngress(name: string, namespace = this.namespace): Promise<V1Ingress> {
    try {
      return await this.networking.readNamespacedIngress({ name, namespace });
    } catch (err) {
      if (apiErrorCode(err) === 404) {
        const names = await this.networking.listNamespacedIngress({ namespace }).then(
          (l) => l.items.map((s) => s.metadata?.name ?? '').filter((n) => n !== ''),
          () => undefined,
        );
        const there = names === undefined ? '' : names.length === 0 ? '; the namespace has no Ingresses' : `; Ingresses there: ${names.join(', ')}`;
        throw new InvalidInputError([{ path: 'kubernetes.ingress', message: `Ingress "${name}" not found in namespace "${namespace}"${there}` }]);
      }
      throw mapApiError(err, `read Ingress ${namespace}/${name}`, this.server);
    }
  }

  async listServices(namespace = this.namespace): Promise<V1Service[]> {
    return this.call(`list Services in ${namespace}`, async () => (await this.core.listNamespacedService({ namespace })).items);
  }

  async listPodDisruptionBudgets(namespace = this.namespace): Promise<V1PodDisruptionBudget[]> {
    try {
      return (await this.policy.listNamespacedPodDisruptionBudget({ namespace })).items;
    } catch (err) {
      if (apiErrorCode(err) === 404) return [];
      throw mapApiError(err, `list PodDisruptionBudgets in ${namespace}`, this.server);
    }
  }

  async list<K extends WatchKind>(kind: K, query: ListQuery): Promise<ListResult<WatchKinds[K]>> {
    const namespace = query.namespace ?? this.namespace;
    const params = {
      namespace,
      ...(query.labelSelector === undefined ? {} : { labelSelector: query.labelSelector }),
      ...(query.fieldSelector === undefined ? {} : { fieldSelector: query.fieldSelector }),
    };
    const list = await this.call(`list ${kind} in ${namespace}`, (): Promise<{ items: unknown[]; metadata?: { resourceVersion?: string } }> => {
      switch (kind) {
        case 'deployments':
          return this.apps.listNamespacedDeployment(params);
        case 'replicasets':
          return this.apps.listNamespacedReplicaSet(params);
        case 'pods':
          return this.core.listNamespacedPod(params);
        case 'events':
          return this.core.listNamespacedEvent(params);
        default:
          return this.discovery.listNamespacedEndpointSlice(params);
      }
    });
    return { items: list.items as Array<WatchKinds[K]>, resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  async watch(kind: WatchKind, query: ListQuery & { resourceVersion?: string }, onEvent: RawWatchHandler, onDone: (err: unknown) => void): Promise<WatchHandle> {
    let stopped = false;
    const params: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (query.resourceVersion !== undefined && query.resourceVersion !== '') params['resourceVersion'] = query.resourceVersion;
    if (query.labelSelector !== undefined) params['labelSelector'] = query.labelSelector;
    if (query.fieldSelector !== undefined) params['fieldSelector'] = query.fieldSelector;
    const controller = await this.watcher.watch(
      watchPath(kind, query.namespace ?? this.namespace),
      params,
      (type, obj) => {
        if (!stopped) onEvent(type, obj);
      },
      (err) => {
        if (!stopped) onDone(err);
      },
    );
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  createSecret(body: V1Secret, namespace = this.namespace): Promise<V1Secret> {
    return this.core.createNamespacedSecret({ namespace, body });
  }

  patchSecret(name: string, patch: unknown, type: PatchType, namespace = this.namespace): Promise<V1Secret> {
    return this.core.patchNamespacedSecret({ name, namespace, body: patch }, setHeaderOptions('Content-Type', PATCH_CONTENT_TYPE[type]));
  }

  async deleteSecret(name: string, namespace = this.namespace): Promise<void> {
    await this.core.deleteNamespacedSecret({ name, namespace });
  }

  createJob(body: V1Job, namespace = this.namespace): Promise<V1Job> {
    return this.batch.createNamespacedJob({ namespace, body });
  }

  patchJob(name: string, patch: unknown, type: PatchType, namespace = this.namespace): Promise<V1Job> {
    return this.batch.patchNamespacedJob({ name, namespace, body: patch }, setHeaderOptions('Content-Type', PATCH_CONTENT_TYPE[type]));
  }

  async deleteJob(name: string, namespace = this.namespace): Promise<void> {
    await this.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
  }

  followLog(pod: string, container: string, sink: Writable, namespace = this.namespace): Promise<AbortController> {
    return new Log(this.kubeConfig).log(namespace, pod, container, sink, { follow: true, pretty: false, timestamps: false });
  }
}
