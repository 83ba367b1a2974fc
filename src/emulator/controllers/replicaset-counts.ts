/*
 * The replica counts of ReplicaSets that the rollout arithmetic reads and the scale steps it
 * returns, with their sums and upstream's oldest-first order.
 */

/** The replica counts of one ReplicaSet that the arithmetic reads. */
export interface ReplicaSetCounts {
  /** Identifies the ReplicaSet in results (its name). */
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  /** metadata.creationTimestamp as epoch ms (ties are broken by name, as upstream). */
  createdMs: number;
}

/** Sum of spec.replicas. */
export function specReplicaSum(rss: readonly ReplicaSetCounts[]): number {
  let n = 0;
  for (const rs of rss) n += rs.replicas;
  return n;
}

/** Sum of status.availableReplicas. */
export function availableReplicaSum(rss: readonly ReplicaSetCounts[]): number {
  let n = 0;
  for (const rs of rss) n += rs.available;
  return n;
}

/** Orders ReplicaSets oldest first; equal timestamps by name (upstream ReplicaSetsByCreationTimestamp). */
export function compareOldestFirst(a: { createdMs: number; name: string }, b: { createdMs: number; name: string }): number {
  if (a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** A new size for one ReplicaSet. */
export interface ScaleStep {
  name: string;
  from: number;
  to: number;
}
