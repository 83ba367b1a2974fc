import type { Cluster } from '../cluster/cluster.js';
import { lintDeployment, type Finding } from './lint.js';

/** What to check before a rollout. */
export interface PreflightOptions {
  deployment: string;
  service?: string;
  /** Default: the cluster's namespace. */
  namespace?: string;
}

/**
 * Reads the Deployment, its Service and the namespace's PodDisruptionBudgets from the cluster and
 * lints them for zero-downtime readiness. A missing Deployment or Service is an InvalidInputError.
 */
export async function preflightRollout(cluster: Cluster, opts: PreflightOptions): Promise<Finding[]> {
  const namespace = opts.namespace ?? cluster.namespace;
  const [deployment, service, podDisruptionBudgets] = await Promise.all([
    cluster.getDeployment(opts.deployment, namespace),
    opts.service === undefined ? Promise.resolve(undefined) : cluster.getService(opts.service, namespace),
    cluster.listPodDisruptionBudgets(namespace).catch(() => undefined),
  ]);
  return lintDeployment({
    deployment,
    ...(service === undefined ? {} : { service }),
    ...(podDisruptionBudgets === undefined ? {} : { podDisruptionBudgets }),
  });
}
