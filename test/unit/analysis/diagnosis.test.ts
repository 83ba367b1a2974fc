import { describe, expect, it } from 'vitest';
import type { DiagnosisContext } from '../../../src/analysis/diagnosis.js';
import { DIAGNOSIS_RULES, diagnose } from '../../../src/analysis/diagnosis.js';
import type { FailureClass } from '../../../src/metrics/outcome.js';
import { emptyFailureCounts } from '../../../src/metrics/outcome.js';
import type { SpanCounts } from '../../../src/analysis/phases.js';
import { HEALTHY } from '../../fixtures/reports/synthetic-run.js';

function span(failures: Partial<Record<FailureClass, number>>, sent = 10_000): SpanCounts {
  const f = { ...emptyFailureCounts(), ...failures };
  const failed = Object.values(f).reduce((s, n) => s + n, 0);
  return { sent, succeeded: sent - failed, failed, unsent: 0, failures: f };
}

function ctx(window: Partial<Record<FailureClass, number>>, over: Partial<DiagnosisContext> = {}): DiagnosisContext {
  const w = span(window);
  return {
    window: { ...w, startMs: 5000, endMs: 15_000, label: 'during the rollout and cooldown' },
    baseline: span({}, 2000),
    totals: w,
    outages: [],
    statusCodes: {},
    errorCodes: {},
    events: [],
    trigger: null,
    generator: HEALTHY,
    ...over,
  };
}

describe('diagnose', () => {
  it.each<[string, DiagnosisContext, string[]]>([
    ['clean run', ctx({}), []],
    ['refused', ctx({ refused: 5 }), ['connection-refused']],
    ['reset', ctx({ reset: 5 }), ['connection-reset']],
    ['timeouts', ctx({ timeout: 5 }), ['timeouts']],
    ['4xx', ctx({ http_4xx: 5 }), ['client-errors']],
    ['other', ctx({ other: 5 }, { errorCodes: { ENOTFOUND: 5 } }), ['other-errors']],
    ['ranked by count', ctx({ refused: 3, reset: 9, http_5xx: 5 }, { statusCodes: { '503': 5 } }), ['connection-reset', 'server-errors', 'connection-refused']],
    ['baseline only', ctx({}, { baseline: span({ http_5xx: 4 }, 2000) }), ['pre-existing-failures']],
    ['generator behind', ctx({}, { generator: { ...HEALTHY, unsent: 3 } }), ['generator-behind']],
  ])('%s', (_name, c, ids) => {
    expect(diagnose(c).map((d) => d.id)).toEqual(ids);
  });

  it.each<[Record<string, number>, RegExp, RegExp]>([
    [{ '503': 4 }, /proxy or load balancer/, /^for 502\/503\/504/],
    [{ '500': 4 }, /the app itself answered/, /^for the app's own errors/],
  ])('tells proxy 5xx from app 5xx: %j', (statusCodes, cause, fix) => {
    const [d] = diagnose(ctx({ http_5xx: 4 }, { statusCodes }));
    expect(d?.cause).toMatch(cause);
    expect(d?.fix).toMatch(fix);
  });

  it('places the failures in time relative to the release command', () => {
    const c = ctx(
      { refused: 12 },
      {
        outages: [{ startMs: 8000, endMs: 9500, durationMs: 1500, failed: 12, sent: 500, failures: { refused: 12 } }],
        trigger: { command: 'x', startMs: 5000, endMs: 12_000, exitCode: 0, signal: null, output: '', outputTruncated: false },
      },
    );
    expect(diagnose(c)[0]?.evidence).toBe('12 requests were refused during the rollout and cooldown at 8-9.5 s, starting 3 s after the release command started');
  });

  it('takes any rule list, so later rules can be added', () => {
    expect(diagnose(ctx({ refused: 1 }), [])).toEqual([]);
    expect(DIAGNOSIS_RULES.length).toBeGreaterThan(5);
  });
});
