import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { RunData } from '../metrics/run-data.js';
import type { GeneratorHealth, Report, RolloutEventRecord, TimelinePoint, TriggerRecord } from './model.js';
import { REPORT_SCHEMA_VERSION } from './model.js';
import { diagnose } from '../analysis/diagnosis.js';
import { attachNearbyEvents, findOutages, nonZero } from '../analysis/outages.js';
import { phaseReports, sumIntervals, verdictWindow } from '../analysis/phases.js';
import { podCounts } from '../analysis/pods.js';
import { diagnoseIngress, withoutIngressErrors } from '../analysis/ingress-diagnosis.js';
import { LOAD_BALANCER_DIAGNOSIS_RULES } from '../analysis/load-balancer-diagnosis.js';
import { podServingMs, podSkewDiagnosis, podSpreadOf } from '../analysis/pod-spread.js';
import { diagnoseRollout, ROLLOUT_DIAGNOSIS_RULES } from '../analysis/rollout-diagnosis.js';
import { inGrpcTerms } from '../analysis/grpc-diagnosis.js';
import { judge, type RolloutResult } from '../analysis/verdict.js';
import { analyzeConnections, inMessages, STREAM_SAFE_DIAGNOSES, unitOf } from '../analysis/connections.js';
import type { ConnectionRecording } from '../streams/connection-log.js';
import type { Check, Diagnosis, Verdict } from '../analysis/results.js';

/** Everything one run produced, and how to judge it. */
export interface AnalysisInput {
  run: RunData;
  /** Maximum acceptable failure rate in the verdict window, 0..1. */
  budget: number;
  /** Confidence of the upper bound, e.g. 0.95. */
  confidence: number;
  trigger: TriggerRecord | null;
  events: RolloutEventRecord[];
  generator: GeneratorHealth;
  meta: Report['meta'];
  /** The run was interrupted before it finished. */
  aborted: boolean;
  /** How the watched Kubernetes rollout ended (absent: none watched). */
  rollout?: RolloutResult | null;
  /** A WebSocket or SSE load's connection events: its units are messages, and its connections are judged too. */
  connections?: ConnectionRecording;
}

/** Turns a run into its report: phases, verdict with confidence bound, outage windows, latency, diagnosis. Pure. */
export function analyzeRun(input: AnalysisInput): Report {
  const { run } = input;
  const lastIntervalEnd = run.intervals.reduce((m, iv) => Math.max(m, iv.tMs + run.intervalMs), 0);
  const runEnd = Math.max(run.durationMs, lastIntervalEnd);

  const totals = sumIntervals(run.intervals, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const span = verdictWindow(run.phases, run.durationMs);
  const windowCounts = sumIntervals(run.intervals, span.startMs, span.endMs);
  const phases = phaseReports(run);
  const baselineSpan = run.phases.find((p) => p.name === 'baseline');
  const baseline = baselineSpan === undefined ? null : sumIntervals(run.intervals, baselineSpan.startMs, baselineSpan.endMs);
  const events = [...input.events].sort((a, b) => a.tMs - b.tMs);
  // Every unsent request counts, the warmup's too: a generator that could not keep the warmup's
  // schedule is one that fell behind, and the report must not say every request went out on time.
  const warmup = run.phases.find((p) => p.name === 'warmup');
  const warmupUnsent = warmup === undefined ? 0 : sumIntervals(run.intervals, Number.NEGATIVE_INFINITY, warmup.endMs).unsent;
  const unsent = Math.max(totals.unsent, input.generator.unsent);

  const judged = judge({
    window: windowCounts,
    windowLabel: span.label,
    totals,
    failures: totals.failures,
    windowFailures: windowCounts.failures,
    unsent,
    warmupUnsent,
    baseline,
    budget: input.budget,
    confidence: input.confidence,
    trigger: input.trigger,
    rollout: input.rollout ?? null,
    generator: input.generator,
    aborted: input.aborted,
  });

  const outages = attachNearbyEvents(findOutages(run.intervals, run.intervalMs), events);

  const basePhase = phases.find((p) => p.name === 'baseline');
  const rolloutPhase = phases.find((p) => p.name === 'rollout');
  const rolloutVsBaseline =
    basePhase !== undefined && rolloutPhase !== undefined && basePhase.latency.count > 0 && rolloutPhase.latency.count > 0 && basePhase.latency.p99Ms > 0
      ? {
          baselineP99Ms: basePhase.latency.p99Ms,
          rolloutP99Ms: rolloutPhase.latency.p99Ms,
          ratio: rolloutPhase.latency.p99Ms / basePhase.latency.p99Ms,
        }
      : null;

  const points: TimelinePoint[] = run.intervals.map((iv) => ({
    tMs: iv.tMs,
    sent: iv.sent,
    succeeded: iv.succeeded,
    failed: iv.failed,
    unsent: iv.unsent,
    failures: nonZero(iv.failures),
  }));
  const p99 = run.latency
    .p99Series()
    .filter((s) => s.count > 0)
    .map((s) => ({ tMs: s.tMs, p99Ms: s.p99Ms }));

  const failures = { ...totals.failures };
  // Causes read from the rollout's own events come first: they name the setting to change. The
  // generic, class-based ones follow for what the events do not explain.
  const pods = run.pods === undefined ? undefined : podCounts(run.pods, events, run.intervalMs);
  const perPod = pods === undefined ? undefined : Object.fromEntries(pods.map((p) => [p.pod, p.failures]));
  const ingressName = input.meta.cluster?.['ingress'];
  const ingressInput = { outages, events, statusCodes: run.statusCodes, intervalMs: run.intervalMs, ...(perPod === undefined ? {} : { perPod }), ...(typeof ingressName === 'string' ? { ingress: ingressName } : {}) };
  const rolloutDiagnosis =
    events.length === 0
      ? []
      : diagnoseRollout({
          outages: withoutIngressErrors(ingressInput),
          events,
          keepAlive: input.meta.load.keepAlive,
          errorCodes: run.errorCodes,
          statusCodes: run.statusCodes,
          intervalMs: run.intervalMs,
          ...(perPod === undefined ? {} : { perPod }),
          ...(run.newConnectionResets === undefined ? {} : { newConnectionResets: run.newConnectionResets }),
          ...(typeof input.meta.cluster?.dataplane === 'string' ? { dataplane: input.meta.cluster.dataplane } : {}),
        }, [...ROLLOUT_DIAGNOSIS_RULES, ...LOAD_BALANCER_DIAGNOSIS_RULES]);
  // The front door's own errors (502/503/504 no pod answered) when the traffic went through an Ingress.
  const ingressDiagnosis = diagnoseIngress(ingressInput).map(({ id, cause, evidence, fix }) => ({ id, cause, evidence, fix }));
  const genericDiagnosis = diagnose({
    window: { ...windowCounts, ...span },
    baseline,
    totals,
    outages,
    statusCodes: run.statusCodes,
    errorCodes: run.errorCodes,
    events,
    trigger: input.trigger,
    generator: input.generator,
  });
  // How the load spread over the pods: a warning when few connections (HTTP/2 sessions) pinned it to one.
  const podsSeen = new Set(events.filter((e) => e.type === 'pod-ready').map((e) => e.object)).size;
  const podSpread = pods === undefined || run.pods === undefined ? undefined : podSpreadOf(pods, podsSeen, podServingMs(run.pods, run.intervalMs));
  const load = input.meta.load;
  const skew =
    podSpread === undefined
      ? undefined
      : podSkewDiagnosis(podSpread, {
          http2: load.http2 !== undefined,
          model: load.model,
          ...(load.connections === undefined ? {} : { connections: load.connections }),
        });
  const found = [...ingressDiagnosis, ...rolloutDiagnosis, ...genericDiagnosis, ...(skew === undefined ? [] : [skew])];
  // gRPC calls fail for the same reasons as HTTP requests, but drain and are fixed differently.
  let diagnosis = load.grpc === undefined ? found : inGrpcTerms(found, run.statusCodes);
  let verdict = judged.verdict;
  let reasons = judged.reasons;
  let checks = judged.checks;
  let connections: Report['connections'];
  if (input.connections !== undefined) {
    const c = analyzeConnections({
      recording: input.connections,
      messages: { sent: totals.sent, answered: totals.succeeded, lost: totals.failures.reset, timedOut: totals.failures.timeout },
      window: span,
      endMs: run.durationMs,
      budget: input.budget,
      events,
    });
    connections = c.report;
    ({ verdict, reasons, checks } = withConnectionCheck(judged.checks.map((k) => inMessages(k, unitOf(c.report.kind))), c.check, judged.verdict));
    // The request rules speak of HTTP requests; those that read right for messages stay, after the connection findings.
    diagnosis = [...c.diagnosis, ...diagnosis.filter((d) => STREAM_SAFE_DIAGNOSES.includes(d.id))];
  }

  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    verdict,
    reasons,
    aborted: input.aborted,
    totals: { sent: totals.sent, succeeded: totals.succeeded, failed: totals.failed, unsent },
    window: { sent: windowCounts.sent, succeeded: windowCounts.succeeded, failed: windowCounts.failed, startMs: span.startMs, endMs: span.endMs },
    failures: Object.fromEntries(FAILURE_CLASSES.map((c) => [c, failures[c]])) as Report['failures'],
    statusCodes: sortedRecord(run.statusCodes, (a, b) => Number(a) - Number(b) || byCodePoint(a, b)),
    errorCodes: sortedRecord(run.errorCodes, byCodePoint),
    budget: {
      maxFailureRate: input.budget,
      observedFailureRate: judged.observedFailureRate,
      upperBound: judged.upperBound,
      confidence: input.confidence,
      requiredRequests: judged.requiredRequests,
    },
    phases,
    latency: { overall: run.latency.summarize(0, runEnd), rolloutVsBaseline },
    outages,
    timeline: {
      intervalMs: run.intervalMs,
      points,
      p99,
      ...(run.retried === undefined ? {} : { retried: run.retried.intervals }),
      ...(run.goaways === undefined ? {} : { goaways: run.goaways }),
    },
    events,
    trigger: input.trigger,
    checks,
    diagnosis,
    generator: input.generator,
    meta: input.meta,
    ...(pods === undefined ? {} : { pods }),
    ...(podSpread === undefined ? {} : { podSpread }),
    ...(run.retried === undefined ? {} : { retried: { total: run.retried.total, byReason: run.retried.byReason } }),
    ...(connections === undefined ? {} : { connections }),
  };
}

/**
 * Adds the connection check to a stream load's checks: it fails the run like the message budget
 * does; the reasons are rebuilt in the verdict's order (failures first, then the message budget).
 */
function withConnectionCheck(checks: Check[], check: Check, verdict: Verdict): { verdict: Verdict; reasons: string[]; checks: Check[] } {
  const all = [...checks, check];
  const v: Verdict = all.some((c) => c.status === 'fail') ? 'fail' : verdict === 'inconclusive' || check.status === 'inconclusive' ? 'inconclusive' : 'pass';
  const rank = (c: Check): number => (c.status === 'fail' ? 0 : c.status === 'inconclusive' ? 1 : c.id === 'failure-budget' ? 2 : c.id === check.id ? 3 : c.status === 'warn' ? 4 : 5);
  const reasons = [...new Set(all.filter((c) => rank(c) < 5).sort((a, b) => rank(a) - rank(b)).map((c) => c.message))];
  return { verdict: v, reasons, checks: all };
}

function sortedRecord(rec: Readonly<Record<string, number>>, cmp: (a: string, b: string) => number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(rec).sort(cmp)) out[k] = rec[k] as number;
  return out;
}

// Locale-free, so the order is the same on every machine (and matches renderJson).
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
