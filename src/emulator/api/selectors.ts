import { LabelSelectorError, parseLabelSelector as parseLabels, splitTopLevel } from '../../labels/parse.js';
import { matchesLabels, type LabelRequirement } from '../../labels/requirement.js';
import { badRequest } from './api-error.js';

// Label selectors are src/labels' (one set of rules for the emulator and the coordinator); the
// names the emulator's modules import stay here.
export { matchesLabels, type LabelRequirement } from '../../labels/requirement.js';
export { selectorToString as labelSelectorToString } from '../../labels/label-selector.js';

/** One requirement of a field selector (`metadata.name=x`, `status.phase!=Running`). */
export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/**
 * Parses a label selector in Kubernetes' string syntax (src/labels, the rules the coordinator
 * uses too). Throws ApiError 400 with upstream's message on bad syntax.
 */
export function parseLabelSelector(sel: string | undefined): LabelRequirement[] {
  try {
    return parseLabels(sel);
  } catch (err) {
    if (err instanceof LabelSelectorError) throw badRequest(err.message);
    throw err;
  }
}

/**
 * Parses a field selector: `path=value`, `path==value`, `path!=value`, joined by commas. Any
 * dotted path of the object may be used (metadata.name, metadata.namespace, status.phase,
 * spec.nodeName, involvedObject.name...). Throws ApiError 400 on bad syntax.
 */
export function parseFieldSelector(sel: string | undefined): FieldRequirement[] {
  if (sel === undefined || sel.trim() === '') return [];
  const reqs: FieldRequirement[] = [];
  for (const part of splitTopLevel(sel)) {
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
