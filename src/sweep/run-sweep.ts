/**
 * Runs a sweep: for each case (every repeat round goes through every case, so drift over time
 * spreads evenly), puts the case's settings on the Deployment and waits for that rollout to settle
 * (not measured), then runs the scenario's measured release under load on the same cluster session.
 * Puts the Deployment's spec back as it was before the sweep at the end, also when interrupted or
 * failing. On the emulator one emulator serves the whole sweep.
 */
import type { Clock } from '../clock.js';
import { InvalidInputError, ZerodropError } from '../errors.js';
import type { Report } from '../report/model.js';
import { preflightRollout } from '../rollout/preflight.js';
import { openClusterSession, type ClusterSession } from '../runner/cluster-session.js';
import { executeRun, type LivePhase, type RunEnvironment } from '../runner/execute-run.js';
import { redactDeep, redactUrl, secretsOfScenario } from '../redact.js';
import type { Scenario } from '../scenario/types.js';
import type { LoadProgress } from '../traffic/engine.js';
import { buildCaseSpec, specOf, type SpecJson } from './case-spec.js';
import { putSpec, waitSettled, type DeploymentRef } from './deployment-control.js';
import { SWEEP_SCHEMA_VERSION, type CaseResult, type RepeatResult, type RestoreResult, type SweepResult } from './model.js';
import { caseVerdict, recommend, repeatOf, sortCases, summarize, worstRepeatIndex } from './summarize.js';
import { expandCases, fixedSettings, type SweepCase, type SweepSpec } from './sweep-spec.js';

/** Where a case stands, for progress lines. */
export type SweepStep = 'prepare' | 'measure';

/** What a sweep needs from its surroundings; the CLI passes the real ones. */
export interface SweepEnvironment {
  /** A fresh clock for each measured run (each report's offsets start at its own t0). */
  newClock: () => Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Stops the sweep (Ctrl-C): the current run ends as interrupted, no further case starts, the Deployment is restored. */
  signal: AbortSignal;
  /** Stops waiting for the restore's rollout (a second Ctrl-C); the restore itself is still sent. */
  restoreSignal?: AbortSignal;
  /** Shortens the current run's waits (a second Ctrl-C; see RunEnvironment.hurry). */
  hurry?: AbortSignal;
  /** Owns the process groups the runs start (see RunEnvironment.processes). */
  processes?: RunEnvironment['processes'];
  /**
   * Facts for every report's meta, audit facts included (the sweep's scenario as run; each
   * case's settings are in meta.cluster.sweepCase); each run's id is `<runId>-<case>-r<repeat>`.
   */
  meta: RunEnvironment['meta'];
  onProgress?: (phase: LivePhase, progress: LoadProgress) => void;
  onTriggerOutput?: (chunk: string) => void;
  onNote?: (note: string) => void;
  /** A case's repeat is starting a step. */
  onStep?: (step: SweepStep, c: SweepCase, repeat: number, position: { index: number; of: number }) => void;
  /**
   * A repeat's report is ready (write it now, so an interrupted sweep keeps it). Returns the folder
   * it went to, relative to the sweep's folder, when it wrote one.
   */
  onReport?: (c: SweepCase, repeat: number, report: Report, repeats: number) => string | undefined;
}

interface CaseState {
  c: SweepCase;
  spec: SpecJson | undefined;
  invalid: string[];
  error: string | undefined;
  repeats: RepeatResult[];
  reports: Report[];
}

/** Checks that the scenario can be swept: a Deployment, and a release that zerodrop starts. */
export function checkSweepScenario(scenario: Scenario): void {
  const problems: Array<{ path: string; message: string }> = [];
  if (scenario.kubernetes === undefined) problems.push({ path: 'kubernetes.deployment', message: 'a sweep changes a Deployment: name it (kubernetes.deployment, --deployment) and its cluster or the emulator' });
  if (scenario.trigger === undefined) problems.push({ path: 'trigger', message: 'a sweep measures a release under load: give one (trigger.image, trigger.restart, --restart, --image...)' });
  else if (scenario.trigger.action.kind === 'watch') problems.push({ path: 'trigger.watch', message: 'a sweep runs the release itself for every case: use restart, image, patch, apply or a command, not watch' });
  if (problems.length > 0) throw new InvalidInputError(problems, 'run `zerodrop sweep --help` for an example');
}

/**
 * Runs the sweep and returns its record (sorted cases, recommendation, how the restore went).
 * Throws before any change to the Deployment on bad input (every case invalid: InvalidInputError)
 * or an unreachable cluster; after that every ending — done, interrupted, a case that errors —
 * yields a result. A session passed in is used and left open; else one is opened and stopped.
 */
export async function runSweep(scenario: Scenario, spec: SweepSpec, env: SweepEnvironment, opts: { session?: ClusterSession } = {}): Promise<SweepResult> {
  checkSweepScenario(scenario);
  const k8s = scenario.kubernetes as NonNullable<Scenario['kubernetes']>;
  const startedAt = new Date();
  const cases = expandCases(spec);
  let session = opts.session;
  if (session === undefined) {
    env.onNote?.(k8s.emulator ? 'starting the embedded Kubernetes emulator and applying the manifests...' : `connecting to the cluster for deployment/${k8s.deployment}...`);
    session = await openClusterSession(k8s, scenario.target, { signal: env.signal });
  }
  const own = opts.session === undefined;
  try {
    return await sweepOn(session, scenario, spec, cases, env, startedAt);
  } finally {
    if (own) await session.stop();
  }
}

async function sweepOn(session: ClusterSession, scenario: Scenario, spec: SweepSpec, cases: SweepCase[], env: SweepEnvironment, startedAt: Date): Promise<SweepResult> {
  const k8s = scenario.kubernetes as NonNullable<Scenario['kubernetes']>;
  const ref: DeploymentRef = { cluster: session.cluster, name: k8s.deployment, namespace: session.namespace };
  const original = specOf(await session.cluster.getDeployment(ref.name, ref.namespace));

  const states: CaseState[] = cases.map((c) => {
    const built = buildCaseSpec(original, spec.fields, c.settings);
    return { c, spec: built.ok ? built.spec : undefined, invalid: built.ok ? [] : built.reasons, error: undefined, repeats: [], reports: [] };
  });
  const runnable = states.filter((s) => s.spec !== undefined);
  if (runnable.length === 0) {
    throw new InvalidInputError(
      states.map((s) => ({ path: `case ${s.c.n} (${s.c.label})`, message: s.invalid.join('; ') })),
      'every combination is invalid: change the values, or vary other fields alongside (e.g. maxSurge with maxUnavailable)',
    );
  }
  for (const s of states) if (s.spec === undefined) env.onNote?.(`skipping case ${s.c.n} (${s.c.label}): ${s.invalid.join('; ')}`);

  // The measured runs never roll back on their own: the next case puts its own spec on anyway.
  const runScenario: Scenario = { ...scenario, kubernetes: { ...k8s, rollbackOnFail: false } };
  let restore: RestoreResult = { status: 'unchanged', message: 'the Deployment was not changed' };
  try {
    const total = runnable.length * spec.repeat;
    let index = 0;
    outer: for (let repeat = 1; repeat <= spec.repeat; repeat++) {
      for (const state of runnable) {
        if (env.signal.aborted) break outer;
        if (state.error !== undefined) continue;
        index++;
        const position = { index, of: total };
        try {
          env.onStep?.('prepare', state.c, repeat, position);
          await putSpec(ref, state.spec as SpecJson);
          await waitSettled(ref, { timeoutMs: k8s.rolloutTimeoutMs, settleMs: spec.settleMs, signal: env.signal });
          if (env.signal.aborted) break outer;
          const preflight = await preflightRollout(session.cluster, { deployment: ref.name, namespace: ref.namespace, ...(k8s.service === undefined ? {} : { service: k8s.service }) }).catch(() => session.preflight);
          env.onStep?.('measure', state.c, repeat, position);
          const { report } = await executeRun(
            { ...runScenario, name: `${scenario.name} #${state.c.n} ${state.c.label}` },
            {
              clock: env.newClock(),
              env: env.env,
              cwd: env.cwd,
              signal: env.signal,
              ...(env.hurry ? { hurry: env.hurry } : {}),
              ...(env.processes ? { processes: env.processes } : {}),
              meta: { ...env.meta, runId: `${env.meta.runId}-${String(state.c.n).padStart(2, '0')}-r${repeat}` },
              ...(env.onProgress ? { onProgress: env.onProgress } : {}),
              ...(env.onTriggerOutput ? { onTriggerOutput: env.onTriggerOutput } : {}),
              ...(env.onNote ? { onNote: env.onNote } : {}),
            },
            { session: { ...session, preflight } },
          );
          report.meta.cluster = { ...report.meta.cluster, sweepCase: { case: state.c.n, repeat, of: spec.repeat, settings: state.c.settings } };
          const result = repeatOf(report, repeat);
          const dir = env.onReport?.(state.c, repeat, report, spec.repeat);
          if (dir !== undefined) result.dir = dir;
          state.repeats.push(result);
          state.reports.push(report);
        } catch (err) {
          if (env.signal.aborted) break outer;
          if (!(err instanceof ZerodropError)) throw err;
          state.error = err.message + (err.hint ? ` (hint: ${err.hint})` : '');
          env.onNote?.(`case ${state.c.n} (${state.c.label}) could not be measured: ${err.message}`);
        }
      }
    }
  } finally {
    restore = await restoreSpec(ref, original, k8s.rolloutTimeoutMs, env);
  }

  const results: CaseResult[] = states.map((s) => caseResultOf(s, spec));
  const sorted = sortCases(results);
  // Case errors and reasons may quote the target URL or the trigger's command: no secret in sweep.json/md/html.
  // The Deployment's original spec is kept verbatim: it is what a user restores by hand.
  const { originalSpec, ...restoreFacts } = restore;
  const safe = redactDeep({ restore: restoreFacts, cases: sorted }, secretsOfScenario(scenario));
  return {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    kind: 'zerodrop-sweep',
    name: scenario.name,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    aborted: env.signal.aborted,
    deployment: ref.name,
    namespace: ref.namespace,
    repeat: spec.repeat,
    budget: { ...scenario.budget },
    fixed: fixedSettings(cases),
    vary: spec.axes.map((a) => ({ field: a.field.key, path: a.field.path, values: a.values })),
    recommendation: redactDeep(recommend(sorted, spec.repeat), secretsOfScenario(scenario)),
    restore: originalSpec === undefined ? safe.restore : { ...safe.restore, originalSpec },
    cases: safe.cases,
    meta: { tool: env.meta.tool, commandLine: env.meta.commandLine, target: redactUrl(session.targetUrl), cluster: session.cluster.facts() },
  };
}

async function restoreSpec(ref: DeploymentRef, original: SpecJson, timeoutMs: number, env: SweepEnvironment): Promise<RestoreResult> {
  env.onNote?.(`restoring deployment/${ref.name} to its spec before the sweep...`);
  const signal = env.restoreSignal ?? new AbortController().signal;
  try {
    const changed = await putSpec(ref, original);
    if (!changed) return { status: 'unchanged', message: `deployment/${ref.name} already had its spec before the sweep` };
    await waitSettled(ref, { timeoutMs, settleMs: 0, signal, waitTerminating: false });
    if (signal.aborted) return { status: 'aborted', message: `sent the original spec back to deployment/${ref.name}, but stopped waiting for its rollout` };
    return { status: 'restored', message: `deployment/${ref.name} is back to its spec before the sweep and rolled out` };
  } catch (err) {
    const message = (err as Error).message;
    const timedOut = err instanceof ZerodropError && err.code === 'E_SWEEP_NOT_SETTLED';
    return {
      status: timedOut ? 'timeout' : 'failed',
      message: `${timedOut ? 'the restore of' : 'could not restore'} deployment/${ref.name}${timedOut ? ' did not finish' : ''}: ${message}; its spec before the sweep is in sweep.json (restore.originalSpec)`,
      originalSpec: original,
    };
  }
}

function caseResultOf(s: CaseState, spec: SweepSpec): CaseResult {
  const wanted = spec.repeat;
  const paths: Record<string, string> = {};
  for (const key of Object.keys(s.c.settings)) paths[key] = spec.fields[key]?.path ?? key;
  const summary = summarize(s.repeats, s.reports);
  const worst = worstRepeatIndex(s.repeats);
  const report = worst < 0 ? null : (s.reports[worst] ?? null);
  let verdict: CaseResult['verdict'] = s.spec === undefined ? 'invalid' : s.error !== undefined ? 'error' : caseVerdict(wanted, s.repeats);
  if (s.error !== undefined && s.repeats.some((r) => r.verdict === 'fail' && !r.aborted)) verdict = 'fail';
  const reasons = s.spec === undefined ? s.invalid : s.error !== undefined ? [s.error] : report !== null ? report.reasons.slice(0, 3) : ['the sweep stopped before this case ran'];
  const result: CaseResult = { n: s.c.n, settings: s.c.settings, paths, label: s.c.label, slug: s.c.slug, verdict, reasons, summary, repeats: s.repeats, report };
  return result;
}
