import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { hasAwsLoadBalancerAnnotation, READINESS_GATE_INJECT_LABEL, readLoadBalancerSettings, TARGET_HEALTH_CONDITION_PREFIX } from '../conventions/aws-load-balancer.js';
import { DEFAULT_GRACE_SECONDS, preStopDelaySeconds, type Finding } from './lint.js';

/** What the load balancer checks look at: the Deployment, its Services and, when known, its namespace's labels. */
export interface LoadBalancerLintInput {
  deployment: V1Deployment;
  services: readonly V1Service[];
  /** Labels of the Deployment's namespace; undefined when unknown (not readable, not in the files). */
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
}

/** A Service an AWS load balancer sends to: type LoadBalancer or any AWS load balancer annotation. */
function awsLoadBalanced(svc: V1Service): boolean {
  return hasAwsLoadBalancerAnnotation(svc.metadata?.annotations);
}

/**
 * Checks of a Deployment behind an AWS load balancer (AWS Load Balancer Controller annotations
 * on a Service): without the pod readiness gate a rollout does not wait for new targets to be
 * healthy; a preStop shorter than the deregistration delay lets a pod exit while its target
 * still drains.
 */
export function lintLoadBalancer(input: LoadBalancerLintInput): Finding[] {
  const out: Finding[] = [];
  const d = input.deployment;
  const podSpec = d.spec?.template?.spec;
  const gates = (podSpec?.readinessGates ?? []).some((g) => g.conditionType.startsWith(TARGET_HEALTH_CONDITION_PREFIX));
  const grace = podSpec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const ns = d.metadata?.namespace ?? 'default';
  for (const svc of input.services) {
    if (!awsLoadBalanced(svc)) continue;
    const obj = `service/${svc.metadata?.name ?? ''}`;
    const injected = input.namespaceLabels?.[READINESS_GATE_INJECT_LABEL] === 'enabled';
    if (!gates && !injected) {
      const known = input.namespaceLabels !== undefined;
      out.push({
        id: 'lb-readiness-gate-missing',
        severity: known ? 'warning' : 'info',
        object: obj,
        message: known
          ? `an AWS load balancer sends to these pods, but namespace ${ns} lacks the label ${READINESS_GATE_INJECT_LABEL}=enabled: a rollout replaces pods as soon as Kubernetes counts them ready, before their targets pass the load balancer's health checks (503s)`
          : `an AWS load balancer sends to these pods; check that namespace ${ns} has the label ${READINESS_GATE_INJECT_LABEL}=enabled (its labels could not be read), or a rollout replaces pods before their targets are healthy`,
        fix: `kubectl label namespace ${ns} ${READINESS_GATE_INJECT_LABEL}=enabled (then recreate the pods), so each pod is Ready only once its load balancer target is healthy`,
      });
    }
    const { settings } = readLoadBalancerSettings(svc.metadata?.annotations);
    const delay = settings.deregistrationDelayMs / 1000;
    if (delay === 0) continue;
    for (const c of podSpec?.containers ?? []) {
      const pre = preStopDelaySeconds(c.lifecycle?.preStop);
      if (pre === null) continue;
      const preStop = pre ?? 0;
      if (preStop >= delay) continue;
      const given = (svc.metadata?.annotations ?? {})['service.beta.kubernetes.io/aws-load-balancer-target-group-attributes']?.includes('deregistration_delay.timeout_seconds') === true;
      out.push({
        id: 'lb-prestop-shorter-than-deregistration-delay',
        severity: 'warning',
        object: `deployment/${d.metadata?.name ?? ''} container ${c.name}`,
        message: `${pre === undefined ? 'no preStop hook' : `preStop sleeps ${preStop} s`}, shorter than the load balancer's deregistration delay of ${delay} s${given ? '' : ' (the AWS default)'} (${obj}): the pod may exit while its target still drains and gets requests cut`,
        fix: `make preStop sleep at least ${delay} s (or lower deregistration_delay.timeout_seconds in service.beta.kubernetes.io/aws-load-balancer-target-group-attributes to what the app needs to drain), and keep terminationGracePeriodSeconds (now ${grace}) above preStop plus drain`,
      });
    }
  }
  return out;
}
