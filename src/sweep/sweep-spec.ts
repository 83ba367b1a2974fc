/**
 * What to sweep, from `--vary`, `--case`, `--repeat` and a scenario's `sweep:` section: the fields
 * and their values, explicit cases, the repeat count, and the expansion into the cases to run.
 * Validation collects every problem, then throws once (exit 3).
 */
import { ProblemList } from '../errors.js';
import { parseDuration } from '../scenario/parse.js';
import { checkValue, parseValue, resolveField, type SettingValue, type SweepField } from './fields.js';

/** One varied field and the values it takes, in the order given. */
export interface VaryAxis {
  field: SweepField;
  values: SettingValue[];
}

/** The settings of one case: field key (as typed) -> value, in axis order. */
export type CaseSettings = Record<string, SettingValue>;

/** A resolved sweep: what varies, the listed cases, how often each runs, and how long to let a prepared Deployment settle. */
export interface SweepSpec {
  axes: VaryAxis[];
  /** Cases listed one by one (`--case`, `sweep.cases`), run besides the combinations of the axes. */
  cases: CaseSettings[];
  /** Every field a setting names, by key. */
  fields: Record<string, SweepField>;
  repeat: number;
  /** Pause after a prepared Deployment has rolled out and its old pods are gone, before the measured run. */
  settleMs: number;
}

/** Sweep flags as yargs hands them over. */
export interface SweepFlags {
  vary?: string[] | undefined;
  case?: string[] | undefined;
  repeat?: number | undefined;
  settle?: string | undefined;
}

/** One case to run: its number (1-based, in run order), settings, a readable label and a file-name slug. */
export interface SweepCase {
  n: number;
  settings: CaseSettings;
  /** `maxSurge=1 maxUnavailable=0`. */
  label: string;
  /** `maxSurge-1_maxUnavailable-0`, safe in a folder name. */
  slug: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Known fields of a scenario's `sweep:` section. */
export const SWEEP_SECTION_FIELDS = ['vary', 'cases', 'repeat', 'settle'] as const;

/** Formats a value as it is typed: `25%`, `3`, `true`, `null`. */
export function formatValue(v: SettingValue): string {
  return v === null ? 'null' : String(v);
}

/**
 * Parses `--vary FIELD=V1,V2,...`: the field (alias or path) and its values. Values are split on
 * commas; a field listed twice is a problem, a value listed twice counts once.
 */
export function parseVary(text: string): { ok: true; axis: VaryAxis } | { ok: false; message: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) return { ok: false, message: `"${text}" is not FIELD=VALUES: use e.g. --vary maxSurge=0,1,25%` };
  const field = resolveField(text.slice(0, eq));
  if (!field.ok) return { ok: false, message: field.message };
  const parts = text.slice(eq + 1).split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.every((p) => p === '')) return { ok: false, message: `${field.value.key}: no values after "=": use e.g. ${field.value.key}=0,1` };
  const values: SettingValue[] = [];
  for (const part of parts) {
    const v = parseValue(field.value, part);
    if (!v.ok) return { ok: false, message: v.message };
    if (!values.some((x) => x === v.value)) values.push(v.value);
  }
  return { ok: true, axis: { field: field.value, values } };
}

/** Parses `--case "maxSurge=1,maxUnavailable=0"` (settings separated by commas, semicolons or spaces). */
export function parseCase(text: string): { ok: true; settings: Array<[SweepField, SettingValue]> } | { ok: false; message: string } {
  const parts = text.split(/[,;\s]+/).filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, message: 'an empty case: give settings such as "maxSurge=1,maxUnavailable=0"' };
  const settings: Array<[SweepField, SettingValue]> = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, message: `"${part}" is not FIELD=VALUE (in case "${text}")` };
    const field = resolveField(part.slice(0, eq));
    if (!field.ok) return { ok: false, message: field.message };
    const v = parseValue(field.value, part.slice(eq + 1));
    if (!v.ok) return { ok: false, message: v.message };
    if (settings.some(([f]) => f.path === field.value.path)) return { ok: false, message: `${field.value.key} is set twice in case "${text}"` };
    settings.push([field.value, v.value]);
  }
  return { ok: true, settings };
}

/**
 * Merges the scenario's `sweep:` section with the flags (a `--vary` replaces the section's values
 * of that field, `--case` replaces its cases, `--repeat`/`--settle` win) and checks it all.
 */
export function resolveSweepSpec(section: unknown, flags: SweepFlags): SweepSpec {
  const problems = new ProblemList();
  const fields: Record<string, SweepField> = {};
  const byPath = new Map<string, string>();
  const register = (f: SweepField, where: string): boolean => {
    const other = byPath.get(f.path);
    if (other !== undefined && other !== f.key) {
      problems.add(where, `${f.key} and ${other} are the same field (${f.path}): name it one way`);
      return false;
    }
    byPath.set(f.path, f.key);
    fields[f.key] = f;
    return true;
  };

  const sec = section === undefined || section === null ? {} : section;
  if (!isObject(sec)) problems.add('sweep', 'expected a mapping: {vary: {field: [values]}, cases: [{field: value}], repeat: N}');
  const s = isObject(sec) ? sec : {};
  for (const key of Object.keys(s)) {
    if (!(SWEEP_SECTION_FIELDS as readonly string[]).includes(key)) problems.add(`sweep.${key}`, `unknown field (known: ${SWEEP_SECTION_FIELDS.join(', ')})`);
  }

  // Axes: the section's, then the flags' (a flag replaces the same field).
  const axes: VaryAxis[] = [];
  const putAxis = (axis: VaryAxis, where: string): void => {
    const at = axes.findIndex((a) => a.field.path === axis.field.path);
    if (at >= 0) {
      delete fields[(axes[at] as VaryAxis).field.key];
      byPath.delete(axis.field.path);
      axes.splice(at, 1);
    }
    if (!register(axis.field, where)) return;
    if (at >= 0) axes.splice(at, 0, axis);
    else axes.push(axis);
  };
  const vary = s['vary'];
  if (vary !== undefined) {
    if (!isObject(vary)) problems.add('sweep.vary', 'expected a mapping of field -> list of values, e.g. {maxSurge: [0, 1, "25%"]}');
    else {
      for (const [key, raw] of Object.entries(vary)) {
        const where = `sweep.vary.${key}`;
        const field = resolveField(key);
        if (!field.ok) {
          problems.add(where, field.message);
          continue;
        }
        if (axes.some((a) => a.field.path === field.value.path)) {
          problems.add(where, `the same field as ${axes.find((a) => a.field.path === field.value.path)?.field.key ?? ''} (${field.value.path}): name it once`);
          continue;
        }
        const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [raw];
        const values: SettingValue[] = [];
        for (const item of list) {
          const v = checkValue(field.value, item);
          if (!v.ok) problems.add(where, v.message);
          else if (!values.includes(v.value)) values.push(v.value);
        }
        if (list.length === 0) problems.add(where, 'no values');
        if (values.length > 0) putAxis({ field: field.value, values }, where);
      }
    }
  }
  const flagPaths = new Set<string>();
  for (const text of flags.vary ?? []) {
    const parsed = parseVary(text);
    if (!parsed.ok) {
      problems.add('--vary', parsed.message);
      continue;
    }
    if (flagPaths.has(parsed.axis.field.path)) {
      problems.add('--vary', `${parsed.axis.field.key} is varied twice: list all its values in one --vary`);
      continue;
    }
    flagPaths.add(parsed.axis.field.path);
    putAxis(parsed.axis, '--vary');
  }

  // Listed cases: the flags' replace the section's.
  const cases: CaseSettings[] = [];
  const addCase = (settings: Array<[SweepField, SettingValue]>, where: string): void => {
    const c: CaseSettings = {};
    for (const [f, v] of settings) {
      if (!register(f, where)) return;
      c[f.key] = v;
    }
    cases.push(c);
  };
  if (flags.case !== undefined && flags.case.length > 0) {
    for (const text of flags.case) {
      const parsed = parseCase(text);
      if (!parsed.ok) problems.add('--case', parsed.message);
      else addCase(parsed.settings, '--case');
    }
  } else if (s['cases'] !== undefined) {
    const list = s['cases'];
    if (!Array.isArray(list)) problems.add('sweep.cases', 'expected a list of cases, each a mapping such as {maxSurge: 1, maxUnavailable: 0}');
    else {
      list.forEach((item, i) => {
        const where = `sweep.cases[${i}]`;
        if (typeof item === 'string') {
          const parsed = parseCase(item);
          if (!parsed.ok) problems.add(where, parsed.message);
          else addCase(parsed.settings, where);
          return;
        }
        if (!isObject(item) || Object.keys(item).length === 0) {
          problems.add(where, 'expected a mapping of field -> value, e.g. {maxSurge: 1, maxUnavailable: 0}');
          return;
        }
        const settings: Array<[SweepField, SettingValue]> = [];
        for (const [key, raw] of Object.entries(item)) {
          const field = resolveField(key);
          if (!field.ok) {
            problems.add(`${where}.${key}`, field.message);
            return;
          }
          const v = checkValue(field.value, raw);
          if (!v.ok) {
            problems.add(`${where}.${key}`, v.message);
            return;
          }
          settings.push([field.value, v.value]);
        }
        addCase(settings, where);
      });
    }
  }

  const repeatRaw = flags.repeat ?? s['repeat'] ?? 1;
  const repeat = typeof repeatRaw === 'number' ? repeatRaw : Number(repeatRaw);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100) problems.add(flags.repeat !== undefined ? '--repeat' : 'sweep.repeat', `expected a whole number from 1 to 100, got ${JSON.stringify(repeatRaw)}`);

  const settleRaw = flags.settle ?? s['settle'];
  let settleMs = 2000;
  if (settleRaw !== undefined) {
    const d = parseDuration(settleRaw);
    if (d.ok) settleMs = d.value;
    else problems.add(flags.settle !== undefined ? '--settle' : 'sweep.settle', d.message);
  }

  if (axes.length === 0 && cases.length === 0 && problems.problems.length === 0) {
    problems.add('--vary', 'nothing to sweep: give --vary FIELD=V1,V2 (e.g. --vary maxUnavailable=0,1), --case, or a sweep: section in the scenario');
  }
  problems.throwIfAny('run `zerodrop sweep --help` for the fields and an example');
  return { axes, cases, fields, repeat, settleMs };
}

function slugPart(key: string, v: SettingValue): string {
  const name = key.includes('.') ? (key.split('.').pop() as string).replace(/\[.*\]$/, '') : key;
  const value = formatValue(v).replace(/%/g, 'pct');
  return `${name}-${value}`.replace(/[^A-Za-z0-9.-]+/g, '-');
}

/** Label and slug of a case's settings; keys in `hide` (the same in every case) are left out unless nothing would remain. */
export function describeSettings(settings: CaseSettings, hide: ReadonlySet<string> = new Set()): { label: string; slug: string } {
  const all = Object.entries(settings);
  const shown = all.filter(([k]) => !hide.has(k));
  const entries = shown.length > 0 ? shown : all;
  if (entries.length === 0) return { label: '(as deployed)', slug: 'as-deployed' };
  const label = entries.map(([k, v]) => `${k}=${formatValue(v)}`).join(' ');
  let slug = entries.map(([k, v]) => slugPart(k, v)).join('_');
  if (slug.length > 80) slug = slug.slice(0, 80).replace(/[-_.]+$/, '');
  return { label, slug };
}

/** Settings every case has with the same value (single-valued --vary): shown once, not in every label. */
export function fixedSettings(cases: ReadonlyArray<{ settings: CaseSettings }>): CaseSettings {
  const first = cases[0];
  if (first === undefined || cases.length < 2) return {};
  const fixed: CaseSettings = {};
  for (const [k, v] of Object.entries(first.settings)) if (cases.every((c) => Object.hasOwn(c.settings, k) && c.settings[k] === v)) fixed[k] = v;
  return fixed;
}

/**
 * The cases to run: every combination of the axes (the first axis varies slowest), then the
 * listed cases that are not among them. A listed case that leaves an axis out keeps the Deployment's
 * value there. Numbered from 1 in run order.
 */
export function expandCases(spec: Pick<SweepSpec, 'axes' | 'cases'>): SweepCase[] {
  const combos: CaseSettings[] = [];
  if (spec.axes.length > 0) {
    let acc: CaseSettings[] = [{}];
    for (const axis of spec.axes) {
      const next: CaseSettings[] = [];
      for (const partial of acc) for (const v of axis.values) next.push({ ...partial, [axis.field.key]: v });
      acc = next;
    }
    combos.push(...acc);
  }
  const key = (c: CaseSettings): string => JSON.stringify(Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const seen = new Set(combos.map(key));
  for (const c of spec.cases) {
    const k = key(c);
    if (seen.has(k)) continue;
    seen.add(k);
    combos.push(c);
  }
  const hide = new Set(Object.keys(fixedSettings(combos.map((settings) => ({ settings })))));
  return combos.map((settings, i) => ({ n: i + 1, settings, ...describeSettings(settings, hide) }));
}
