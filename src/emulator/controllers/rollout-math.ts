/*
 * The Deployment controller's arithmetic, pure: fence posts (maxSurge / maxUnavailable), how far
 * the new ReplicaSet may grow, how far and in which order old ReplicaSets shrink, proportional
 * scaling, the pod-template hash and revisions. Behaviour follows upstream
 * pkg/controller/deployment (rolling.go, sync.go, util/deployment_util.go); the code is our own.
 */

/** The label the Deployment controller puts on a ReplicaSet, its selector and its pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** Annotation carrying the revision of a ReplicaSet and of its Deployment. */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Annotation listing the revisions a ReplicaSet held before (after rollbacks). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** Annotation: the Deployment's spec.replicas when the ReplicaSet was last scaled. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** Annotation: spec.replicas + maxSurge when the ReplicaSet was last scaled. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

/** Deployment annotations that are never copied to its ReplicaSets (and back by rollout undo). */
export const ANNOTATIONS_NOT_COPIED: ReadonlySet<string> = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** Upstream's default rolling-update bounds. */
export const DEFAULT_MAX_SURGE = '25%';
/** Upstream's default rolling-update bounds. */
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** A Kubernetes IntOrString: an integer or a percentage such as "25%". */
export type IntOrString = number | string;

/** The strategy fields the arithmetic needs. */
export interface StrategyView {
  type: 'RollingUpdate' | 'Recreate';
  maxSurge?: IntOrString | undefined;
  maxUnavailable?: IntOrString | undefined;
}

/**
 * Resolves an IntOrString against a total: an integer as is, "N%" as N% of total rounded up or
 * down. Anything else throws, as upstream's GetScaledValueFromIntOrPercent does.
 */
export function scaledValue(value: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`invalid value for IntOrString: ${value} is not an integer`);
    return value;
  }
  const m = /^(-?\d+)%$/.exec(value.trim());
  if (m === null) {
    // The API accepts "3" in JSON only as a number; a string must be a percentage.
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage (${JSON.stringify(value)})`);
  }
  const pct = Number(m[1]);
  const raw = (pct * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

/**
 * maxSurge rounded up and maxUnavailable rounded down against the desired replicas; when both end
 * at 0, maxUnavailable becomes 1 so that a rollout can always make progress. An absent value
 * counts as 0, as upstream's ResolveFenceposts reads it: the 25% defaults are the API's
 * defaulting, applied before (the Deployment controller's view of the spec fills them in).
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** The Deployment's maxSurge as a count (0 for Recreate). */
export function maxSurgeOf(strategy: StrategyView, replicas: number): number {
  if (strategy.type !== 'RollingUpdate') return 0;
  return resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, replicas).surge;
}

/** The Deployment's maxUnavailable as a count, never above replicas (0 for Recreate or 0 replicas). */
export function maxUnavailableOf(strategy: StrategyView, replicas: number): number {
  if (strategy.type !== 'RollingUpdate' || replicas === 0) return 0;
  const { unavailable } = resolveFenceposts(strategy.maxSurge, strategy.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

/** Pods that must stay available during a rolling update: replicas - maxUnavailable (0 for Recreate), upstream MinAvailable. */
export function minAvailableOf(strategy: StrategyView, replicas: number): number {
  if (strategy.type !== 'RollingUpdate') return 0;
  return replicas - maxUnavailableOf(strategy, replicas);
}

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

/**
 * The size the new ReplicaSet should have now. RollingUpdate: grow by
 * min(replicas + maxSurge - sum(all spec.replicas), replicas - new.spec.replicas), never shrink
 * here. Recreate: straight to replicas.
 */
export function newReplicaSetReplicas(
  strategy: StrategyView,
  replicas: number,
  allSpecSum: number,
  newRsReplicas: number,
): number {
  if (strategy.type === 'Recreate') return replicas;
  const surge = maxSurgeOf(strategy, replicas);
  const maxTotal = replicas + surge;
  if (allSpecSum >= maxTotal) return newRsReplicas;
  const up = Math.min(maxTotal - allSpecSum, replicas - newRsReplicas);
  return newRsReplicas + Math.max(0, up);
}

/**
 * What one rolling sync does to the new ReplicaSet (upstream reconcileNewReplicaSet): nothing when
 * it has replicas already; down to replicas when above; else up as newReplicaSetReplicas says.
 * Returns the new size, or undefined when it stays as it is.
 */
export function reconcileNewReplicaSetTarget(
  strategy: StrategyView,
  replicas: number,
  allSpecSum: number,
  newRsReplicas: number,
): number | undefined {
  if (newRsReplicas === replicas) return undefined;
  if (newRsReplicas > replicas) return replicas;
  const to = newReplicaSetReplicas(strategy, replicas, allSpecSum, newRsReplicas);
  return to === newRsReplicas ? undefined : to;
}

/** A new size for one ReplicaSet. */
export interface ScaleStep {
  name: string;
  from: number;
  to: number;
}

/**
 * Step 1 of reconciling old ReplicaSets: remove their unavailable pods, oldest ReplicaSet first,
 * at most maxCleanup in all. Throws when a ReplicaSet reports more available than desired pods
 * (its status is stale), as upstream refuses that scale-down; the caller retries later.
 */
export function cleanupUnhealthyPlan(oldRss: readonly ReplicaSetCounts[], maxCleanup: number): ScaleStep[] {
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRss].sort(compareOldestFirst)) {
    if (total >= maxCleanup) break;
    if (rs.replicas === 0) continue;
    if (rs.replicas === rs.available) continue;
    const down = Math.min(maxCleanup - total, rs.replicas - rs.available);
    const to = rs.replicas - down;
    if (to > rs.replicas) {
      throw new Error(`when cleaning up unhealthy replicas, got invalid request to scale down ${rs.name} ${rs.replicas} -> ${to}`);
    }
    total += down;
    steps.push({ name: rs.name, from: rs.replicas, to });
  }
  return steps;
}

/**
 * Step 2: scale old ReplicaSets down, oldest first, as long as the available pods of all
 * ReplicaSets stay at or above minAvailable = replicas - maxUnavailable.
 */
export function scaleDownOldPlan(
  allRss: readonly ReplicaSetCounts[],
  oldRss: readonly ReplicaSetCounts[],
  minAvailable: number,
): ScaleStep[] {
  const availableNow = availableReplicaSum(allRss);
  if (availableNow <= minAvailable) return [];
  const budget = availableNow - minAvailable;
  const steps: ScaleStep[] = [];
  let total = 0;
  for (const rs of [...oldRss].sort(compareOldestFirst)) {
    if (total >= budget) break;
    if (rs.replicas === 0) continue;
    const down = Math.min(rs.replicas, budget - total);
    total += down;
    steps.push({ name: rs.name, from: rs.replicas, to: rs.replicas - down });
  }
  return steps;
}

/**
 * The whole old-ReplicaSet scale-down of one rolling sync (upstream reconcileOldReplicaSets):
 * budget = sum(all spec) - minAvailable - (new.spec - new.available); first unhealthy old pods,
 * then available old pods down to minAvailable. Returns the steps, at most one per ReplicaSet.
 */
export function reconcileOldPlan(
  strategy: StrategyView,
  replicas: number,
  newRs: ReplicaSetCounts | undefined,
  oldRss: readonly ReplicaSetCounts[],
): ScaleStep[] {
  const active = oldRss.filter((rs) => rs.replicas > 0);
  if (specReplicaSum(active) === 0) return [];
  const all = newRs === undefined ? [...oldRss] : [...oldRss, newRs];
  const allSpec = specReplicaSum(all);
  const minAvailable = minAvailableOf(strategy, replicas);
  const newUnavailable = newRs === undefined ? 0 : newRs.replicas - newRs.available;
  const maxScaledDown = allSpec - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const cleanup = cleanupUnhealthyPlan(active, maxScaledDown);
  const after = new Map(cleanup.map((s) => [s.name, s.to]));
  const cleanedOld = active.map((rs) => ({ ...rs, replicas: after.get(rs.name) ?? rs.replicas }));
  const cleanedAll = newRs === undefined ? cleanedOld : [...cleanedOld, newRs];
  const down = scaleDownOldPlan(cleanedAll, cleanedOld, minAvailable);

  const merged = new Map<string, ScaleStep>();
  for (const s of cleanup) merged.set(s.name, s);
  for (const s of down) {
    const prev = merged.get(s.name);
    merged.set(s.name, prev === undefined ? s : { name: s.name, from: prev.from, to: s.to });
  }
  return [...merged.values()].filter((s) => s.to !== s.from);
}

/** Go's math.Round: halves round away from zero (JavaScript's Math.round rounds -2.5 to -2). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * How many replicas a ReplicaSet gains (or loses, negative) when the Deployment is resized
 * (upstream getReplicaSetFraction): its share of replicas + maxSurge in proportion to the
 * max-replicas annotation it was last scaled with. A missing or 0 annotation (someone tampered
 * with it) falls back to the Deployment's status.replicas, and when that is 0 too nothing can be
 * estimated: 0. Resizing to 0 takes the whole ReplicaSet.
 */
export function replicaSetFraction(
  rsReplicas: number,
  replicas: number,
  surge: number,
  maxReplicasAnnotation: number | undefined,
  statusReplicas: number,
): number {
  if (replicas === 0) return -rsReplicas;
  const deploymentMaxReplicas = replicas + surge;
  let before = maxReplicasAnnotation ?? 0;
  if (before === 0) {
    before = statusReplicas;
    if (before === 0) return 0;
  }
  return roundHalfAwayFromZero((rsReplicas * deploymentMaxReplicas) / before) - rsReplicas;
}

/**
 * Proportional scaling when spec.replicas changes mid-rollout (upstream DeploymentController.scale,
 * rolling case): spreads replicas + maxSurge - sum(active spec) over the active ReplicaSets in
 * proportion to their size (using each one's max-replicas annotation), the remainder going to the
 * largest. Returns the new size of every active ReplicaSet.
 */
export function proportionalScale(
  active: ReadonlyArray<ReplicaSetCounts & { maxReplicasAnnotation?: number | undefined }>,
  replicas: number,
  surge: number,
  statusReplicas: number,
): Map<string, number> {
  const allowed = replicas > 0 ? replicas + surge : 0;
  const toAdd = allowed - specReplicaSum(active);
  const sorted = [...active];
  if (toAdd > 0) {
    // Larger first; equal sizes: newer first.
    sorted.sort((a, b) => b.replicas - a.replicas || -compareOldestFirst(a, b));
  } else if (toAdd < 0) {
    // Larger first; equal sizes: older first.
    sorted.sort((a, b) => b.replicas - a.replicas || compareOldestFirst(a, b));
  }
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    if (toAdd === 0) {
      sizes.set(rs.name, rs.replicas);
      continue;
    }
    let proportion = 0;
    if (rs.replicas !== 0 && toAdd !== added) {
      const fraction = replicaSetFraction(rs.replicas, replicas, surge, rs.maxReplicasAnnotation, statusReplicas);
      const left = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    }
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  const first = sorted[0];
  if (toAdd !== 0 && first !== undefined) {
    const leftover = toAdd - added;
    sizes.set(first.name, Math.max(0, (sizes.get(first.name) ?? 0) + leftover));
  }
  return sizes;
}

/* ---------- pod-template hash ---------- */

const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over bytes. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Maps each character to the vowel-free alphabet upstream uses for generated names (no bad
 * words, no look-alike characters), as apimachinery's rand.SafeEncodeString.
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length] ?? 'b';
  return out;
}

/** JSON with object keys sorted, so that equal objects give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** A pod template without the pod-template-hash label, and with empty maps/lists pruned. */
export function normalizeTemplate(template: unknown): unknown {
  const copy = prune(template) ?? {};
  if (isRecord(copy)) {
    const meta = copy['metadata'];
    if (isRecord(meta)) {
      const labels = meta['labels'];
      if (isRecord(labels)) {
        delete labels[POD_TEMPLATE_HASH_LABEL];
        if (Object.keys(labels).length === 0) delete meta['labels'];
      }
      if (Object.keys(meta).length === 0) delete copy['metadata'];
    }
  }
  return copy;
}

/**
 * The pod-template hash: FNV-32a over the template (hash label excluded) and the collision count
 * as 4 little-endian bytes, printed in decimal and safe-encoded, as upstream ComputeHash.
 */
export function computeTemplateHash(template: unknown, collisionCount?: number): string {
  const bytes = new TextEncoder().encode(canonicalJson(normalizeTemplate(template)));
  let h = fnv32a(bytes);
  if (collisionCount !== undefined && collisionCount !== null) {
    const c = new Uint8Array(4);
    new DataView(c.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(c, h);
  }
  return safeEncodeString(String(h));
}

/**
 * Template equality ignoring the pod-template-hash label; like apimachinery's semantic equality,
 * an empty map or list equals an absent one.
 */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  return canonicalJson(normalizeTemplate(a)) === canonicalJson(normalizeTemplate(b));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Deep copy without undefined/null values and without empty objects or arrays. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map((x) => prune(x) ?? null);
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const p = prune(x);
      if (p === undefined) continue;
      out[k] = p;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

/* ---------- revisions ---------- */

/** The revision annotation as a number (0 when absent; NaN-safe: invalid counts as 0). */
export function revisionOf(annotations: Record<string, string> | undefined): number {
  const v = annotations?.[REVISION_ANNOTATION];
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The highest revision among ReplicaSets (0 if none). */
export function maxRevision(annotated: ReadonlyArray<{ metadata: { annotations?: Record<string, string> } }>): number {
  let max = 0;
  for (const o of annotated) max = Math.max(max, revisionOf(o.metadata.annotations));
  return max;
}

/** The second-highest revision: what `kubectl rollout undo` goes back to (0 if none). */
export function previousRevision(annotated: ReadonlyArray<{ metadata: { annotations?: Record<string, string> } }>): number {
  let max = 0;
  let second = 0;
  for (const o of annotated) {
    const r = revisionOf(o.metadata.annotations);
    if (r > max) {
      second = max;
      max = r;
    } else if (r > second && r < max) second = r;
  }
  return second;
}

/** The revision the new ReplicaSet gets: the highest revision of the old ones + 1. */
export function nextRevision(oldRevisions: readonly number[]): number {
  let max = 0;
  for (const r of oldRevisions) max = Math.max(max, r);
  return max + 1;
}

/* ---------- scaling events (upstream DeploymentController.scale) ---------- */

/** A ReplicaSet as the scaling decision reads it: counts plus the replica annotations it carries. */
export interface ScaleCandidate extends ReplicaSetCounts {
  /** deployment.kubernetes.io/desired-replicas, when valid. */
  desiredAnnotation?: number | undefined;
  /** deployment.kubernetes.io/max-replicas, when valid. */
  maxReplicasAnnotation?: number | undefined;
}

/**
 * The new ReplicaSet is saturated: it has all the replicas, was last scaled for this size, and
 * all of them are available (upstream IsSaturated).
 */
export function isSaturated(replicas: number, rs: ScaleCandidate | undefined): boolean {
  if (rs === undefined || rs.desiredAnnotation === undefined) return false;
  return rs.replicas === replicas && rs.desiredAnnotation === replicas && rs.available === replicas;
}

/** What a scaling event does: which branch of upstream `scale` applied, and the new sizes. */
export interface ScalePlan {
  /**
   * single: the only active ReplicaSet (or the newest, none being active) takes every replica;
   * saturated: the new ReplicaSet is saturated, old ones go to 0; proportional: sizes spread
   * over the active ReplicaSets (every one of them is written, if only to refresh annotations);
   * none: nothing to do.
   */
  kind: 'none' | 'single' | 'saturated' | 'proportional';
  /** New sizes, at most one per ReplicaSet; for single and saturated only actual changes. */
  steps: ScaleStep[];
}

/**
 * Upstream `scale` for a Deployment whose spec.replicas changed (or that is paused): one active
 * ReplicaSet takes all; a saturated new ReplicaSet makes the old ones go; otherwise, for
 * RollingUpdate, proportional scaling over the active ReplicaSets.
 */
export function scalePlan(
  strategy: StrategyView,
  replicas: number,
  statusReplicas: number,
  newRs: ScaleCandidate | undefined,
  oldRss: readonly ScaleCandidate[],
): ScalePlan {
  const newestFirst = [...oldRss].sort((a, b) => compareOldestFirst(b, a));
  const candidates = newRs === undefined ? newestFirst : [...newestFirst, newRs];
  const active = candidates.filter((rs) => rs.replicas > 0);
  let single: ScaleCandidate | undefined;
  if (active.length === 0) single = newRs ?? newestFirst[0];
  else if (active.length === 1) single = active[0];
  if (active.length <= 1) {
    if (single === undefined || single.replicas === replicas) return { kind: single === undefined ? 'none' : 'single', steps: [] };
    return { kind: 'single', steps: [{ name: single.name, from: single.replicas, to: replicas }] };
  }
  if (isSaturated(replicas, newRs)) {
    const steps = oldRss.filter((rs) => rs.replicas > 0).map((rs) => ({ name: rs.name, from: rs.replicas, to: 0 }));
    return { kind: 'saturated', steps };
  }
  if (strategy.type !== 'RollingUpdate') return { kind: 'none', steps: [] };
  const sizes = proportionalScale(active, replicas, maxSurgeOf(strategy, replicas), statusReplicas);
  return { kind: 'proportional', steps: active.map((rs) => ({ name: rs.name, from: rs.replicas, to: sizes.get(rs.name) ?? rs.replicas })) };
}
