import type { V1LabelSelector } from '@kubernetes/client-node';

/**
 * Turns a LabelSelector object (matchLabels + matchExpressions) into the query-string syntax of
 * list and watch calls (`a=b,tier in (web,api),!canary`). An empty selector gives '' (everything).
 */
export function selectorToString(sel: V1LabelSelector | undefined): string {
  if (sel === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) parts.push(`${k}=${v}`);
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
        throw new Error(`unknown label selector operator "${e.operator}"`);
    }
  }
  return parts.join(',');
}

/** True when the labels satisfy the selector object (nil selector: nothing; empty: everything). */
export function selectorMatches(sel: V1LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (sel === undefined) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const value = l[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
