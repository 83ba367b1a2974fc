import type { V1PodTemplateSpec, V1ReplicaSet } from '@kubernetes/client-node';
import type { Clock } from '../clock.js';
import type { Cluster } from '../cluster/cluster.js';
import { InvalidInputError } from '../errors.js';
import { POD_TEMPLATE_HASH_LABEL, revisionOf } from './events.js';
import { ownedReplicaSets } from './triggers.js';
import { watchRollout, type RolloutOutcome, type RolloutWatch } from './watcher.js';

/** Options of a rollback. */
export interface RollbackOptions {
  deployment: string;
  /** Default: the cluster's namespace. */
  namespace?: string;
  /** Revision to go back to; default the one before the current (as `kubectl rollout undo`). */
  toRevision?: number;
  clock: Clock;
  /** How long to wait for the rolled-back revision to be complete. */
  timeoutMs: number;
  signal?: AbortSignal;
  service?: string;
}

/** What a rollback did. */
export interface RollbackResult {
  /** Revision rolled away from. */
  fromRevision: string | undefined;
  /** Revision whose template was restored. */
  toRevision: string;
  /** The ReplicaSet that held that template. */
  replicaSet: string;
  /** False when the current template already was that revision's (nothing written). */
  changed: boolean;
  outcome: RolloutOutcome;
  /** Events of the rollback rollout. */
  watch: RolloutWatch | undefined;
}

/** A pod template without the pod-template-hash label, as a Deployment carries it. */
export function templateForDeployment(t: V1PodTemplateSpec | undefined): V1PodTemplateSpec {
  const copy = JSON.parse(JSON.stringify(t ?? {})) as V1PodTemplateSpec;
  if (copy.metadata?.labels !== undefined) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  }
  return copy;
}

/**
 * Picks the ReplicaSet to roll back to: the given revision, or the highest revision below the
 * current one (the previous revision), as kubectl rollout undo does.
 */
export function pickRollbackTarget(rss: readonly V1ReplicaSet[], currentRevision: string | undefined, toRevision?: number): V1ReplicaSet {
  const withRev = rss
    .map((rs) => ({ rs, rev: Number(revisionOf(rs) ?? NaN) }))
    .filter((x) => Number.isFinite(x.rev))
    .sort((a, b) => a.rev - b.rev);
  if (toRevision !== undefined && toRevision > 0) {
    const hit = withRev.find((x) => x.rev === toRevision);
    if (hit === undefined) {
      throw new InvalidInputError([{ path: 'rollback.toRevision', message: `revision ${toRevision} not found; known revisions: ${withRev.map((x) => x.rev).join(', ') || '(none)'}` }]);
    }
    return hit.rs;
  }
  const current = Number(currentRevision ?? (withRev.at(-1)?.rev ?? 0));
  const previous = withRev.filter((x) => x.rev < current).at(-1);
  if (previous === undefined) {
    throw new InvalidInputError([{ path: 'rollback', message: `no revision before ${current} to roll back to (the older ReplicaSets were pruned, or this is the first revision)` }]);
  }
  return previous.rs;
}

function sameTemplate(a: V1PodTemplateSpec | undefined, b: V1PodTemplateSpec | undefined): boolean {
  return stableJson(templateForDeployment(a)) === stableJson(templateForDeployment(b));
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, value: unknown) => {
    if (value instanceof Date) return value.toISOString();
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, x]) => x !== undefined && x !== null).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    return value;
  });
}

/**
 * Rolls a Deployment back to an earlier revision, as `kubectl rollout undo` does: copies that
 * revision's ReplicaSet template (minus pod-template-hash) into the Deployment, then waits for
 * the rollout to complete. A paused Deployment is refused.
 */
export async function rollbackDeployment(cluster: Cluster, opts: RollbackOptions): Promise<RollbackResult> {
  const namespace = opts.namespace ?? cluster.namespace;
  const d = await cluster.getDeployment(opts.deployment, namespace);
  if (d.spec?.paused === true) {
    throw new InvalidInputError(
      [{ path: 'rollback', message: `deployment/${opts.deployment} is paused; a paused Deployment cannot be rolled back` }],
      `run \`kubectl rollout resume deployment/${opts.deployment} -n ${namespace}\` first`,
    );
  }
  const rss = await ownedReplicaSets(cluster, d, namespace);
  const target = pickRollbackTarget(rss, revisionOf(d), opts.toRevision);
  const toRevision = revisionOf(target) ?? '?';
  const base = { fromRevision: revisionOf(d), toRevision, replicaSet: target.metadata?.name ?? '' };
  if (sameTemplate(target.spec?.template, d.spec?.template)) {
    return { ...base, changed: false, outcome: { status: 'complete', message: `current template already matches revision ${toRevision}` }, watch: undefined };
  }
  const watch = watchRollout(cluster, {
    namespace,
    deployment: opts.deployment,
    clock: opts.clock,
    timeoutMs: opts.timeoutMs,
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.service === undefined ? {} : { service: opts.service }),
  });
  try {
    await watch.ready;
    const after = await cluster.patchDeployment(
      opts.deployment,
      [{ op: 'replace', path: '/spec/template', value: templateForDeployment(target.spec?.template) }],
      'json',
      namespace,
    );
    watch.triggerSent({ message: `rollback to revision ${toRevision} (${base.replicaSet})`, generation: after.metadata?.generation ?? 0 });
    const outcome = await watch.done;
    return { ...base, changed: true, outcome, watch };
  } finally {
    watch.stop();
  }
}
