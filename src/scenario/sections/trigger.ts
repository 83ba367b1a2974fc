import { parseDuration } from '../parse.js';
import type { Scenario, TriggerAction } from '../types.js';
import { isObject, type ResolveContext, type ScenarioReader } from './reader.js';

/** The fields of `trigger` that each name a release action (one per run; patch and patchFile go together). */
export const RELEASE_ACTION_KEYS = ['command', 'restart', 'image', 'patch', 'patchFile', 'apply', 'watch'] as const;

/** The release actions the merged scenario gives, in RELEASE_ACTION_KEYS order (a `false` switch is none). */
export function releaseActionsOf(r: ScenarioReader): string[] {
  return RELEASE_ACTION_KEYS.filter((k) => {
    const v = r.get(`trigger.${k}`);
    return v !== undefined && v !== false;
  });
}

function triggerAction(r: ScenarioReader, ctx: ResolveContext, kind: string): TriggerAction {
  const { problems, label, text } = r;
  switch (kind) {
    case 'restart':
      return { kind: 'restart' };
    case 'watch':
      return { kind: 'watch' };
    case 'image':
      return { kind: 'image', image: text('trigger.image') ?? '' };
    case 'apply': {
      const file = text('trigger.apply');
      return { kind: 'apply', file: file === undefined ? '' : ctx.resolvePath(file, r.fromFlag('trigger.apply')) };
    }
    case 'patch':
    case 'patchFile': {
      const patchType = r.get('trigger.patchType') ?? 'strategic';
      if (!['strategic', 'merge', 'json'].includes(patchType as string)) problems.add(label('trigger.patchType'), 'expected strategic, merge or json');
      let patch = r.get('trigger.patch') as string | object | undefined;
      let file = text('trigger.patchFile');
      if (typeof patch === 'string' && patch.startsWith('@')) {
        file = patch.slice(1);
        patch = undefined;
      }
      return { kind: 'patch', patch, file: file === undefined ? undefined : ctx.resolvePath(file, r.fromFlag('trigger.patch')), patchType: patchType as 'strategic' };
    }
    default:
      return { kind: 'command', command: text('trigger.command') ?? '' };
  }
}

/**
 * The `trigger` section: the one release action (`actions`, from releaseActionsOf) and the
 * baseline, cooldown and timeout around it; undefined without an action. An action that changes
 * a Deployment needs the kubernetes section.
 */
export function resolveTrigger(r: ScenarioReader, ctx: ResolveContext, actions: readonly string[]): Scenario['trigger'] {
  const { problems, label, optional } = r;
  if (actions.length > 1 && !(actions.length === 2 && actions.includes('patch') && actions.includes('patchFile'))) {
    problems.add('trigger', `give one release action, not ${actions.map((k) => label(`trigger.${k}`)).join(' and ')}`);
  }
  if (actions.length === 0) {
    for (const path of ['trigger.baseline', 'trigger.cooldown', 'trigger.timeout']) {
      if (r.get(path) !== undefined) problems.add(label(path), 'only applies with a trigger (--trigger "command")');
    }
    return undefined;
  }
  const trigger = {
    action: triggerAction(r, ctx, actions[0] as string),
    baselineMs: optional('trigger.baseline', parseDuration, 5000),
    cooldownMs: optional('trigger.cooldown', parseDuration, 5000),
    timeoutMs: optional('trigger.timeout', parseDuration, 600_000),
  };
  if (trigger.action.kind !== 'command' && !isObject(r.get('kubernetes'))) {
    problems.add(label(`trigger.${actions[0] as string}`), 'this release action changes a Kubernetes Deployment: name it with --deployment (kubernetes.deployment)');
  }
  return trigger;
}
