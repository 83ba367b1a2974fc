import { LabelSelectorError } from './parse.js';
import { matchesLabels, type LabelRequirement } from './requirement.js';

/** A metav1.LabelSelector: matchLabels AND every matchExpression (V1LabelSelector has this shape). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

const byKey = ([a]: [string, string], [b]: [string, string]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Turns a LabelSelector object (matchLabels + matchExpressions) into the query-string syntax of
 * list and watch calls (`a=b,tier in (web,api),!canary`). An empty selector gives '' (everything).
 * Throws LabelSelectorError on an operator Kubernetes does not know.
 */
export function selectorToString(sel: LabelSelector | undefined): string {
  if (sel === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(byKey)) parts.push(`${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort();
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values.join(',')})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        throw new LabelSelectorError(`unknown label selector operator "${e.operator}"`);
    }
  }
  return parts.join(',');
}

/**
 * The requirements of a LabelSelector object (LabelSelectorAsSelector upstream), or null when an
 * expression has an operator Kubernetes does not know (such a selector matches nothing).
 */
export function requirementsOf(sel: LabelSelector): LabelRequirement[] | null {
  const reqs: LabelRequirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, v]) => ({ key, op: 'in', values: [v] }));
  for (const e of sel.matchExpressions ?? []) {
    const values = e.values ?? [];
    if (e.operator === 'In') reqs.push({ key: e.key, op: 'in', values });
    else if (e.operator === 'NotIn') reqs.push({ key: e.key, op: 'notin', values });
    else if (e.operator === 'Exists') reqs.push({ key: e.key, op: 'exists' });
    else if (e.operator === 'DoesNotExist') reqs.push({ key: e.key, op: 'notexists' });
    else return null;
  }
  return reqs;
}

/** True when the labels satisfy the selector object (nil selector: nothing; empty: everything). */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined) return false;
  const reqs = requirementsOf(sel);
  return reqs !== null && matchesLabels(reqs, labels ?? {});
}

/** True when the selector selects nothing in particular (no labels, no expressions): upstream refuses it. */
export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return sel === undefined || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Whether labels contain every pair of a plain map selector (Service .spec.selector; an empty map selects nothing). */
export function matchesMapSelector(sel: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  return selectorMatches({ matchLabels: sel }, labels);
}
