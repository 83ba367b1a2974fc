/*
 * Diagnosis of a cloud load balancer in front of the Service: its own 502/503/504 answers read
 * against its target events (registered, healthy, unhealthy, draining, deregistered) and the pod
 * events. An answer is the load balancer's own when it carries no pod header (the app names its
 * pod in every answer; an ALB's own pages say `Server: awselb/2.0` and nothing of the app).
 */
import type { FailureClass } from '../metrics/outcome.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { OutageWindow } from './results.js';
import type { RankedDiagnosis, RolloutDiagnosisInput, RolloutDiagnosisRule } from './rollout-diagnosis.js';

/** Types of the load balancer's target events. */
export const TARGET_EVENT_TYPES = ['target-registered', 'target-healthy', 'target-unhealthy', 'target-draining', 'target-deregistered'] as const;

/** The namespace label that turns the AWS Load Balancer Controller's pod readiness gate on. */
const GATE_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject=enabled';
/** How far back a target change may explain a window (health checks and drains take seconds). */
const LOOKBACK_MS = 15_000;

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function nameOf(object: string): string {
  const i = object.indexOf('/');
  return i < 0 ? object : object.slice(i + 1);
}

function sorted(input: RolloutDiagnosisInput): RolloutEventRecord[] {
  return [...input.events].sort((a, b) => a.tMs - b.tMs);
}

/** True when the run saw a load balancer's target events: the traffic went through one. */
export function hasLoadBalancer(events: readonly RolloutEventRecord[]): boolean {
  return events.some((e) => (TARGET_EVENT_TYPES as readonly string[]).includes(e.type));
}

function count(o: OutageWindow, classes: readonly FailureClass[]): number {
  let n = 0;
  for (const c of classes) n += o.failures[c] ?? 0;
  return n;
}

/** Answers with these status codes over the run (the load balancer's own codes: 502, 503, 504). */
function ownAnswers(input: RolloutDiagnosisInput, codes: readonly string[]): number {
  const total = codes.reduce((s, c) => s + (input.statusCodes?.[c] ?? 0), 0);
  return total;
}

/** Evidence that the answers were the load balancer's own: 5xx that named no pod. */
function ownNote(input: RolloutDiagnosisInput): string {
  if (input.perPod === undefined || input.statusCodes === undefined) return '';
  const lb5xx = ['502', '503', '504'].reduce((s, c) => s + (input.statusCodes?.[c] ?? 0), 0);
  const byPods = Object.values(input.perPod).reduce((s, p) => s + (p.http_5xx ?? 0), 0);
  const own = Math.max(0, lb5xx - byPods);
  return own > 0 ? `; ${plural(own, '502/503/504 answer')} named no pod: the load balancer answered ${own === 1 ? 'it' : 'them'} itself` : '';
}

function codeWords(input: RolloutDiagnosisInput, code: string): string {
  const n = input.statusCodes?.[code] ?? 0;
  return n > 0 ? ` (${code} x${n} over the run)` : '';
}

/** Windows overlapping a span (with a margin: events are stamped when the watch delivers them). */
function overlapping(input: RolloutDiagnosisInput, startMs: number, endMs: number, classes: readonly FailureClass[]): OutageWindow[] {
  const margin = Math.max(input.intervalMs ?? 100, 500);
  return input.outages.filter((o) => count(o, classes) > 0 && o.startMs < endMs + margin && o.endMs > startMs - margin);
}

function spans(windows: readonly OutageWindow[]): string {
  return windows.slice(0, 3).map((o) => `${secs(o.startMs)}-${secs(o.endMs)}`).join(', ') + (windows.length > 3 ? ` and ${plural(windows.length - 3, 'more window')}` : '');
}

function sum(windows: readonly OutageWindow[], classes: readonly FailureClass[]): number {
  return windows.reduce((s, o) => s + count(o, classes), 0);
}

/**
 * Spans in which an old target left (draining) while a new one was still in its initial health
 * checks: from the first such departure to the new target's first healthy (or the end).
 */
export function replacedBeforeHealthySpans(events: readonly RolloutEventRecord[]): Array<{ startMs: number; endMs: number; target: string; leaving: string }> {
  const out: Array<{ startMs: number; endMs: number; target: string; leaving: string }> = [];
  for (const reg of events) {
    if (reg.type !== 'target-registered') continue;
    const target = nameOf(reg.object);
    const settled = events.find((e) => e.tMs >= reg.tMs && nameOf(e.object) === target && (e.type === 'target-healthy' || e.type === 'target-draining' || e.type === 'target-deregistered'));
    const endMs = settled?.tMs ?? Number.POSITIVE_INFINITY;
    const leaving = events.find((e) => e.type === 'target-draining' && nameOf(e.object) !== target && e.tMs >= reg.tMs && e.tMs <= endMs);
    if (leaving !== undefined) out.push({ startMs: leaving.tMs, endMs, target, leaving: nameOf(leaving.object) });
  }
  return out;
}

/**
 * 5xx while new targets were still in their initial health checks and old ones were leaving:
 * Kubernetes replaced the pods faster than the load balancer found their replacements healthy,
 * so it had no healthy target (503) or only ones that were going.
 */
export const lbTargetsNotHealthyRule: RolloutDiagnosisRule = (input) => {
  const events = sorted(input);
  if (!hasLoadBalancer(events)) return null;
  const found = replacedBeforeHealthySpans(events);
  const windows = [...new Set(found.flatMap((f) => overlapping(input, f.startMs, f.endMs, ['http_5xx'])))].sort((a, b) => a.startMs - b.startMs);
  if (windows.length === 0) return null;
  const windowed = sum(windows, ['http_5xx']);
  const n = input.statusCodes === undefined ? windowed : Math.min(windowed, Math.max(ownAnswers(input, ['503']), 1));
  const targets = [...new Set(found.map((f) => f.target))];
  return {
    id: 'lb-target-not-healthy',
    cause: "pods were replaced before their load balancer targets were healthy: Kubernetes counted a new pod ready and removed an old one while the load balancer still ran the new target's initial health checks, so it had no healthy target to send to (503)",
    evidence: `${plural(windowed, 'request')} answered 5xx at ${spans(windows)}, while old targets were draining and ${plural(targets.length, 'new target')} (${targets.slice(0, 3).join(', ')}${targets.length > 3 ? ', ...' : ''}) had not yet passed the load balancer's health checks${codeWords(input, '503')}${ownNote(input)}`,
    fix: `label the namespace ${GATE_LABEL} (AWS Load Balancer Controller pod readiness gate), so a new pod is Ready only once its target is healthy and the rollout waits for the load balancer; without the gate, set minReadySeconds above the time to healthy (healthy threshold x interval, plus registration)`,
    weight: n,
  };
};

/**
 * Pods gone (exited, deleted) before the load balancer deregistered their targets: it kept
 * forwarding requests to a pod that no longer served them, so they failed (502).
 */
export const lbTargetGoneRule: RolloutDiagnosisRule = (input) => {
  const events = sorted(input);
  if (!hasLoadBalancer(events)) return null;
  const classes: FailureClass[] = ['http_5xx', 'reset', 'refused'];
  const found: Array<{ pod: string; termMs: number; goneMs: number; drainMs: number | undefined }> = [];
  // A terminating pod is gone once its containers ended: not-ready while terminating, killed or deleted.
  const terminatingSince = new Map<string, number>();
  for (const gone of events) {
    if (gone.type === 'pod-terminating') terminatingSince.set(nameOf(gone.object), gone.tMs);
    const ended = gone.type === 'pod-deleted' || gone.type === 'pod-killed' || (gone.type === 'pod-not-ready' && terminatingSince.has(nameOf(gone.object)));
    if (!ended) continue;
    const pod = nameOf(gone.object);
    const drain = events.find((e) => (e.type === 'target-draining' || e.type === 'target-deregistered') && nameOf(e.object) === pod);
    if (drain !== undefined && drain.tMs <= gone.tMs) continue;
    // A pod with no target event at all never had a target (not selected, or never ready).
    if (drain === undefined && !events.some((e) => e.type.startsWith('target-') && nameOf(e.object) === pod)) continue;
    if (found.some((f) => f.pod === pod)) continue;
    found.push({ pod, termMs: terminatingSince.get(pod) ?? gone.tMs, goneMs: gone.tMs, drainMs: drain?.tMs });
  }
  const windows = [...new Set(found.flatMap((f) => overlapping(input, f.termMs, f.drainMs ?? f.goneMs + LOOKBACK_MS, classes)))].sort((a, b) => a.startMs - b.startMs);
  if (windows.length === 0) return null;
  const windowed = sum(windows, classes);
  const n = input.statusCodes === undefined ? windowed : Math.min(windowed, Math.max(ownAnswers(input, ['502']) + sum(windows, ['reset', 'refused']), 1));
  const first = found[0] as (typeof found)[number];
  const lag = first.drainMs === undefined ? 'its target never drained before the run ended' : `its target started draining ${secs(first.drainMs - first.goneMs)} after the pod was gone`;
  return {
    id: 'lb-target-stopped-before-deregistered',
    cause: 'pods stopped serving while the load balancer still sent them requests: a pod exited before its target was deregistered and drained, so the requests forwarded to it failed (502)',
    evidence: `${plural(windowed, 'request')} failed at ${spans(windows)}; ${plural(found.length, 'pod')} gone before ${found.length === 1 ? 'its target was' : 'their targets were'} deregistered (first: ${first.pod} began terminating at ${secs(first.termMs)}, gone at ${secs(first.goneMs)}; ${lag})${codeWords(input, '502')}${ownNote(input)}`,
    fix: 'add a preStop sleep at least as long as the deregistration delay (deregistration_delay.timeout_seconds) and longer than the load balancer takes to deregister a target, with terminationGracePeriodSeconds above both, so the pod serves until its target has drained',
    weight: n,
  };
};

/** Requests cut when a target's deregistration delay ended before they finished. */
export const lbDeregistrationDelayRule: RolloutDiagnosisRule = (input) => {
  const events = sorted(input);
  const cuts = events
    .filter((e) => e.type === 'target-deregistered' && e.message !== undefined)
    .map((e) => ({ e, n: Number(/cut (\d+) in-flight/.exec(e.message ?? '')?.[1] ?? 0) }))
    .filter((c) => c.n > 0);
  if (cuts.length === 0) return null;
  const n = cuts.reduce((s, c) => s + c.n, 0);
  const first = cuts[0] as (typeof cuts)[number];
  return {
    id: 'lb-deregistration-delay-short',
    cause: "the load balancer's deregistration delay ended while requests were still in flight on a draining target, and it cut them: the delay is shorter than the pod takes to finish its requests",
    evidence: `${plural(n, 'in-flight request')} cut at the end of a deregistration delay (first: ${first.e.object} at ${secs(first.e.tMs)})${codeWords(input, '502')}`,
    fix: 'raise deregistration_delay.timeout_seconds (service.beta.kubernetes.io/aws-load-balancer-target-group-attributes) above the longest request and the app\'s drain time, and keep the pod serving that long (preStop sleep >= the delay)',
    weight: n,
  };
};

/** The load balancer rules, tried with the rollout rules. */
export const LOAD_BALANCER_DIAGNOSIS_RULES: readonly RolloutDiagnosisRule[] = [lbTargetsNotHealthyRule, lbTargetGoneRule, lbDeregistrationDelayRule];

/** The load balancer's own findings (ranked), for callers that run them alone. */
export function diagnoseLoadBalancer(input: RolloutDiagnosisInput): RankedDiagnosis[] {
  return LOAD_BALANCER_DIAGNOSIS_RULES.map((r) => r(input)).filter((d): d is RankedDiagnosis => d !== null).sort((a, b) => b.weight - a.weight);
}
