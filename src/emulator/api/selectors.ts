import { selectorToString } from '../../cluster/label-selector.js';
import { badRequest } from './api-error.js';

/** One requirement of a label selector. */
export type LabelRequirement =
  | { key: string; op: 'exists' | 'notexists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** One requirement of a field selector (`metadata.name=x`, `status.phase!=Running`). */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

const KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, sel: string): string {
  if (!KEY_RE.test(key) || key.length > 316) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${sel}"`);
  return key;
}

function checkValue(v: string, sel: string): string {
  if (!VALUE_RE.test(v) || v.length > 63) throw badRequest(`unable to parse requirement: invalid label value "${v}" in selector "${sel}"`);
  return v;
}

/**
 * Parses a label selector in Kubernetes' string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`,
 * `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, joined by commas. Throws ApiError 400 on bad syntax.
 */
export function parseLabelSelector(sel: string | undefined): LabelRequirement[] {
  if (sel === undefined || sel.trim() === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTop(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1] ?? '', sel), op: 'notexists' });
    } else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0)
        .map((v) => checkValue(v, sel));
      if (values.length === 0 && m[2] === 'in') throw badRequest(`unable to parse requirement: for 'in' operator, values set can't be empty in selector "${sel}"`);
      reqs.push({ key: checkKey(m[1] ?? '', sel), op: m[2] === 'in' ? 'in' : 'notin', values });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      const key = checkKey(m[1] ?? '', sel);
      const value = checkValue(m[3] ?? '', sel);
      reqs.push({ key, op: m[2] === '!=' ? 'notin' : 'in', values: [value] });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*(<|>)\s*(-?\d+)$/))) {
      reqs.push({ key: checkKey(m[1] ?? '', sel), op: m[2] === '>' ? 'gt' : 'lt', value: Number(m[3]) });
    } else if ((m = part.match(/^([^=!<>\s(),]+)$/))) {
      reqs.push({ key: checkKey(m[1] ?? '', sel), op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: invalid selector "${sel}"`);
    }
  }
  return reqs;
}

/** True when the labels satisfy every requirement. */
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

/**
 * Parses a field selector: `path=value`, `path==value`, `path!=value`, joined by commas. Any
 * dotted path of the object may be used (metadata.name, metadata.namespace, status.phase,
 * spec.nodeName, involvedObject.name...). Throws ApiError 400 on bad syntax.
 */
export function parseFieldSelector(sel: string | undefined): FieldRequirement[] {
  if (sel === undefined || sel.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const part of splitTop(sel)) {
    const m = part.match(/^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/);
    // upstream's fields.ParseSelector message
    if (!m) throw badRequest(`invalid selector: '${sel}'; can't understand '${part}'`);
    reqs.push({ field: m[1] ?? '', op: m[2] === '!=' ? '!=' : '=', value: (m[3] ?? '').trim() });
  }
  return reqs;
}

/** The string value of a dotted path of an object ('' when absent), as field selectors compare it. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[seg];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** True when the object satisfies every field requirement. */
export function matchesFields(reqs: readonly FieldRequirement[], obj: unknown): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** A compiled label + field selector pair. */
export interface Selector {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

/** Compiles both selectors of a list or watch. */
export function compileSelector(opts: { labelSelector?: string | undefined; fieldSelector?: string | undefined } | undefined): Selector {
  return { labels: parseLabelSelector(opts?.labelSelector), fields: parseFieldSelector(opts?.fieldSelector) };
}

/** True when the object passes the compiled selector. */
export function matchesSelector(sel: Selector, obj: { metadata?: { labels?: Record<string, string> } }): boolean {
  return matchesLabels(sel.labels, obj.metadata?.labels) && matchesFields(sel.fields, obj);
}

/**
 * Turns a structured LabelSelector (`{matchLabels, matchExpressions}`) into the string syntax,
 * for callers holding a Deployment's or ReplicaSet's spec.selector: the coordinator's conversion
 * (one set of rules for both sides). Throws on an operator Kubernetes does not know.
 */
export function labelSelectorToString(sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): string {
  return selectorToString(sel);
}
