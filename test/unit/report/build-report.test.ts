import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../../src/report/build-report.js';
import { verdictWindow } from '../../../src/analysis/phases.js';
import type { PhaseSpan } from '../../../src/metrics/run-data.js';
import { FAILURE_CLASSES } from '../../../src/metrics/outcome.js';
import { HEALTHY, failInput, fixtureMeta, inconclusiveInput, passInput, syntheticRun } from '../../fixtures/reports/synthetic-run.js';

const span = (name: PhaseSpan['name'], startMs: number, endMs: number): PhaseSpan => ({ name, startMs, endMs });

describe('verdictWindow', () => {
  it.each<[string, PhaseSpan[], { startMs: number; endMs: number; label: string }]>([
    ['rollout + cooldown', [span('warmup', 0, 1), span('baseline', 1, 5), span('rollout', 5, 9), span('cooldown', 9, 12)], { startMs: 5, endMs: 12, label: 'during the rollout and cooldown' }],
    ['rollout cut short (no cooldown)', [span('warmup', 0, 1), span('baseline', 1, 5), span('rollout', 5, 7)], { startMs: 5, endMs: 7, label: 'during the rollout' }],
    ['measure', [span('warmup', 0, 2), span('measure', 2, 10)], { startMs: 2, endMs: 10, label: 'during the measurement' }],
    ['baseline only (interrupted before the rollout)', [span('warmup', 0, 2), span('baseline', 2, 4)], { startMs: 2, endMs: 4, label: 'during the run' }],
    ['warmup only', [span('warmup', 0, 2)], { startMs: 2, endMs: 10, label: 'during the run' }],
    ['nothing', [], { startMs: 0, endMs: 10, label: 'during the run' }],
  ])('%s', (_name, phases, expected) => {
    expect(verdictWindow(phases, 10)).toEqual(expected);
  });
});

describe('analyzeRun', () => {
  it('keeps sent = succeeded + failed for totals, window and every phase', () => {
    for (const input of [passInput(), failInput(), inconclusiveInput()]) {
      const r = analyzeRun(input);
      for (const c of [r.totals, r.window, ...r.phases]) expect(c.sent).toBe(c.succeeded + c.failed);
      expect(FAILURE_CLASSES.reduce((s, c) => s + r.failures[c], 0)).toBe(r.totals.failed);
      expect(r.phases.reduce((s, p) => s + p.sent, 0)).toBe(r.totals.sent);
    }
  });

  it('judges rollout + cooldown and calls out baseline failures', () => {
    const r = analyzeRun(failInput());
    expect(r.verdict).toBe('fail');
    expect(r.window).toEqual({ sent: 7500, succeeded: 7405, failed: 95, startMs: 7000, endMs: 22_000 });
    expect(r.totals.failed).toBe(97);
    expect(r.reasons[0]).toBe('95 of 7,500 requests failed during the rollout and cooldown (1.27%), over the 0.1% budget');
    expect(r.reasons).toContain('the service was failing before the release: 2 failed in the baseline (0.08% of 2,500)');
    expect(r.checks.find((c) => c.id === 'baseline-clean')?.status).toBe('warn');
    expect(r.statusCodes).toEqual({ '200': 10_903, '500': 2, '503': 9 });
    expect(r.errorCodes).toEqual({ ECONNREFUSED: 80, ECONNRESET: 6 });
  });

  it('finds outage windows with the rollout events just before them', () => {
    const r = analyzeRun(failInput());
    expect(r.outages.map((o) => [o.startMs, o.endMs, o.failed, o.nearbyEvents?.map((e) => e.object) ?? []])).toEqual([
      [3000, 4000, 2, []],
      [9000, 11_000, 86, ['Pod/web-7f9c8d6b5-abcde']],
      [14_000, 15_000, 9, ['Pod/web-7f9c8d6b5-fghij']],
    ]);
  });

  it('diagnoses by failure class, largest first, with pre-existing failures last', () => {
    const r = analyzeRun(failInput());
    expect(r.diagnosis.map((d) => d.id)).toEqual(['connection-refused', 'server-errors', 'connection-reset', 'pre-existing-failures']);
    expect(r.diagnosis[0]?.evidence).toBe('80 requests were refused during the rollout and cooldown at 9-11 s, starting 2 s after the release command started');
  });

  it('diagnoses failures that happened only before the release as pre-existing', () => {
    const input = passInput();
    input.run = syntheticRun({
      intervalMs: 1000,
      phases: [
        { name: 'baseline', durationMs: 3000 },
        { name: 'rollout', durationMs: 6000 },
      ],
      sentPerInterval: 1000,
      failures: [{ fromMs: 1000, toMs: 2000, cls: 'timeout', perInterval: 4 }],
    });
    const r = analyzeRun(input);
    expect(r.verdict).toBe('pass');
    expect(r.diagnosis.map((d) => d.id)).toEqual(['pre-existing-failures']);
    expect(r.diagnosis[0]?.cause).toMatch(/the release did not cause these failures/);
  });

  it('compares rollout latency with the baseline and keeps the timeline small', () => {
    const r = analyzeRun(failInput());
    expect(r.latency.rolloutVsBaseline).toEqual({ baselineP99Ms: 6, rolloutP99Ms: 42, ratio: 7 });
    expect(r.timeline.points[0]).toEqual({ tMs: 0, sent: 500, succeeded: 500, failed: 0, unsent: 0, failures: {} });
    expect(r.timeline.points[10]?.failures).toEqual({ refused: 40, reset: 6 });
    expect(r.timeline.p99).toHaveLength(22);
  });

  it('judges the measure phase without a release command', () => {
    const r = analyzeRun({
      run: syntheticRun({ intervalMs: 1000, phases: [{ name: 'warmup', durationMs: 2000 }, { name: 'measure', durationMs: 10_000 }], sentPerInterval: 400, failures: [{ fromMs: 0, toMs: 1000, cls: 'refused', perInterval: 400 }] }),
      budget: 0.001,
      confidence: 0.95,
      trigger: null,
      events: [],
      generator: HEALTHY,
      meta: fixtureMeta('measure'),
      aborted: false,
    });
    expect(r.window).toMatchObject({ sent: 4000, failed: 0, startMs: 2000, endMs: 12_000 });
    expect(r.verdict).toBe('pass');
    expect(r.latency.rolloutVsBaseline).toBeNull();
    expect(r.checks.find((c) => c.id === 'trigger-succeeded')?.status).toBe('skipped');
    expect(r.diagnosis).toEqual([]);
  });

  it('never passes an interrupted run, and counts unsent requests', () => {
    const r = analyzeRun(inconclusiveInput());
    expect(r.verdict).toBe('inconclusive');
    expect(r.aborted).toBe(true);
    expect(r.totals.unsent).toBe(25);
    expect(r.reasons[0]).toBe('the run was interrupted before it finished, so it cannot pass');
  });
});

describe('analyzeRun: unsent requests', () => {
  const withUnsentAt = (atMs: number) => {
    const input = passInput();
    input.run = syntheticRun({
      intervalMs: 1000,
      phases: [
        { name: 'warmup', durationMs: 2000 },
        { name: 'baseline', durationMs: 5000 },
        { name: 'rollout', durationMs: 10_000 },
        { name: 'cooldown', durationMs: 5000 },
      ],
      sentPerInterval: 500,
      unsent: [{ atMs, count: 7 }],
    });
    return analyzeRun(input);
  };

  it('counts requests the generator could not send during the warmup: reported, and the run cannot pass', () => {
    const r = withUnsentAt(500);
    expect(r.verdict).toBe('inconclusive');
    expect(r.totals.unsent).toBe(7);
    expect(r.phases.find((p) => p.name === 'warmup')?.unsent).toBe(7);
    const check = r.checks.find((c) => c.id === 'no-unsent-requests');
    expect(check?.status).toBe('inconclusive');
    expect(check?.message).toMatch(/^7 scheduled requests could not be sent on time, all during the warmup: the load generator fell behind/);
    expect(r.reasons[0]).toBe(check?.message);
    expect(r.reasons.join('\n')).not.toMatch(/sent on schedule/);
  });

  it('says every request was sent on schedule only when none was left unsent', () => {
    const r = analyzeRun(passInput());
    expect(r.checks.find((c) => c.id === 'no-unsent-requests')).toMatchObject({ status: 'pass', message: 'all 11,000 requests were sent on schedule' });
  });

  it.each([['baseline', 3000], ['rollout', 9000], ['cooldown', 20_000]])('makes the run inconclusive when unsent in the %s', (_phase, atMs) => {
    const r = withUnsentAt(atMs);
    expect(r.verdict).toBe('inconclusive');
    expect(r.checks.find((c) => c.id === 'no-unsent-requests')?.status).toBe('inconclusive');
  });
});

describe('analyzeRun: a generator that fell behind', () => {
  const run = (failures: NonNullable<Parameters<typeof syntheticRun>[0]['failures']>) => {
    const input = passInput();
    input.run = syntheticRun({
      intervalMs: 1000,
      phases: [
        { name: 'warmup', durationMs: 2000 },
        { name: 'baseline', durationMs: 5000 },
        { name: 'rollout', durationMs: 10_000 },
        { name: 'cooldown', durationMs: 5000 },
      ],
      sentPerInterval: 500,
      unsent: [{ atMs: 500, count: 3 }],
      failures,
    });
    return analyzeRun(input);
  };

  it('judges only the window: refusals of the baseline do not turn generator timeouts into a fail', () => {
    const r = run([
      { fromMs: 3000, toMs: 6000, cls: 'refused', perInterval: 50 },
      { fromMs: 9000, toMs: 10_000, cls: 'timeout', perInterval: 40 },
    ]);
    expect(r.verdict).toBe('inconclusive');
    expect(r.failures).toMatchObject({ refused: 150, timeout: 40 });
    expect(r.checks.find((c) => c.id === 'failure-budget')?.message).toMatch(/^not judged: 40 of 7,500 requests failed .* may itself have caused the 40 timeout; none of them is an HTTP status or a refused connection$/);
  });

  it('fails on refusals in the window, and says which failures it set aside', () => {
    const r = run([
      { fromMs: 9000, toMs: 10_000, cls: 'refused', perInterval: 40 },
      { fromMs: 12_000, toMs: 13_000, cls: 'reset', perInterval: 30 },
    ]);
    expect(r.verdict).toBe('fail');
    expect(r.reasons[0]).toBe('40 of 7,500 requests failed during the rollout and cooldown in ways the load generator cannot cause (40 refused; 0.533%), over the 0.1% budget; 30 reset not judged: the load generator fell behind and may have caused them itself');
  });
});
