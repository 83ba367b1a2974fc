/**
 * The Deployment fields a sweep varies: short aliases for the usual ones, dotted paths into the
 * Deployment spec (or the pod template) for the rest, how each value is parsed, and how a setting
 * is written into a spec. Pure: no cluster, no I/O.
 */
import { V1ContainerAttributes, V1DeploymentSpecAttributes, V1PodSpecAttributes } from './k8s-attributes.js';
import type { Parsed } from '../scenario/parse.js';

/** A value a sweep sets: a number, a percentage kept as text ("25%"), a boolean, a text, or null (remove the field). */
export type SettingValue = number | string | boolean | null;

export type { ValueKind } from './aliases.js';
import type { ValueKind } from './aliases.js';

/** A field a sweep can vary, resolved from what the user typed. */
export interface SweepField {
  /** The name as typed (an alias, or a path): the key of the case's settings. */
  key: string;
  /** The canonical path in the Deployment spec, e.g. `strategy.rollingUpdate.maxSurge`. */
  path: string;
  /** The alias, when one was used. */
  alias: AliasName | undefined;
  kind: ValueKind;
}

export { ALIASES } from './aliases.js';
import { ALIASES } from './aliases.js';

/** One alias name. */
export type AliasName = keyof typeof ALIASES;

/** The kind of well-known paths typed in full (so `strategy.rollingUpdate.maxSurge=25%` is checked like `maxSurge`). */
const KIND_BY_PATH: Record<string, ValueKind> = Object.fromEntries(Object.values(ALIASES).map((a) => [a.path, a.kind]));

/** One step of a path: a field name, and for lists which element(s): all, an index or a name. */
export interface PathStep {
  name: string;
  index?: { all: true } | { at: number } | { named: string };
}

const STEP = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?$/;

/** Splits a path such as `template.spec.containers[app].readinessProbe.periodSeconds` into steps; undefined when malformed. */
export function parsePath(path: string): PathStep[] | undefined {
  if (path.trim() === '') return undefined;
  const steps: PathStep[] = [];
  for (const part of path.split('.')) {
    const m = STEP.exec(part);
    if (m === null) return undefined;
    const name = m[1] as string;
    const idx = m[2];
    if (idx === undefined) steps.push({ name });
    else if (idx === '*' || idx === '') steps.push({ name, index: { all: true } });
    else if (/^\d+$/.test(idx)) steps.push({ name, index: { at: Number(idx) } });
    else steps.push({ name, index: { named: idx } });
  }
  return steps;
}

/** Writes steps back as a path. */
export function formatPath(steps: readonly PathStep[]): string {
  return steps
    .map((s) => {
      if (s.index === undefined) return s.name;
      if ('all' in s.index) return `${s.name}[*]`;
      return 'at' in s.index ? `${s.name}[${s.index.at}]` : `${s.name}[${s.index.named}]`;
    })
    .join('.');
}

/** Lists of the pod spec whose elements have a `name` (so `containers[app]` selects by name). */
const NAMED_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers', 'volumes', 'env', 'ports', 'volumeMounts', 'imagePullSecrets']);

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const option of options) {
    const score = editDistance(word.toLowerCase(), option.toLowerCase());
    if (score < bestScore) [best, bestScore] = [option, score];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * Resolves what the user typed (an alias, a Deployment spec path, `spec.`-prefixed or not, or a pod
 * spec path such as `terminationGracePeriodSeconds` or `containers.readinessProbe.periodSeconds`)
 * to a field with its canonical path, or a problem message.
 */
export function resolveField(key: string): Parsed<SweepField> {
  const typed = key.trim();
  if (Object.hasOwn(ALIASES, typed)) {
    const a = ALIASES[typed as AliasName];
    return { ok: true, value: { key: typed, path: a.path, alias: typed as AliasName, kind: a.kind } };
  }
  const raw = typed.startsWith('spec.') ? typed.slice('spec.'.length) : typed;
  let steps = parsePath(raw);
  if (steps === undefined) {
    return { ok: false, message: `"${typed}" is not a field: use an alias (${Object.keys(ALIASES).join(', ')}) or a dotted path such as strategy.rollingUpdate.maxSurge` };
  }
  const first = steps[0] as PathStep;
  if (!V1DeploymentSpecAttributes.includes(first.name)) {
    if (V1PodSpecAttributes.includes(first.name)) {
      steps = [{ name: 'template' }, { name: 'spec' }, ...steps];
    } else {
      const guess = closest(first.name, [...Object.keys(ALIASES), ...V1DeploymentSpecAttributes, ...V1PodSpecAttributes]);
      return {
        ok: false,
        message: `"${typed}" names no field of a Deployment spec or pod template${guess ? `; did you mean "${guess}"?` : ''} (aliases: ${Object.keys(ALIASES).join(', ')})`,
      };
    }
  }
  // Container lists without an index mean every container; a container field is checked by name.
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i] as PathStep;
    if (NAMED_LISTS.has(s.name) && s.index === undefined && i < steps.length - 1) steps[i] = { ...s, index: { all: true } };
    if ((s.name === 'containers' || s.name === 'initContainers') && steps[i - 1]?.name === 'spec') {
      const next = steps[i + 1];
      if (next !== undefined && !V1ContainerAttributes.includes(next.name)) {
        const guess = closest(next.name, V1ContainerAttributes);
        return { ok: false, message: `"${typed}": a container has no field "${next.name}"${guess ? `; did you mean "${guess}"?` : ''}` };
      }
    }
  }
  const path = formatPath(steps);
  const alias = (Object.keys(ALIASES) as AliasName[]).find((a) => ALIASES[a].path === path);
  return { ok: true, value: { key: typed, path, alias, kind: KIND_BY_PATH[path] ?? 'any' } };
}

/** Parses one value of a field: numbers as numbers, `25%` kept as text, true/false, `null` (remove), else text. */
export function parseValue(field: SweepField, text: string): Parsed<SettingValue> {
  const t = text.trim();
  const fail = (what: string): Parsed<SettingValue> => ({ ok: false, message: `${field.key}: "${t}" is not ${what}` });
  switch (field.kind) {
    case 'int':
      return /^\d+$/.test(t) ? { ok: true, value: Number(t) } : fail('a whole number of 0 or more');
    case 'positiveInt':
      return /^\d+$/.test(t) && Number(t) >= 1 ? { ok: true, value: Number(t) } : fail('a whole number of 1 or more');
    case 'intOrPercent': {
      if (/^\d+$/.test(t)) return { ok: true, value: Number(t) };
      const m = /^(\d+)%$/.exec(t);
      if (m !== null && Number(m[1]) <= 100) return { ok: true, value: `${Number(m[1])}%` };
      return fail('a whole number or a percentage from 0% to 100% (e.g. 1 or 25%)');
    }
    case 'any':
      if (t === '') return fail('a value');
      if (/^-?\d+(\.\d+)?$/.test(t)) return { ok: true, value: Number(t) };
      if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
      if (t === 'null') return { ok: true, value: null };
      return { ok: true, value: t.replace(/^(["'])(.*)\1$/, '$2') };
  }
}

/** Checks a value that came from a scenario file (already typed by YAML) as if it had been typed on the command line. */
export function checkValue(field: SweepField, value: unknown): Parsed<SettingValue> {
  if (value === null) return field.kind === 'any' ? { ok: true, value: null } : { ok: false, message: `${field.key}: null is not a value of this field` };
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return parseValue(field, String(value));
  return { ok: false, message: `${field.key}: expected a number, a percentage or a text, got ${JSON.stringify(value)}` };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A problem applying a setting to a spec (the field's list or element does not exist). */
export class SettingNotApplicable extends Error {}

function setAt(target: Json, steps: readonly PathStep[], value: SettingValue, fieldKey: string, where: string): void {
  const [step, ...rest] = steps as [PathStep, ...PathStep[]];
  const here = where === '' ? step.name : `${where}.${step.name}`;
  if (step.index !== undefined) {
    const list = target[step.name];
    if (!Array.isArray(list) || list.length === 0) throw new SettingNotApplicable(`${fieldKey}: the Deployment has no ${here}`);
    let chosen: Json[];
    if ('all' in step.index) chosen = list.filter(isObject);
    else if ('at' in step.index) chosen = isObject(list[step.index.at]) ? [list[step.index.at] as Json] : [];
    else {
      const name = step.index.named;
      chosen = list.filter((e): e is Json => isObject(e) && e['name'] === name);
    }
    if (chosen.length === 0) throw new SettingNotApplicable(`${fieldKey}: ${formatPath([step])} matches nothing in the Deployment (${here} has ${list.length} element${list.length === 1 ? '' : 's'})`);
    for (const el of chosen) {
      if (rest.length === 0) throw new SettingNotApplicable(`${fieldKey}: cannot replace a whole list element`);
      setAt(el, rest, value, fieldKey, here);
    }
    return;
  }
  if (rest.length === 0) {
    if (value === null) delete target[step.name];
    else target[step.name] = value;
    return;
  }
  if (!isObject(target[step.name])) {
    if (value === null) return;
    target[step.name] = {};
  }
  setAt(target[step.name] as Json, rest, value, fieldKey, here);
}

/** Removes an empty `lifecycle` left behind when the preStop hook is removed. */
function pruneLifecycle(spec: Json): void {
  const containers = (spec['template'] as Json | undefined)?.['spec'] as Json | undefined;
  const list = containers?.['containers'];
  if (!Array.isArray(list)) return;
  for (const c of list) if (isObject(c) && isObject(c['lifecycle']) && Object.keys(c['lifecycle']).length === 0) delete c['lifecycle'];
}

/**
 * Writes one setting into a Deployment spec (plain JSON, changed in place). The aliases carry
 * their meaning: `preStopSeconds` replaces every container's preStop hook with a native sleep (0
 * removes it); `readinessPeriod` changes the containers that have a readiness probe. Throws
 * SettingNotApplicable when the spec has no such list element or probe.
 */
export function applySetting(spec: Json, field: SweepField, value: SettingValue): void {
  if (field.alias === 'preStopSeconds') {
    const containers = ((spec['template'] as Json | undefined)?.['spec'] as Json | undefined)?.['containers'];
    if (!Array.isArray(containers) || containers.length === 0) throw new SettingNotApplicable(`${field.key}: the Deployment's pod template has no containers`);
    for (const c of containers.filter(isObject)) {
      const lifecycle = isObject(c['lifecycle']) ? c['lifecycle'] : (c['lifecycle'] = {});
      if (value === 0 || value === null) delete lifecycle['preStop'];
      else lifecycle['preStop'] = { sleep: { seconds: value } };
    }
    pruneLifecycle(spec);
    return;
  }
  if (field.alias === 'readinessPeriod') {
    const containers = ((spec['template'] as Json | undefined)?.['spec'] as Json | undefined)?.['containers'];
    const probed = Array.isArray(containers) ? containers.filter((c): c is Json => isObject(c) && isObject(c['readinessProbe'])) : [];
    if (probed.length === 0) throw new SettingNotApplicable(`${field.key}: no container of the Deployment has a readiness probe to change`);
    for (const c of probed) (c['readinessProbe'] as Json)['periodSeconds'] = value;
    return;
  }
  const steps = parsePath(field.path);
  if (steps === undefined) throw new SettingNotApplicable(`${field.key}: malformed path ${field.path}`);
  setAt(spec, steps, value, field.key, '');
}
