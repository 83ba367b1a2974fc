import type { AgentLoad } from '../agents/index.js';
import { analyzeRun } from '../report/build-report.js';
import type { RunData } from '../metrics/run-data.js';
import { redactUrl } from '../redact.js';
import type { GeneratorHealth, ReachabilityRecord, Report } from '../report/model.js';
import { rolloutMeta, snapshotRollout, type RolloutSnapshot } from '../rollout/triggers.js';
import type { RolloutWatch } from '../rollout/watcher.js';
import type { Scenario } from '../scenario/types.js';
import type { LoadHealth, LoadOptions } from '../traffic/engine.js';
import { loadMetaOf } from './load-options.js';
import type { ClusterSession } from './cluster-session.js';
import type { PhasesOutcome } from './measure-steps.js';
import type { RunEnvironment } from './run-environment.js';

// The report of one measurement (executeRun's `measure`): its meta, the analysis and what the run adds to it, the rollback.

/** When the measurement ran and what it measured, for the meta. */
export interface MeasuredSpan {
  startedAt: Date;
  endedAt: Date;
  /** The load's start and end on the run clock. */
  loadStartMs: number;
  loadEndMs: number;
}

/** report.meta of a measurement; on a cluster it reads the Deployment as it is after the run. */
export async function reportMetaOf(scenario: Scenario, env: RunEnvironment, session: ClusterSession | undefined, loadOptions: LoadOptions, span: MeasuredSpan, before: RolloutSnapshot | undefined): Promise<Report['meta']> {
  const k8s = scenario.kubernetes;
  const load: Report['meta']['load'] = { ...loadMetaOf(scenario, loadOptions), durationMs: span.loadEndMs - span.loadStartMs };

  let after: RolloutSnapshot | undefined;
  if (session && k8s) after = await snapshotRollout(session.cluster, k8s.deployment, session.namespace).catch(() => undefined);

  const meta: Report['meta'] = {
    ...env.meta,
    name: scenario.name,
    startedAt: span.startedAt.toISOString(),
    endedAt: span.endedAt.toISOString(),
    target: { url: redactUrl(loadOptions.url), method: scenario.target.method },
    load,
  };
  if (session && k8s) {
    meta.cluster = {
      ...rolloutMeta(session.cluster, k8s.deployment, before, after),
      ...(session.dataplane === undefined ? {} : { dataplane: session.dataplane }),
      // The front door the traffic went through: the diagnosis reads the ingress's own errors by it.
      ...(k8s.ingress === undefined || scenario.target.url !== undefined ? {} : { ingress: k8s.ingress }),
    };
  }
  return meta;
}

/** What the run adds to the analysis: how it went besides the counts. */
export interface RunExtras {
  health: LoadHealth;
  phases: PhasesOutcome;
  watch: RolloutWatch | undefined;
  reachability: ReachabilityRecord;
  session: ClusterSession | undefined;
  agentLoad: AgentLoad | undefined;
  /** Requests in flight when a second signal stopped the wait for them (0: none). */
  abandoned: number;
}

/** Judges the run and adds what the run knows besides the counts: reachability, preflight, the agents, abandoned requests. */
export function analyzeMeasured(scenario: Scenario, env: RunEnvironment, run: RunData, meta: Report['meta'], x: RunExtras): Report {
  const generator = generatorHealthOf(x.health, run.intervals.reduce((n, i) => n + i.unsent, 0));
  const report = analyzeRun({
    run,
    budget: scenario.budget.maxFailureRate,
    confidence: scenario.budget.confidence,
    trigger: x.phases.trigger,
    rollout: x.phases.rollout,
    events: x.watch?.events() ?? [],
    generator,
    aborted: env.signal.aborted,
    meta,
  });
  report.reachability = x.reachability;
  if (x.session) report.preflight = x.session.preflight;
  if (x.agentLoad) report.agents = x.agentLoad.agentReports();
  if (x.abandoned > 0) report.reasons.push(`a second signal stopped the wait for the requests still in flight (${x.abandoned} at that moment): those unanswered are counted as timeouts`);
  return report;
}

/** The report's view of the generator's health (`unsent` counted from the run's intervals). */
function generatorHealthOf(h: LoadHealth, unsent: number): GeneratorHealth {
  return {
    unsent,
    scheduleLagP99Ms: h.scheduleLagP99Ms,
    scheduleLagMaxMs: h.scheduleLagMaxMs,
    eventLoopDelayP99Ms: h.eventLoopDelayP99Ms,
    eventLoopDelayMaxMs: h.eventLoopDelayMaxMs,
    workers: h.workers.length,
    saturated: h.saturated,
    perWorker: h.workers.map((w) => ({
      eventLoopDelayP99Ms: w.eventLoopDelayP99Ms,
      eventLoopDelayMaxMs: w.eventLoopDelayMaxMs,
      eventLoopUtilization: w.eventLoopUtilization,
      scheduleLagP99Ms: w.scheduleLagP99Ms,
      scheduleLagMaxMs: w.scheduleLagMaxMs,
      sent: w.sent,
      unsent: w.unsent,
    })),
    saturationReasons: h.saturationReasons,
  };
}

/** `rollbackOnFail`: rolls the Deployment back after a failing verdict and says how it went in the report. */
export async function rollBack(report: Report, session: ClusterSession, k8s: NonNullable<Scenario['kubernetes']>, env: RunEnvironment): Promise<void> {
  const { clock, signal } = env;
  env.onNote?.(`the verdict is fail: rolling deployment/${k8s.deployment} back to its previous revision...`);
  try {
    const { rollbackDeployment } = await import('./kubernetes-parts.js');
    const rb = await rollbackDeployment(session.cluster, {
      deployment: k8s.deployment,
      namespace: session.namespace,
      clock,
      timeoutMs: k8s.rolloutTimeoutMs,
      signal,
      ...(k8s.service === undefined ? {} : { service: k8s.service }),
    });
    rb.watch?.stop();
    report.rollback = { fromRevision: rb.fromRevision ?? null, toRevision: rb.toRevision, replicaSet: rb.replicaSet, status: rb.outcome.status, message: rb.outcome.message };
    report.reasons.push(
      rb.outcome.status === 'complete'
        ? `rolled back deployment/${k8s.deployment} to revision ${rb.toRevision} (${rb.replicaSet})`
        : `the rollback of deployment/${k8s.deployment} to revision ${rb.toRevision} did not complete: ${rb.outcome.message}`,
    );
  } catch (err) {
    report.rollback = { fromRevision: null, toRevision: '', replicaSet: '', status: 'failed', message: (err as Error).message };
    report.reasons.push(`the rollback of deployment/${k8s.deployment} failed: ${(err as Error).message}`);
  }
}
