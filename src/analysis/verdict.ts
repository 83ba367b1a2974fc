import type { FailureClass } from '../metrics/outcome.js';
import { FAILURE_CLASSES } from '../metrics/outcome.js';
import type { TriggerRecord } from '../rollout/command-trigger.js';
import type { GeneratorHealth } from '../traffic/generator-health.js';
import type { Check, CheckStatus, Counts, Verdict } from './results.js';
import { oneLine as flatten, stripControl } from '../text/escape.js';
import { formatCount, formatLatency, formatRate, formatSeconds, plural } from '../text/format.js';
import { clopperPearsonUpper, requiredRequests, requiredRequestsFor } from './confidence.js';

/** Everything the verdict rules look at. */
export interface VerdictInput {
  /** Requests the verdict judges (rollout + cooldown with a release command, else the measure phase). */
  window: Counts;
  /** How the window reads in a sentence, e.g. "during the rollout and cooldown". */
  windowLabel: string;
  /** Requests of the whole run, for "did the target answer at all". */
  totals: Counts;
  /** Failure classes over the whole run. */
  failures: Record<FailureClass, number>;
  /** Failure classes in the window (they add up to window.failed). */
  windowFailures: Record<FailureClass, number>;
  /** Scheduled requests never sent, over the whole run, warmup included. */
  unsent: number;
  /** Of those, the ones scheduled during the warmup. */
  warmupUnsent: number;
  /** Counts of the baseline phase; null when the run had none. */
  baseline: Counts | null;
  /** Maximum acceptable failure rate, 0..1. 0 means "none may fail", judged on observed failures alone. */
  budget: number;
  /** Confidence of the upper bound, e.g. 0.95. */
  confidence: number;
  trigger: TriggerRecord | null;
  /** How the watched Kubernetes rollout ended; null when no rollout was watched. */
  rollout?: RolloutResult | null;
  generator: GeneratorHealth;
  /** The run was interrupted (Ctrl-C) before it finished. */
  aborted: boolean;
}

/** How a watched rollout ended, as the coordinator saw it. */
export interface RolloutResult {
  status: 'complete' | 'failed' | 'timeout' | 'aborted';
  message: string;
  /** Deployment and its revision, for the message. */
  object: string;
}

/** The verdict, why, the checks behind it and the budget figures. */
export interface VerdictResult {
  verdict: Verdict;
  /** Plain words; the first is the headline. */
  reasons: string[];
  checks: Check[];
  observedFailureRate: number;
  upperBound: number;
  /** Requests with no failure a window needs to pass at this budget (1 for a budget of 0). */
  requiredRequests: number;
}

/** Stable check ids, in the order reports list them. */
export const CHECK_IDS = [
  'failure-budget',
  'no-unsent-requests',
  'trigger-succeeded',
  'rollout-completed',
  'target-answered',
  'generator-kept-schedule',
  'baseline-clean',
  'run-completed',
] as const;

/** One check id. */
export type CheckId = (typeof CHECK_IDS)[number];

// Which inconclusive check makes the better headline: what invalidates the measurement first.
const INCONCLUSIVE_ORDER: readonly CheckId[] = [
  'run-completed',
  'target-answered',
  'no-unsent-requests',
  'generator-kept-schedule',
  'trigger-succeeded',
  'rollout-completed',
  'failure-budget',
];

/**
 * Failure classes a load generator that fell behind can produce by itself: a request sent late,
 * or whose answer its stalled loop read late, times out; a stalled client's connections get cut
 * (reset); and `other` holds the client's own errors (EMFILE, EADDRNOTAVAIL, ...). An HTTP status
 * or a refused connection is the target's answer whatever the generator did.
 */
export const GENERATOR_MAY_CAUSE: readonly FailureClass[] = ['timeout', 'reset', 'other'];

/**
 * Judges a run. fail: the observed failure rate in the window is over the budget, or the release
 * command failed. pass: the exact upper bound is within the budget and the measurement was sound.
 * inconclusive otherwise: too few requests, unsent requests (warmup included), a saturated
 * generator, a target that never answered, or an interrupted run (which can fail on evidence,
 * never pass). When the generator fell behind (unsent or saturated), only failures it cannot have
 * caused (GENERATOR_MAY_CAUSE's complement) can fail the budget.
 */
export function judge(input: VerdictInput): VerdictResult {
  const { window, budget, confidence } = input;
  const observedFailureRate = window.sent === 0 ? 0 : window.failed / window.sent;
  const upperBound = clopperPearsonUpper(window.failed, window.sent, confidence);
  const required = budget <= 0 ? 1 : requiredRequests(budget, confidence);

  const checks: Check[] = [
    budgetCheck(input, observedFailureRate, upperBound),
    unsentCheck(input),
    triggerCheck(input),
    rolloutCheck(input),
    targetCheck(input),
    generatorCheck(input),
    baselineCheck(input),
    completedCheck(input),
  ];

  const verdict: Verdict = checks.some((c) => c.status === 'fail')
    ? 'fail'
    : checks.some((c) => c.status === 'inconclusive')
      ? 'inconclusive'
      : 'pass';

  const byId = (id: CheckId): Check => checks.find((c) => c.id === id) as Check;
  const ordered: Check[] = [
    ...checks.filter((c) => c.status === 'fail'),
    ...INCONCLUSIVE_ORDER.map(byId).filter((c) => c.status === 'inconclusive'),
    byId('failure-budget'),
    ...checks.filter((c) => c.status === 'warn'),
  ];
  const reasons = [...new Set(ordered.map((c) => c.message))];

  return { verdict, reasons, checks, observedFailureRate, upperBound, requiredRequests: required };
}

function check(id: CheckId, name: string, status: CheckStatus, message: string): Check {
  return { id, name, status, message };
}

/** The generator fell behind: requests it could not send on time, or a saturated generator. */
export function generatorFellBehind(input: Pick<VerdictInput, 'unsent' | 'generator'>): boolean {
  return input.unsent > 0 || input.generator.saturated;
}

function budgetCheck(input: VerdictInput, observed: number, upper: number): Check {
  const { window, windowLabel, budget, confidence, totals } = input;
  const name = `failed requests within the ${formatRate(budget)} budget`;
  const id = 'failure-budget';
  const pct = formatRate(budget);
  if (window.sent === 0) {
    return check(id, name, 'inconclusive', `no request was sent ${windowLabel}: there is nothing to judge`);
  }
  if (totals.sent > 0 && totals.succeeded === 0) {
    return check(id, name, 'inconclusive', 'not judged: no request succeeded at all, so the failures say nothing about the release');
  }
  const failedPart = window.failed === 0
    ? `none of the ${formatCount(window.sent)} requests ${windowLabel} failed`
    : `${formatCount(window.failed)} of ${formatCount(window.sent)} requests failed ${windowLabel} (${formatRate(observed)})`;
  if (observed > budget) {
    const over = budget === 0 ? `${failedPart}, and the budget allows none` : `${failedPart}, over the ${pct} budget`;
    if (!generatorFellBehind(input)) return check(id, name, 'fail', over);
    return behindCheck(input, over);
  }
  if (budget === 0) {
    return check(id, name, 'pass', `${failedPart}; the budget of 0 allows none`);
  }
  const level = formatRate(confidence);
  if (upper <= budget) {
    return check(id, name, 'pass', `${failedPart}; at ${level} confidence the failure rate is at most ${formatRate(upper)}, within the ${pct} budget`);
  }
  const need = requiredRequestsFor(window.failed, budget, confidence);
  const needPart = window.failed === 0
    ? `a conclusive run needs at least ${formatCount(need)} requests ${windowLabel} with none failing`
    : `a conclusive run needs at least ${formatCount(need)} requests ${windowLabel} with no more than ${formatCount(window.failed)} failing`;
  return check(
    id,
    name,
    'inconclusive',
    `too few requests to be sure: ${failedPart}, but at ${level} confidence the failure rate could be as high as ${formatRate(upper)}, over the ${pct} budget; ${needPart}`,
  );
}

/**
 * The window is over the budget but the generator fell behind: only the failures it cannot have
 * caused are judged. Over the budget on those alone: fail; else inconclusive. Both say so.
 */
function behindCheck(input: VerdictInput, over: string): Check {
  const { window, windowLabel, budget, windowFailures } = input;
  const id = 'failure-budget';
  const name = `failed requests within the ${formatRate(budget)} budget`;
  const classes = (pick: (c: FailureClass) => boolean): string =>
    FAILURE_CLASSES.filter((c) => pick(c) && windowFailures[c] > 0)
      .map((c) => `${formatCount(windowFailures[c])} ${c}`)
      .join(', ');
  const mayCause = (c: FailureClass): boolean => GENERATOR_MAY_CAUSE.includes(c);
  const own = GENERATOR_MAY_CAUSE.reduce((n, c) => n + windowFailures[c], 0);
  const theirs = window.failed - own;
  const ownPart = own === 0 ? '' : `; ${classes(mayCause)} not judged: the load generator fell behind and may have caused them itself`;
  const theirRate = theirs / window.sent;
  if (theirRate > budget) {
    return check(
      id,
      name,
      'fail',
      `${formatCount(theirs)} of ${formatCount(window.sent)} requests failed ${windowLabel} in ways the load generator cannot cause (${classes((c) => !mayCause(c))}; ${formatRate(theirRate)}), over the ${budget === 0 ? 'budget of 0' : `${formatRate(budget)} budget`}${ownPart}`,
    );
  }
  const theirPart = theirs === 0 ? 'none of them is an HTTP status or a refused connection' : `the ${formatCount(theirs)} the generator cannot cause (${classes((c) => !mayCause(c))}) are within it`;
  return check(id, name, 'inconclusive', `not judged: ${over}, but the load generator fell behind and may itself have caused the ${classes(mayCause)}; ${theirPart}`);
}

function unsentCheck(input: VerdictInput): Check {
  const name = 'every scheduled request was sent';
  if (input.unsent > 0) {
    const warmup = input.warmupUnsent === 0 ? '' : input.warmupUnsent === input.unsent ? ', all during the warmup' : ` (${formatCount(input.warmupUnsent)} during the warmup)`;
    return check(
      'no-unsent-requests',
      name,
      'inconclusive',
      `${plural(input.unsent, 'scheduled request')} could not be sent on time${warmup}: the load generator fell behind, so the run did not apply the planned load`,
    );
  }
  return check('no-unsent-requests', name, 'pass', `all ${formatCount(input.totals.sent)} requests were sent on schedule`);
}

function triggerCheck(input: VerdictInput): Check {
  const t = input.trigger;
  const id = 'trigger-succeeded';
  const name = 'the release command succeeded';
  if (t === null) return check(id, name, 'skipped', 'no release command was run');
  const took = formatSeconds(t.endMs - t.startMs);
  // However the shell then exited, a release that overran its timeout failed: fail on it first.
  if (t.timedOut === true) {
    return check(id, name, 'fail', `the release command did not finish within its ${formatSeconds(t.timeoutMs ?? t.endMs - t.startMs)} timeout; zerodrop stopped it and everything it started: ${oneLine(t.command)}`);
  }
  if (t.exitCode === 0 && t.signal === null) {
    return check(id, name, 'pass', `the release command exited 0 after ${took}: ${oneLine(t.command)}`);
  }
  const how = t.signal !== null
    ? `was stopped by ${t.signal}`
    : t.exitCode === null
      ? 'did not finish'
      : `failed (exit ${t.exitCode})`;
  const last = lastLine(t.output);
  const message = `the release command ${how}: ${oneLine(t.command)}${last ? `; last output: ${last}` : ''}`;
  // An interrupt reaches the command too: its failure then proves nothing about the release.
  if (input.aborted) return check(id, name, 'inconclusive', `the run was interrupted, and ${message}`);
  return check(id, name, 'fail', message);
}

function rolloutCheck(input: VerdictInput): Check {
  const r = input.rollout ?? null;
  const id = 'rollout-completed';
  const name = 'the rollout completed';
  if (r === null) return check(id, name, 'skipped', 'no Kubernetes rollout was watched');
  const message = `${r.object}: ${oneLine(r.message)}`;
  if (r.status === 'complete') return check(id, name, 'pass', message);
  if (r.status === 'aborted') return check(id, name, input.aborted ? 'inconclusive' : 'fail', `the rollout did not finish: ${message}`);
  return check(id, name, 'fail', r.status === 'timeout' ? `the rollout did not complete in time: ${message}` : `the rollout failed: ${message}`);
}

function targetCheck(input: VerdictInput): Check {
  const { totals } = input;
  const id = 'target-answered';
  const name = 'the target answered';
  if (totals.sent === 0) return check(id, name, 'inconclusive', 'no request was sent at all');
  if (totals.succeeded === 0) {
    const top = FAILURE_CLASSES.filter((c) => input.failures[c] > 0)
      .sort((a, b) => input.failures[b] - input.failures[a])
      .map((c) => `${formatCount(input.failures[c])} ${c}`)
      .slice(0, 3)
      .join(', ');
    return check(
      id,
      name,
      'inconclusive',
      `no request succeeded at all (${top || 'no outcome'}): the target never answered; check the URL, the port and that the service is up before the release`,
    );
  }
  return check(id, name, 'pass', `${formatCount(totals.succeeded)} of ${formatCount(totals.sent)} requests succeeded`);
}

function generatorCheck(input: VerdictInput): Check {
  const g = input.generator;
  const id = 'generator-kept-schedule';
  const name = 'the load generator kept its schedule';
  const figures = [
    g.scheduleLagP99Ms === null ? null : `schedule lag p99 ${formatLatency(g.scheduleLagP99Ms)}`,
    g.eventLoopDelayP99Ms === null ? null : `event loop delay p99 ${formatLatency(g.eventLoopDelayP99Ms)}`,
  ].filter((f): f is string => f !== null);
  const detail = figures.length > 0 ? ` (${figures.join(', ')})` : '';
  if (g.saturated) {
    return check(
      id,
      name,
      'inconclusive',
      `the load generator was saturated${detail}: latency and failures may be its own, not the service's; use more workers or a lower rate`,
    );
  }
  return check(id, name, 'pass', `the load generator kept up${detail}`);
}

function baselineCheck(input: VerdictInput): Check {
  const b = input.baseline;
  const id = 'baseline-clean';
  const name = 'no failures before the release';
  if (b === null) return check(id, name, 'skipped', 'the run had no baseline phase');
  if (b.sent === 0) return check(id, name, 'skipped', 'no request was sent in the baseline');
  if (b.failed > 0) {
    return check(
      id,
      name,
      'warn',
      `the service was failing before the release: ${formatCount(b.failed)} failed in the baseline (${formatRate(b.failed / b.sent)} of ${formatCount(b.sent)})`,
    );
  }
  return check(id, name, 'pass', `none of the ${formatCount(b.sent)} baseline requests failed`);
}

function completedCheck(input: VerdictInput): Check {
  const id = 'run-completed';
  const name = 'the run completed';
  if (input.aborted) return check(id, name, 'inconclusive', 'the run was interrupted before it finished, so it cannot pass');
  return check(id, name, 'pass', 'the run completed');
}

/** Outside text in one sentence: control characters gone, at most 200 characters. */
function oneLine(text: string): string {
  return flatten(text, 200);
}

function lastLine(output: string): string {
  const lines = stripControl(output).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const last = lines[lines.length - 1];
  return last === undefined ? '' : oneLine(last);
}
