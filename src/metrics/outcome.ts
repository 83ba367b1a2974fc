/** Failure classes, in the order the report lists them. Every failed request is exactly one. */
export const FAILURE_CLASSES = ['http_5xx', 'http_4xx', 'timeout', 'refused', 'reset', 'other'] as const;

/** A class of failed request. */
export type FailureClass = (typeof FAILURE_CLASSES)[number];

/** Outcome codes used on the hot path (index into typed-array counters): 0 = success, 1.. = FAILURE_CLASSES[i-1]. */
export const OUTCOME = {
  success: 0,
  http_5xx: 1,
  http_4xx: 2,
  timeout: 3,
  refused: 4,
  reset: 5,
  other: 6,
} as const;

/** A numeric outcome code. */
export type OutcomeCode = (typeof OUTCOME)[keyof typeof OUTCOME];

/** Number of outcome codes (success + failure classes). */
export const OUTCOME_COUNT = 7;

/** Maps a failure outcome code to its class name. */
export function failureClassOf(code: OutcomeCode): FailureClass | undefined {
  return code === 0 ? undefined : FAILURE_CLASSES[code - 1];
}

/** A record of zero counts for every failure class. */
export function emptyFailureCounts(): Record<FailureClass, number> {
  return { http_5xx: 0, http_4xx: 0, timeout: 0, refused: 0, reset: 0, other: 0 };
}
