import http from 'node:http';
import type { V1Service } from '@kubernetes/client-node';
import type { Cluster } from '../cluster/cluster.js';
import { CouldNotRunError, InvalidInputError } from '../errors.js';
import type { KubernetesSpec, TargetSpec } from '../scenario/types.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Statuses a load balancer answers on its own while it has no target to send to. */
const NOT_SERVING = new Set([502, 503, 504]);

/** The load balancer's address for the chosen Service port, once published (undefined before). */
function addressOf(svc: V1Service, port: { port: number }): { host: string; port: number } | undefined {
  const ing = svc.status?.loadBalancer?.ingress?.[0];
  const host = ing?.ip ?? ing?.hostname;
  if (host === undefined || host === '') return undefined;
  // The listener port is the Service port; an emulator that had to listen elsewhere says so in ports.
  const ports = ing?.ports ?? [];
  const listed = ports.length === 1 ? ports[0]?.port : ports.find((p) => p.port === port.port)?.port;
  return { host, port: listed ?? port.port };
}

function status(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/**
 * The URL of the load balancer of `spec.loadBalancer`: waits (up to the rollout timeout) for the
 * Service's status.loadBalancer.ingress, then for the load balancer to serve (an answer other
 * than its own 502/503/504: its targets passed their health checks), as a user waits for a new
 * load balancer before sending traffic. A Service of another type is an InvalidInputError.
 */
export async function loadBalancerUrl(cluster: Cluster, spec: KubernetesSpec, target: TargetSpec, namespace: string, signal: AbortSignal): Promise<string> {
  const name = spec.loadBalancer as string;
  const deadline = Date.now() + spec.rolloutTimeoutMs;
  let svc = await cluster.getService(name, namespace);
  if (svc.spec?.type !== 'LoadBalancer') {
    throw new InvalidInputError([{ path: 'kubernetes.loadBalancer', message: `service/${name} is of type ${svc.spec?.type ?? 'ClusterIP'}, not LoadBalancer: it has no load balancer to send traffic through` }], 'set spec.type: LoadBalancer on the Service, or name the Service with kubernetes.service instead');
  }
  const ports = svc.spec.ports ?? [];
  const port = spec.servicePort === undefined ? ports[0] : ports.find((p) => p.port === Number(spec.servicePort) || p.name === spec.servicePort);
  if (port === undefined) {
    throw new InvalidInputError([{ path: 'kubernetes.port', message: `service/${name} has no port ${String(spec.servicePort ?? '')} (ports: ${ports.map((p) => `${p.name ?? ''}:${p.port}`).join(', ') || 'none'})` }]);
  }
  const path = target.path.startsWith('/') ? target.path : `/${target.path}`;
  let at = addressOf(svc, port);
  while (at === undefined) {
    if (signal.aborted || Date.now() > deadline) {
      throw new CouldNotRunError('E_LOAD_BALANCER_NOT_READY', `service/${name} published no load balancer address (status.loadBalancer.ingress) within ${Math.round(spec.rolloutTimeoutMs / 1000)} s`);
    }
    await sleep(200);
    svc = await cluster.getService(name, namespace);
    at = addressOf(svc, port);
  }
  const url = `http://${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port}${path}`;
  let last = 0;
  for (;;) {
    last = await status(url, Math.min(5000, target.timeoutMs * 2));
    if (last !== 0 && !NOT_SERVING.has(last)) return url;
    if (signal.aborted || Date.now() > deadline) {
      throw new CouldNotRunError('E_LOAD_BALANCER_NOT_READY', `the load balancer of service/${name} at ${url} did not serve within ${Math.round(spec.rolloutTimeoutMs / 1000)} s (last answer: ${last === 0 ? 'no connection' : last})`);
    }
    await sleep(250);
  }
}
