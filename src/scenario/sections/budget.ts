import { parseBudget, parseConfidence } from '../parse.js';
import type { Scenario } from '../types.js';
import type { ScenarioReader } from './reader.js';

/** The `budget` section: the largest failure rate that passes, and the confidence a pass needs. */
export function resolveBudget(r: ScenarioReader): Scenario['budget'] {
  const maxFailureRate = r.optional('budget.maxFailureRate', parseBudget, 0.001);
  const confidence = r.optional('budget.confidence', parseConfidence, 0.95);
  return { maxFailureRate, confidence };
}
