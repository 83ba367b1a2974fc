/*
 * The AWS Load Balancer Controller's pod readiness gate: in a namespace labelled
 * `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`, its webhook adds to each new pod that a
 * load-balanced Service selects a readiness gate `target-health.elbv2.k8s.aws/<target group>`,
 * and the controller sets that pod condition True once the pod's target is healthy. The kubelet
 * reports the pod Ready only when every gate is True, so a rollout waits for the load balancer.
 */
import { createHash } from 'node:crypto';
import type { KObject, Store } from '../api/store-types.js';

import { READINESS_GATE_INJECT_LABEL, TARGET_HEALTH_CONDITION_PREFIX } from '../../conventions/aws-load-balancer.js';

export { READINESS_GATE_INJECT_LABEL, TARGET_HEALTH_CONDITION_PREFIX };

/** The target group of one Service port, named as the controller names its TargetGroupBindings (`k8s-<ns>-<svc>-<hash>`). */
export function targetGroupName(namespace: string, service: string, port: number): string {
  const hash = createHash('sha256').update(`${namespace}/${service}:${port}`).digest('hex').slice(0, 10);
  return `k8s-${namespace.slice(0, 8)}-${service.slice(0, 8)}-${hash}`;
}

/** The readiness gate condition type of a target group. */
export function targetHealthCondition(tgName: string): string {
  return `${TARGET_HEALTH_CONDITION_PREFIX}${tgName}`;
}

/** True when the namespace asks for readiness gates. */
export function readinessGateEnabled(store: Store, namespace: string): boolean {
  return store.get('namespaces', undefined, namespace)?.metadata.labels?.[READINESS_GATE_INJECT_LABEL] === 'enabled';
}

/** True when a Service gets a load balancer from the emulator. */
export function isLoadBalancerService(svc: KObject): boolean {
  return svc.spec?.type === 'LoadBalancer';
}

/** True when a Service's selector selects these pod labels (a Service without selector selects none). */
export function serviceSelects(svc: KObject, labels: Readonly<Record<string, string>> | undefined): boolean {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/** The TCP ports of a Service. */
export function servicePorts(svc: KObject): Array<{ name: string; port: number }> {
  const ports = (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []) as Array<Record<string, unknown>>;
  return ports.filter((p) => String(p['protocol'] ?? 'TCP') === 'TCP' && typeof p['port'] === 'number').map((p) => ({ name: String(p['name'] ?? ''), port: p['port'] as number }));
}

/**
 * The mutating admission step: adds the readiness gates of every LoadBalancer Service that
 * selects a new pod, when its namespace has the inject label. Other objects pass untouched.
 */
export function readinessGateAdmission(store: Store): (resource: string, obj: KObject) => void {
  return (resource, pod) => {
    if (resource !== 'pods' || pod.spec === undefined) return;
    const ns = pod.metadata.namespace ?? 'default';
    if (!readinessGateEnabled(store, ns)) return;
    const gates = (Array.isArray(pod.spec.readinessGates) ? pod.spec.readinessGates : []) as Array<{ conditionType?: string }>;
    for (const svc of store.list('services', ns).items) {
      if (!isLoadBalancerService(svc) || !serviceSelects(svc, pod.metadata.labels)) continue;
      for (const p of servicePorts(svc)) {
        const conditionType = targetHealthCondition(targetGroupName(ns, svc.metadata.name ?? '', p.port));
        if (!gates.some((g) => g.conditionType === conditionType)) gates.push({ conditionType });
      }
    }
    if (gates.length > 0) pod.spec.readinessGates = gates;
  };
}
