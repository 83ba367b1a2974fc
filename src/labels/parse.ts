import { ZerodropError } from '../errors.js';
import type { LabelRequirement } from './requirement.js';

const KEY_RE = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** A label selector that is not valid Kubernetes syntax; its message is upstream's (the API server answers it with 400). */
export class LabelSelectorError extends ZerodropError {
  constructor(message: string) {
    super('E_LABEL_SELECTOR', message);
    this.name = 'LabelSelectorError';
  }
}

/** Splits on commas that are not inside parentheses (`a in (x,y),b` is two requirements). */
export function splitTopLevel(s: string): string[] {
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
  if (!KEY_RE.test(key) || key.length > 316) throw new LabelSelectorError(`unable to parse requirement: invalid label key "${key}" in selector "${sel}"`);
  return key;
}

function checkValue(v: string, sel: string): string {
  if (!VALUE_RE.test(v) || v.length > 63) throw new LabelSelectorError(`unable to parse requirement: invalid label value "${v}" in selector "${sel}"`);
  return v;
}

/**
 * Parses a label selector in Kubernetes' string syntax (labels.Parse upstream): `a=b`, `a==b`,
 * `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, joined by commas. Throws
 * LabelSelectorError on bad syntax.
 */
export function parseLabelSelector(sel: string | undefined): LabelRequirement[] {
  if (sel === undefined || sel.trim() === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const part of splitTopLevel(sel)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ key: checkKey(m[1] ?? '', sel), op: 'notexists' });
    } else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (m[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0)
        .map((v) => checkValue(v, sel));
      if (values.length === 0 && m[2] === 'in') throw new LabelSelectorError(`unable to parse requirement: for 'in' operator, values set can't be empty in selector "${sel}"`);
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
      throw new LabelSelectorError(`unable to parse requirement: invalid selector "${sel}"`);
    }
  }
  return reqs;
}
