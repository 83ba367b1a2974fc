import { ProblemList } from '../errors.js';
import { FLAG_PATHS, type ScenarioFlags } from './fields.js';
import { resolveBudget } from './sections/budget.js';
import { resolveKubernetes } from './sections/kubernetes.js';
import { resolveLoad } from './sections/load.js';
import { isObject, getPath, readerOf, setPath, type Raw, type ResolveContext } from './sections/reader.js';
import { resolveReport } from './sections/report.js';
import { resolveTarget } from './sections/target.js';
import { RELEASE_ACTION_KEYS, releaseActionsOf, resolveTrigger } from './sections/trigger.js';
import type { Scenario } from './types.js';
import { checkUnknownFields } from './unknown-fields.js';

export type { ScenarioFlags } from './fields.js';
export type { ResolveContext } from './sections/reader.js';

/** The flags that each give a release action: one given replaces the file's action, whichever kind it was. */
const ACTION_FLAGS = ['trigger', 'restart', 'image', 'patch', 'apply', 'watch'] as const;

/**
 * Merges a scenario file's data with flags (flags win), applies defaults and validates every
 * field, throwing one InvalidInputError that lists every problem with its field path. Each
 * section has its resolver (src/scenario/sections/); all of them add to one problem list.
 */
export function resolveScenario(fileData: unknown, flags: ScenarioFlags, ctx: ResolveContext): Scenario {
  const problems = new ProblemList();
  if (fileData !== undefined && !isObject(fileData)) {
    problems.add('', 'a scenario file must hold a mapping (name, target, load, trigger, budget, report)');
    problems.throwIfAny();
  }
  const raw: Raw = structuredClone((fileData as Raw | undefined) ?? {});
  if (typeof raw.trigger === 'string') raw.trigger = { command: raw.trigger };
  // `agents: 3` is short for `agents: {count: 3}`.
  if (isObject(raw.load) && (typeof raw.load.agents === 'number' || typeof raw.load.agents === 'string')) raw.load.agents = { count: raw.load.agents };
  checkUnknownFields(raw, problems);

  // A release action given as a flag replaces the file's, whichever kind the file had.
  const actionFlags = ACTION_FLAGS.filter((f) => flags[f] !== undefined && flags[f] !== false);
  if (actionFlags.length > 0 && isObject(raw.trigger)) {
    for (const key of RELEASE_ACTION_KEYS) delete raw.trigger[key];
  }
  const origin = new Map<string, string>();
  for (const [flag, path, name] of FLAG_PATHS) {
    const value = flags[flag];
    if (value === undefined) continue;
    setPath(raw, path, value);
    origin.set(path, name);
  }
  if (flags.emulator === true && !isObject(getPath(raw, 'kubernetes.emulator'))) setPath(raw, 'kubernetes.emulator', {});

  const r = readerOf(raw, origin, problems);
  const target = resolveTarget(r, flags, fileData, ctx);
  const actions = releaseActionsOf(r);
  const load = resolveLoad(r, { http2: target.http2, hasTrigger: actions.length > 0, timeoutMs: target.timeoutMs, grpc: target.grpc !== undefined });
  const trigger = resolveTrigger(r, ctx, actions);
  const kubernetes = resolveKubernetes(r, ctx);
  const budget = resolveBudget(r);
  const report = resolveReport(r, ctx);
  const name = r.text('name') ?? (target.url ? safeName(target.url) : 'run');

  problems.throwIfAny('run `zerodrop run --help` for every option with an example');
  return { name, target, load, trigger, kubernetes, budget, report };
}

/** A file-system-safe run name from a URL (host and path). */
function safeName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `-${u.port}` : ''}`.replace(/[^A-Za-z0-9.-]+/g, '-');
  } catch {
    return 'run';
  }
}
