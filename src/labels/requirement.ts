// One set of label rules for the coordinator and the emulator, after Kubernetes'
// staging/src/k8s.io/apimachinery/pkg/labels: every selector form (the string syntax, the
// structured LabelSelector, a Service's plain map) becomes requirements, and one matcher judges them.

/** One requirement of a label selector (labels.Requirement upstream). */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** True when the labels satisfy every requirement (no requirement: everything matches). */
export function matchesLabels(reqs: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of reqs) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? labels[r.key] : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case 'notexists':
        if (has) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v ?? '')) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v ?? '')) return false;
        break;
      case 'gt':
      case 'lt': {
        const n = Number(v);
        if (!has || !Number.isFinite(n)) return false;
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}
