import type { V1Deployment, V1Ingress, V1Service } from '@kubernetes/client-node';
import { preStopDelaySeconds, serviceSelects, type Finding } from './lint.js';

/**
 * How long an nginx ingress controller may take to stop sending to a terminating pod, seconds:
 * ingress-nginx syncs at most every 3.3 s (--sync-rate-limit 0.3) and the change then has to reach
 * nginx (the emulator's controller: a 3 s sync delay and a reload). A preStop sleep shorter than
 * this lets the pod exit while the ingress still proxies to it.
 */
export const INGRESS_SYNC_SECONDS = 4;

/** The Services an Ingress routes to (rules and default backend), by name. */
export function ingressBackends(ing: V1Ingress): string[] {
  const names = new Set<string>();
  const d = ing.spec?.defaultBackend?.service?.name;
  if (d !== undefined) names.add(d);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) if (p.backend.service?.name !== undefined) names.add(p.backend.service.name);
  return [...names];
}

/**
 * What manifests show about a Deployment behind an Ingress: each container's preStop delay
 * against the ingress controller's sync (`prestop-shorter-than-ingress-sync`). An Ingress is in
 * front of the Deployment when it routes to a Service (in `services`) that selects its pods.
 */
export function lintIngressFrontDoor(deployment: V1Deployment, services: readonly V1Service[], ingresses: readonly V1Ingress[], syncSeconds = INGRESS_SYNC_SECONDS): Finding[] {
  const labels = deployment.spec?.template?.metadata?.labels ?? {};
  const mine = services.filter((s) => serviceSelects(s, labels)).map((s) => s.metadata?.name ?? '');
  const fronts = ingresses.filter((i) => ingressBackends(i).some((b) => mine.includes(b)));
  if (fronts.length === 0) return [];
  const via = fronts.map((i) => `ingress/${i.metadata?.name ?? '?'}`).join(', ');
  const out: Finding[] = [];
  for (const c of deployment.spec?.template?.spec?.containers ?? []) {
    const delay = preStopDelaySeconds(c.lifecycle?.preStop);
    if (delay === null) continue;
    if (delay === undefined || delay < syncSeconds) {
      out.push({
        id: 'prestop-shorter-than-ingress-sync',
        severity: 'warning',
        object: `deployment/${deployment.metadata?.name ?? '?'} container ${c.name}`,
        message: `${via} routes to these pods, and an nginx ingress controller follows endpoint changes up to ~${syncSeconds} s late (ingress-nginx syncs at most every 3.3 s); ${delay === undefined ? 'with no preStop hook' : `a preStop delay of ${delay} s`} the pod gets SIGTERM while the ingress still proxies to it, and its requests turn into 502s from the ingress`,
        fix: `sleep longer than the ingress's sync in preStop (lifecycle.preStop.sleep.seconds: ${syncSeconds + 2} or more), below terminationGracePeriodSeconds`,
      });
    }
  }
  return out;
}
