/*
 * Rolling-update fence posts: maxSurge and maxUnavailable resolved against the desired replicas
 * (upstream ResolveFenceposts, MaxSurge, MaxUnavailable, MinAvailable); the code is our own.
 */

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
