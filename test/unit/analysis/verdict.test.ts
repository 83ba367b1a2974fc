import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VerdictInput } from '../../../src/analysis/verdict.js';
import { CHECK_IDS, judge } from '../../../src/analysis/verdict.js';
import { emptyFailureCounts, type FailureClass } from '../../../src/metrics/outcome.js';
import type { TriggerRecord } from '../../../src/report/model.js';
import { HEALTHY } from '../../fixtures/reports/synthetic-run.js';

const okTrigger: TriggerRecord = { command: 'kubectl rollout restart deploy/web', startMs: 5000, endMs: 9000, exitCode: 0, signal: null, output: '', outputTruncated: false };

function input(over: Partial<VerdictInput> & { sent?: number; failed?: number; cls?: FailureClass } = {}): VerdictInput {
  const sent = over.sent ?? 10_000;
  const failed = over.failed ?? 0;
  const { sent: _s, failed: _f, cls = 'refused', ...rest } = over;
  const failures = { ...emptyFailureCounts(), [cls]: failed };
  return {
    window: { sent, succeeded: sent - failed, failed },
    windowLabel: 'during the rollout and cooldown',
    totals: { sent: sent + 2000, succeeded: sent - failed + 2000, failed },
    failures,
    windowFailures: failures,
    unsent: 0,
    warmupUnsent: 0,
    baseline: { sent: 2000, succeeded: 2000, failed: 0 },
    budget: 0.001,
    confidence: 0.95,
    trigger: okTrigger,
    generator: HEALTHY,
    aborted: false,
    ...rest,
  };
}

describe('judge', () => {
  it.each<[string, VerdictInput, 'pass' | 'fail' | 'inconclusive', RegExp]>([
    ['clean and long enough', input(), 'pass', /^none of the 10,000 requests during the rollout and cooldown failed; at 95% confidence the failure rate is at most 0\.0369%/],
    ['a few failures, bound still within budget', input({ sent: 100_000, failed: 20 }), 'pass', /^20 of 100,000 requests failed .*\(0\.02%\); at 95% confidence the failure rate is at most 0\.0309%, within the 0\.1% budget/],
    ['observed rate over budget', input({ sent: 10_000, failed: 11 }), 'fail', /^11 of 10,000 requests failed during the rollout and cooldown \(0\.11%\), over the 0\.1% budget$/],
    ['too few requests', input({ sent: 1000 }), 'inconclusive', /^too few requests to be sure: .* as high as 0\.368%.*needs at least 3,688 requests during the rollout and cooldown with none failing$/],
    ['too few with failures says how many at that count', input({ sent: 5000, failed: 3 }), 'inconclusive', /needs at least 8,765 requests .* with no more than 3 failing$/],
    ['unsent requests', input({ unsent: 12 }), 'inconclusive', /^12 scheduled requests could not be sent on time: the load generator fell behind/],
    ['unsent requests, all in the warmup', input({ unsent: 12, warmupUnsent: 12 }), 'inconclusive', /^12 scheduled requests could not be sent on time, all during the warmup: /],
    ['unsent requests, some in the warmup', input({ unsent: 12, warmupUnsent: 5 }), 'inconclusive', /^12 scheduled requests could not be sent on time \(5 during the warmup\): /],
    ['saturated generator', input({ generator: { ...HEALTHY, saturated: true } }), 'inconclusive', /^the load generator was saturated \(schedule lag p99 0\.80 ms/],
    ['target never answered', input({ totals: { sent: 5000, succeeded: 0, failed: 5000 }, window: { sent: 3000, succeeded: 0, failed: 3000 }, failures: { ...emptyFailureCounts(), refused: 5000 } }), 'inconclusive', /^no request succeeded at all \(5,000 refused\): the target never answered/],
    ['trigger failed', input({ trigger: { ...okTrigger, exitCode: 1, output: 'error: deployments.apps "web" not found\n' } }), 'fail', /^the release command failed \(exit 1\): kubectl rollout restart deploy\/web; last output: error: deployments\.apps "web" not found$/],
    ['trigger killed', input({ trigger: { ...okTrigger, exitCode: null, signal: 'SIGTERM' } }), 'fail', /^the release command was stopped by SIGTERM/],
    ['trigger timed out (its shell killed)', input({ trigger: { ...okTrigger, exitCode: null, signal: 'SIGTERM', timedOut: true, timeoutMs: 2000 } }), 'fail', /^the release command did not finish within its 2 s timeout; zerodrop stopped it and everything it started: kubectl/],
    ['trigger timed out, though its shell then exited 0', input({ trigger: { ...okTrigger, timedOut: true, timeoutMs: 600_000 } }), 'fail', /^the release command did not finish within its 600 s timeout/],
    ['trigger timed out, run interrupted later: still a fail', input({ aborted: true, trigger: { ...okTrigger, exitCode: null, signal: 'SIGKILL', timedOut: true, timeoutMs: 2000 } }), 'fail', /^the release command did not finish within its 2 s timeout/],
    ['aborted, otherwise clean', input({ aborted: true }), 'inconclusive', /^the run was interrupted before it finished, so it cannot pass$/],
    ['aborted with failures over budget still fails', input({ aborted: true, failed: 50 }), 'fail', /over the 0\.1% budget/],
    ['aborted trigger is not a release failure', input({ aborted: true, trigger: { ...okTrigger, exitCode: null, signal: 'SIGINT' } }), 'inconclusive', /^the run was interrupted before it finished/],
    ['no requests in the window', input({ sent: 0 }), 'inconclusive', /^no request was sent during the rollout and cooldown/],
    ['budget 0, clean', input({ budget: 0, sent: 50 }), 'pass', /^none of the 50 requests .* failed; the budget of 0 allows none$/],
    ['budget 0, one failure', input({ budget: 0, failed: 1 }), 'fail', /and the budget allows none$/],
  ])('%s -> %s', (_name, given, verdict, headline) => {
    const r = judge(given);
    expect(r.verdict).toBe(verdict);
    expect(r.reasons[0]).toMatch(headline);
  });

  it('lists every check, in order, skipping the trigger check without a release command', () => {
    const r = judge(input({ trigger: null, baseline: null }));
    expect(r.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(r.checks.find((c) => c.id === 'trigger-succeeded')?.status).toBe('skipped');
    expect(r.checks.find((c) => c.id === 'baseline-clean')?.status).toBe('skipped');
    expect(r.verdict).toBe('pass');
  });

  it('calls out baseline failures without changing the verdict', () => {
    const r = judge(input({ baseline: { sent: 2000, succeeded: 1995, failed: 5 } }));
    expect(r.verdict).toBe('pass');
    expect(r.checks.find((c) => c.id === 'baseline-clean')).toMatchObject({ status: 'warn' });
    expect(r.reasons).toContain('the service was failing before the release: 5 failed in the baseline (0.25% of 2,000)');
  });

  it('strips terminal escapes from trigger output', () => {
    const r = judge(input({ trigger: { ...okTrigger, exitCode: 2, output: '\u001b[31mError:\u001b[0m boom\r\n' } }));
    expect(r.reasons[0]).toMatch(/last output: Error: boom$/);
  });

  it('reports the budget figures', () => {
    const r = judge(input({ sent: 1000, failed: 0 }));
    expect(r.observedFailureRate).toBe(0);
    expect(r.upperBound).toBeCloseTo(0.003682083896865671, 12);
    expect(r.requiredRequests).toBe(3688);
    expect(judge(input({ budget: 0 })).requiredRequests).toBe(1);
  });

  it('derives the verdict from the checks, never passes an aborted run, and always explains itself', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(0, 0.001, 0.01),
        fc.constantFrom<TriggerRecord | null>(null, okTrigger, { ...okTrigger, exitCode: 3 }),
        (sent, failed0, unsent, aborted, saturated, budget, trigger) => {
          const failed = Math.min(failed0, sent);
          const r = judge(input({ sent, failed, unsent, aborted, budget, trigger, generator: { ...HEALTHY, saturated } }));
          const statuses = r.checks.map((c) => c.status);
          const expected = statuses.includes('fail') ? 'fail' : statuses.includes('inconclusive') ? 'inconclusive' : 'pass';
          expect(r.verdict).toBe(expected);
          if (aborted) expect(r.verdict).not.toBe('pass');
          if (r.verdict === 'pass') expect(r.upperBound <= budget || budget === 0).toBe(true);
          expect(r.reasons.length).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('judge: the watched rollout', () => {
  const rollout = (status: 'complete' | 'failed' | 'timeout' | 'aborted') => ({ status, message: `status ${status}`, object: 'deployment/web' });
  it.each<[string, Partial<VerdictInput>, 'pass' | 'fail' | 'inconclusive', 'pass' | 'fail' | 'inconclusive' | 'skipped']>([
    ['none watched', { rollout: null }, 'pass', 'skipped'],
    ['completed', { rollout: rollout('complete') }, 'pass', 'pass'],
    ['progress deadline exceeded', { rollout: rollout('failed') }, 'fail', 'fail'],
    ['rollout timeout', { rollout: rollout('timeout') }, 'fail', 'fail'],
    ['stopped by Ctrl-C', { rollout: rollout('aborted'), aborted: true }, 'inconclusive', 'inconclusive'],
  ])('%s', (_name, over, verdict, status) => {
    const r = judge(input(over));
    expect(r.verdict).toBe(verdict);
    expect(r.checks.find((c) => c.id === 'rollout-completed')?.status).toBe(status);
    if (status === 'fail') expect(r.reasons[0]).toMatch(/deployment\/web/);
  });
});

describe('judge: a generator that fell behind', () => {
  const budgetCheck = (r: ReturnType<typeof judge>) => r.checks.find((c) => c.id === 'failure-budget');
  const saturated = { ...HEALTHY, saturated: true };
  const mixed = (over: Partial<Record<FailureClass, number>>, behind: Partial<VerdictInput>): VerdictInput => {
    const windowFailures = { ...emptyFailureCounts(), ...over };
    const failed = Object.values(windowFailures).reduce((a, b) => a + b, 0);
    return { ...input({ failed }), windowFailures, failures: windowFailures, ...behind };
  };

  it.each<[string, VerdictInput, 'fail' | 'inconclusive', RegExp]>([
    ['unsent, timeouts over the budget: not a fail', input({ unsent: 3, failed: 40, cls: 'timeout' }), 'inconclusive', /^not judged: 40 of 10,000 requests failed .* over the 0\.1% budget, but the load generator fell behind and may itself have caused the 40 timeout; none of them is an HTTP status or a refused connection$/],
    ['saturated, resets over the budget: not a fail', input({ generator: saturated, failed: 40, cls: 'reset' }), 'inconclusive', /may itself have caused the 40 reset/],
    ['saturated, other errors over the budget: not a fail', input({ generator: saturated, failed: 40, cls: 'other' }), 'inconclusive', /may itself have caused the 40 other/],
    ['warmup-only unsent, timeouts over the budget: not a fail', input({ unsent: 3, warmupUnsent: 3, failed: 40, cls: 'timeout' }), 'inconclusive', /^not judged: /],
    ['unsent, refused over the budget: fail', input({ unsent: 3, failed: 40, cls: 'refused' }), 'fail', /^40 of 10,000 requests failed during the rollout and cooldown in ways the load generator cannot cause \(40 refused; 0\.4%\), over the 0\.1% budget$/],
    ['saturated, 5xx over the budget: fail', input({ generator: saturated, failed: 40, cls: 'http_5xx' }), 'fail', /in ways the load generator cannot cause \(40 http_5xx; 0\.4%\)/],
    ['saturated, 4xx over the budget: fail', input({ generator: saturated, failed: 40, cls: 'http_4xx' }), 'fail', /cannot cause \(40 http_4xx/],
    ['unsent, refused over the budget with timeouts too: fail, timeouts set aside', mixed({ refused: 30, timeout: 50 }, { unsent: 3 }), 'fail', /cannot cause \(30 refused; 0\.3%\), over the 0\.1% budget; 50 timeout not judged: the load generator fell behind and may have caused them itself$/],
    ['unsent, refused within the budget, timeouts over it: inconclusive', mixed({ refused: 5, timeout: 50 }, { unsent: 3 }), 'inconclusive', /may itself have caused the 50 timeout; the 5 the generator cannot cause \(5 refused\) are within it$/],
    ['budget 0, saturated, one timeout: not a fail', { ...input({ generator: saturated, failed: 1, cls: 'timeout' }), budget: 0 }, 'inconclusive', /^not judged: 1 of 10,000 .* and the budget allows none, but the load generator fell behind/],
    ['budget 0, saturated, one 503: fail', { ...input({ generator: saturated, failed: 1, cls: 'http_5xx' }), budget: 0 }, 'fail', /cannot cause \(1 http_5xx; 0\.01%\), over the budget of 0$/],
  ])('%s', (_name, given, verdict, budgetMessage) => {
    const r = judge(given);
    expect(r.verdict).toBe(verdict);
    expect(budgetCheck(r)?.message).toMatch(budgetMessage);
    expect(r.reasons).toContain(budgetCheck(r)?.message);
    // The failures observed are reported either way.
    expect(r.observedFailureRate).toBe(given.window.failed / given.window.sent);
  });

  it('the same failures without the generator falling behind fail the run', () => {
    for (const cls of ['timeout', 'reset', 'other'] as const) expect(judge(input({ failed: 40, cls })).verdict).toBe('fail');
  });

  it('never passes, and fails only on failures the generator cannot cause (any mix)', () => {
    fc.assert(
      fc.property(
        fc.record({ http_5xx: fc.nat(30), http_4xx: fc.nat(30), timeout: fc.nat(60), refused: fc.nat(30), reset: fc.nat(60), other: fc.nat(30) }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.boolean(),
        fc.constantFrom(0, 0.001, 0.01),
        (windowFailures, unsent, sent0, isSaturated, budget) => {
          fc.pre(unsent > 0 || isSaturated);
          const failed = Object.values(windowFailures).reduce((a, b) => a + b, 0);
          const sent = Math.max(sent0, failed);
          const r = judge({ ...input({ sent, failed }), windowFailures, failures: windowFailures, unsent, budget, generator: { ...HEALTHY, saturated: isSaturated } });
          expect(r.verdict).not.toBe('pass');
          const theirs = windowFailures.http_5xx + windowFailures.http_4xx + windowFailures.refused;
          if (budgetCheck(r)?.status === 'fail') expect(theirs / sent).toBeGreaterThan(budget);
          else if (failed / sent <= budget) expect(budgetCheck(r)?.status).not.toBe('fail');
          else expect(theirs / sent).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});
