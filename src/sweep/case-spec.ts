/**
 * A case's Deployment spec (the original with the case's settings written in) and the rules that
 * make a combination invalid: not run, reported with the reason. Pure.
 */
import type { V1Deployment, V1DeploymentSpec } from '@kubernetes/client-node';
import { DEFAULT_GRACE_SECONDS, preStopDelaySeconds, resolveIntOrPercent } from '../rollout/lint.js';
import { applySetting, SettingNotApplicable, type SweepField } from './fields.js';
import type { CaseSettings } from './sweep-spec.js';

/** A Deployment spec as plain JSON (what the API returns, what a patch sends). */
export type SpecJson = Record<string, unknown>;

/** The case's spec, or why the case cannot be built or would be rejected or meaningless. */
export type CaseSpec = { ok: true; spec: SpecJson } | { ok: false; reasons: string[] };

/** The original spec with the case's settings written in (a copy; the original is left as is). */
export function buildCaseSpec(original: SpecJson, fields: Record<string, SweepField>, settings: CaseSettings): CaseSpec {
  const spec = structuredClone(original);
  const reasons: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const field = fields[key];
    if (field === undefined) {
      reasons.push(`${key}: unknown field`);
      continue;
    }
    try {
      applySetting(spec, field, value);
    } catch (err) {
      if (err instanceof SettingNotApplicable) reasons.push(err.message);
      else throw err;
    }
  }
  if (reasons.length > 0) return { ok: false, reasons };
  const invalid = invalidReasons(spec);
  return invalid.length > 0 ? { ok: false, reasons: invalid } : { ok: true, spec };
}

/**
 * The rules a combination must meet to be worth running: at least one replica; a RollingUpdate
 * that can make progress (maxSurge and maxUnavailable, resolved against replicas, not both 0);
 * rolling-update bounds only with the RollingUpdate strategy; no preStop sleep longer than the
 * grace period (the kubelet would SIGKILL the pod mid-hook). Returns every rule broken.
 */
export function invalidReasons(specJson: SpecJson): string[] {
  const spec = specJson as unknown as V1DeploymentSpec;
  const reasons: string[] = [];
  const replicas = spec.replicas ?? 1;
  if (replicas < 1) reasons.push(`replicas ${replicas} < 1: nothing would serve the traffic`);
  const type = spec.strategy?.type ?? 'RollingUpdate';
  const ru = spec.strategy?.rollingUpdate;
  if (type === 'Recreate' && ru !== undefined && (ru.maxSurge !== undefined || ru.maxUnavailable !== undefined)) {
    reasons.push('maxSurge/maxUnavailable apply to the RollingUpdate strategy only, and this Deployment uses Recreate');
  } else if (type === 'RollingUpdate' && replicas >= 1) {
    const surge = resolveIntOrPercent(ru?.maxSurge, '25%', replicas, true);
    const unavailable = resolveIntOrPercent(ru?.maxUnavailable, '25%', replicas, false);
    if (surge === 0 && unavailable === 0) {
      reasons.push(
        `maxSurge ${String(ru?.maxSurge ?? '25%')} and maxUnavailable ${String(ru?.maxUnavailable ?? '25%')} both resolve to 0 with ${replicas} replica${replicas === 1 ? '' : 's'}: the rollout could not make progress`,
      );
    }
  }
  const grace = spec.template?.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  for (const c of spec.template?.spec?.containers ?? []) {
    const delay = preStopDelaySeconds(c.lifecycle?.preStop);
    if (typeof delay === 'number' && delay > grace) {
      reasons.push(`container ${c.name}: the preStop sleep (${delay} s) is longer than terminationGracePeriodSeconds (${grace} s): the pod would be killed mid-hook`);
    }
  }
  return reasons;
}

/** The Deployment's spec as plain JSON (dates as text, no class instances), safe to clone and send back. */
export function specOf(d: V1Deployment): SpecJson {
  return JSON.parse(JSON.stringify(d.spec ?? {})) as SpecJson;
}

/** Whether two specs are the same JSON (key order ignored). */
export function sameSpec(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined && x !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
