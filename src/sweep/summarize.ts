/** Figures of a case across repeats, its verdict, the sort order of the comparison, and the recommendation. Pure. */
import { formatCount, formatRate, formatSeconds } from '../text/format.js';
import type { Report } from '../report/model.js';
import type { CaseResult, CaseSummary, CaseVerdict, Recommendation, RepeatResult, Spread } from './model.js';

/** How long the measured rollout took: the rollout phase (trigger start to rollout complete), else the trigger's run. */
export function rolloutMsOf(report: Report): number {
  const phase = report.phases.find((p) => p.name === 'rollout');
  if (phase !== undefined) return phase.endMs - phase.startMs;
  return report.trigger === null ? 0 : report.trigger.endMs - report.trigger.startMs;
}

/** One repeat's figures from its report. */
export function repeatOf(report: Report, repeat: number): RepeatResult {
  return {
    repeat,
    verdict: report.verdict,
    aborted: report.aborted,
    failureRate: report.budget.observedFailureRate,
    sent: report.window.sent,
    failed: report.window.failed,
    rolloutMs: rolloutMsOf(report),
    reason: report.reasons[0] ?? '',
  };
}

/** Min, median (mean of the middle two for an even count) and max; null for none. */
export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
  return { min: s[0] as number, median, max: s[s.length - 1] as number };
}

/** The summary of the repeats measured to the end (interrupted ones are left out of the figures). */
export function summarize(repeats: readonly RepeatResult[], reports: readonly Report[]): CaseSummary {
  const done = repeats.filter((r) => !r.aborted);
  const failures: Record<string, number> = {};
  for (const report of reports) {
    if (report.aborted) continue;
    for (const [k, v] of Object.entries(report.failures)) if (v > 0) failures[k] = (failures[k] ?? 0) + v;
  }
  return {
    repeatsRun: done.length,
    repeatsPassed: done.filter((r) => r.verdict === 'pass').length,
    failureRate: spreadOf(done.map((r) => r.failureRate)),
    rolloutMs: spreadOf(done.map((r) => r.rolloutMs)),
    sent: done.reduce((n, r) => n + r.sent, 0),
    failed: done.reduce((n, r) => n + r.failed, 0),
    failures,
  };
}

/** A case's verdict from its repeats: pass only when every wanted repeat ran to the end and passed. */
export function caseVerdict(wanted: number, repeats: readonly RepeatResult[]): CaseVerdict {
  const done = repeats.filter((r) => !r.aborted);
  if (done.some((r) => r.verdict === 'fail')) return 'fail';
  if (done.length < wanted) return repeats.length === 0 ? 'not-run' : 'incomplete';
  if (done.some((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return 'pass';
}

/** The repeat that stands for the case: highest failure rate, then slowest rollout; interrupted ones last. */
export function worstRepeatIndex(repeats: readonly RepeatResult[]): number {
  let best = -1;
  for (let i = 0; i < repeats.length; i++) {
    const r = repeats[i] as RepeatResult;
    const b = best < 0 ? undefined : (repeats[best] as RepeatResult);
    if (b === undefined) best = i;
    else if (b.aborted && !r.aborted) best = i;
    else if (b.aborted === r.aborted && (r.failureRate > b.failureRate || (r.failureRate === b.failureRate && r.rolloutMs > b.rolloutMs))) best = i;
  }
  return best;
}

const VERDICT_RANK: Record<CaseVerdict, number> = { pass: 0, inconclusive: 1, incomplete: 2, fail: 3, error: 4, invalid: 5, 'not-run': 6 };

/** Sorts cases by verdict (pass first), then median rollout duration, then worst failure rate, then case number. */
export function sortCases<T extends Pick<CaseResult, 'n' | 'verdict' | 'summary'>>(cases: readonly T[]): T[] {
  const inf = Number.POSITIVE_INFINITY;
  return [...cases].sort(
    (a, b) =>
      VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
      (a.summary.rolloutMs?.median ?? inf) - (b.summary.rolloutMs?.median ?? inf) ||
      (a.summary.failureRate?.max ?? inf) - (b.summary.failureRate?.max ?? inf) ||
      a.n - b.n,
  );
}

/**
 * The recommendation: the fastest setting (median rollout duration) that passed every repeat; when
 * none did, says so and names the lowest failure rate seen.
 */
export function recommend(sorted: ReadonlyArray<Pick<CaseResult, 'n' | 'verdict' | 'summary' | 'label' | 'settings'> & { reasons?: string[] }>, repeat: number): Recommendation {
  const every = repeat === 1 ? 'its run' : `all ${repeat} repeats`;
  const best = sorted.find((c) => c.verdict === 'pass');
  if (best !== undefined) {
    const s = best.summary;
    const others = sorted.filter((c) => c.verdict === 'pass').length - 1;
    return {
      case: best.n,
      settings: best.settings,
      message:
        `use ${best.label}: the fastest setting that passed ${every} (rollout ${formatSeconds(s.rolloutMs?.median ?? 0)}` +
        `${repeat > 1 ? ' median' : ''}, ${formatCount(s.failed)} of ${formatCount(s.sent)} requests failed)` +
        (others > 0 ? `; ${others} other setting${others === 1 ? '' : 's'} passed too, with slower rollouts` : ''),
    };
  }
  const measured = sorted.filter((c) => c.summary.failureRate !== null);
  const lowest = [...measured].sort((a, b) => (a.summary.failureRate?.max ?? 0) - (b.summary.failureRate?.max ?? 0))[0];
  // A setting that failed nothing but could not be judged (too few requests, a generator that fell behind) is worth naming with why.
  const unsure = sorted.find((c) => (c.verdict === 'inconclusive' || c.verdict === 'incomplete') && c.summary.failed === 0);
  return {
    case: null,
    settings: null,
    message:
      measured.length === 0
        ? 'no setting passed: no case was measured to the end'
        : `no setting passed ${repeat === 1 ? 'its run' : 'every repeat'}; ` +
          (unsure !== undefined
            ? `${unsure.label} failed no request but was ${unsure.verdict}${unsure.reasons?.[0] ? `: ${unsure.reasons[0]}` : ''}`
            : `the lowest failure rate was ${formatRate(lowest?.summary.failureRate?.max ?? 0)} with ${lowest?.label ?? ''} (look at its report for the causes, or vary other fields)`),
  };
}
