import type { V1Service } from '@kubernetes/client-node';
import type { Cluster } from '../cluster/cluster.js';
import { lintDeployment, serviceSelects, type Finding } from './lint.js';
import { lintLoadBalancer } from './lint-load-balancer.js';

/** What to check before a rollout. */
export interface PreflightOptions {
  deployment: string;
  service?: string;
  /** Default: the cluster's namespace. */
  namespace?: string;
}

/** The findings of a preflight check and the Services it looked at. */
export interface PreflightResult {
  findings: Finding[];
  /** The Services linted against the Deployment's pods: the one named, or those that select the pods. */
  services: string[];
}

/**
 * Reads the Deployment, its Service and the namespace's PodDisruptionBudgets from the cluster and
 * lints them. The named Service is linted whatever its selector (a selector that misses the pods
 * is the error to report); without a name, every Service of the namespace that selects the pods.
 * A missing Deployment or named Service is an InvalidInputError.
 */
export async function preflightDetails(cluster: Cluster, opts: PreflightOptions): Promise<PreflightResult> {
  const namespace = opts.namespace ?? cluster.namespace;
  const [deployment, named, podDisruptionBudgets, namespaceLabels] = await Promise.all([
    cluster.getDeployment(opts.deployment, namespace),
    opts.service === undefined ? Promise.resolve(undefined) : cluster.getService(opts.service, namespace),
    cluster.listPodDisruptionBudgets(namespace).catch(() => undefined),
    cluster.namespaceLabels(namespace),
  ]);
  let services: V1Service[];
  if (named !== undefined) services = [named];
  else {
    const labels = deployment.spec?.template?.metadata?.labels ?? {};
    // Listing may be forbidden (RBAC): the Service checks are then skipped, not the whole lint.
    services = (await cluster.listServices(namespace).catch(() => [] as V1Service[])).filter((s) => serviceSelects(s, labels));
  }
  const findings = lintDeployment({
    deployment,
    services,
    ...(podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets }),
  });
  findings.push(...lintLoadBalancer({ deployment, services, namespaceLabels }));
  return { findings, services: services.map((s) => s.metadata?.name ?? '?') };
}

/** The findings of preflightDetails: what a run checks before it triggers the rollout. */
export async function preflightRollout(cluster: Cluster, opts: PreflightOptions): Promise<Finding[]> {
  return (await preflightDetails(cluster, opts)).findings;
}
