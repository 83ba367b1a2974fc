import { readFileSync } from 'node:fs';
import { connectCluster, type Cluster } from '../cluster/cluster.js';
import { applyManifests } from '../emulator/apply-manifests.js';
import { startEmulator, type EmulatorHandle } from '../emulator/index.js';
import { CouldNotRunError, InvalidInputError } from '../errors.js';
import type { Finding } from '../rollout/lint.js';
import { preflightRollout } from '../rollout/preflight.js';
import { rolloutStatus } from '../rollout/rollout-status.js';
import type { KubernetesSpec, TargetSpec } from '../scenario/types.js';
import { resolveIngressTarget } from './ingress-target.js';
import { loadBalancerUrl } from './load-balancer-target.js';

/** A cluster the run talks to: real (by kubeconfig) or the embedded emulator it started. */
export interface ClusterSession {
  cluster: Cluster;
  namespace: string;
  /** The preflight findings on the Deployment and Service. */
  preflight: Finding[];
  /** The URL the traffic goes to: the scenario's, the Ingress's address, or the Service's. */
  targetUrl: string;
  /** Headers the target needs besides the scenario's: the Host of the Ingress rule (empty otherwise). */
  targetHeaders: Record<string, string>;
  /** The kubeconfig a command trigger should use (the emulator's when it runs), else undefined. */
  kubeconfigPath: string | undefined;
  /** Which service dataplane the emulator runs; undefined on a real cluster. */
  dataplane: string | undefined;
  /** Stops what the session started (the emulator and its pods). Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until the Deployment is fully rolled out (kubectl rollout status's rules). */
async function waitRolledOut(cluster: Cluster, name: string, namespace: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (!signal.aborted) {
    const status = rolloutStatus(await cluster.getDeployment(name, namespace));
    if (status.done) return;
    if (status.failed) throw new CouldNotRunError('E_DEPLOYMENT_NOT_READY', `deployment/${name} failed before the run: ${status.message}`, { hint: 'check the image map and the pods: kubectl describe pods' });
    last = status.message;
    if (Date.now() > deadline) {
      throw new CouldNotRunError('E_DEPLOYMENT_NOT_READY', `deployment/${name} did not become ready within ${Math.round(timeoutMs / 1000)} s before the run: ${last}`, {
        hint: 'check the pods (kubectl describe pods) and the emulator image map for the images the Deployment uses',
      });
    }
    await sleep(200);
  }
}

/** The Service's address as a URL: its load balancer address when it has one, else its ClusterIP. */
async function serviceUrl(cluster: Cluster, spec: KubernetesSpec, target: TargetSpec, namespace: string): Promise<string> {
  const name = spec.service as string;
  const svc = await cluster.getService(name, namespace);
  const ports = svc.spec?.ports ?? [];
  const port = spec.servicePort === undefined ? ports[0] : ports.find((p) => p.port === Number(spec.servicePort) || p.name === spec.servicePort);
  if (port === undefined) {
    throw new InvalidInputError([{ path: 'kubernetes.port', message: `service/${name} has no port ${String(spec.servicePort ?? '')} (ports: ${ports.map((p) => `${p.name ?? ''}:${p.port}`).join(', ') || 'none'})` }]);
  }
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname ?? svc.spec?.clusterIP;
  if (!host || host === 'None') {
    throw new InvalidInputError([{ path: 'kubernetes.service', message: `service/${name} has no address to send traffic to (headless, no load balancer)` }], 'give the URL the traffic should go to with --url');
  }
  // gRPC says TLS or plaintext itself; an HTTP target on port 443 is taken to be https.
  const scheme = (target.grpc === undefined ? port.port === 443 : target.grpc.tls) ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port.port}${target.path.startsWith('/') ? target.path : `/${target.path}`}`;
}

/**
 * Opens the run's cluster: starts the embedded emulator and applies the scenario's manifests
 * (waiting for the Deployment to be ready), or connects to the kubeconfig's cluster; then checks
 * the Deployment and Service (preflight) and works out the target URL. On any error everything
 * started is stopped before the error is thrown.
 */
export async function openClusterSession(spec: KubernetesSpec, target: TargetSpec, opts: { signal: AbortSignal; log?: (m: string) => void }): Promise<ClusterSession> {
  let emulator: EmulatorHandle | undefined;
  const stop = async (): Promise<void> => {
    const e = emulator;
    emulator = undefined;
    await e?.stop();
  };
  try {
    if (spec.emulator) {
      const e = spec.emulator;
      emulator = await startEmulator(
        {
          images: e.images,
          ...(e.proxyDelayMs === undefined ? {} : { proxyDelayMs: e.proxyDelayMs }),
          ...(e.dataplane === undefined ? {} : { dataplane: e.dataplane }),
          ...(e.ingressSyncDelayMs === undefined ? {} : { ingressSyncDelayMs: e.ingressSyncDelayMs }),
        },
        opts.log ? { log: opts.log } : {},
      );
      for (const file of e.manifests) {
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (err) {
          throw new InvalidInputError([{ path: 'kubernetes.emulator.manifests', message: `cannot read ${file}: ${(err as Error).message}` }]);
        }
        applyManifests(emulator.store, text, file, spec.namespace ?? 'default');
      }
    }
    const cluster = await connectCluster({
      ...(emulator ? { kubeconfigPath: emulator.kubeconfigPath } : spec.kubeconfig === undefined ? {} : { kubeconfigPath: spec.kubeconfig }),
      ...(spec.context === undefined ? {} : { context: spec.context }),
      ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
    });
    const namespace = spec.namespace ?? cluster.namespace;
    if (emulator) await waitRolledOut(cluster, spec.deployment, namespace, spec.rolloutTimeoutMs, opts.signal);
    const preflight = await preflightRollout(cluster, { deployment: spec.deployment, namespace, ...(spec.service === undefined ? {} : { service: spec.service }) });
    let targetUrl: string;
    let targetHeaders: Record<string, string> = {};
    if (target.url !== undefined) targetUrl = target.url;
    else if (spec.ingress !== undefined) {
      const ing = await resolveIngressTarget(cluster, spec.ingress, namespace, target, emulator ? spec.rolloutTimeoutMs : 10_000, opts.signal);
      targetUrl = ing.url;
      targetHeaders = ing.headers;
    } else if (spec.loadBalancer !== undefined) targetUrl = await loadBalancerUrl(cluster, spec, target, namespace, opts.signal);
    else targetUrl = await serviceUrl(cluster, spec, target, namespace);
    return {
      cluster,
      namespace,
      preflight,
      targetUrl,
      targetHeaders,
      kubeconfigPath: emulator?.kubeconfigPath,
      dataplane: emulator?.dataplane,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
