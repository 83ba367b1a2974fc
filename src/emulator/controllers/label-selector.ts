import { selectorMatches } from '../../cluster/label-selector.js';

/** A metav1.LabelSelector: matchLabels AND every matchExpression. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** True when the selector selects nothing in particular (no labels, no expressions): upstream refuses it. */
export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return (
    sel === undefined ||
    (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
  );
}

/** Whether labels satisfy a LabelSelector (an empty selector matches everything, as upstream). */
export function matchesLabelSelector(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  // One matcher for the coordinator and the emulator: the rules are Kubernetes', not either side's.
  return selectorMatches(sel, labels);
}

/** Whether labels contain every pair of a plain map selector (Service .spec.selector). */
export function matchesMapSelector(sel: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel)) if (l[k] !== v) return false;
  return true;
}
