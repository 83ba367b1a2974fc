import { expect } from 'vitest';

/** The parts of report.json the verdict assertions read. */
interface JudgedReport {
  verdict: string;
  reasons: string[];
  totals: { unsent: number };
  generator: { unsent: number; saturated: boolean };
  checks: Array<{ id: string; status: string; message: string }>;
}

const EXIT_OF: Record<string, number> = { pass: 0, fail: 1, inconclusive: 2 };

/** The generator itself reported falling behind: requests it could not send on time, or saturation. */
export function generatorFellBehind(report: JudgedReport): boolean {
  return report.generator.saturated || report.generator.unsent > 0 || report.totals.unsent > 0;
}

/**
 * Asserts that a run reached the verdict a test expects, with its exit code. `inconclusive` is
 * accepted in its stead only when the generator itself reported falling behind (a shared, loaded
 * machine), and then only from the generator's own checks — plus, for an expected fail, the
 * failure-budget check that set aside failures the generator may have caused. Anything else that
 * keeps the expected verdict from holding (too few requests, a failed check) fails the test.
 */
export function expectVerdict(report: JudgedReport, run: { code: number | null; stderr?: string }, expected: 'pass' | 'fail'): void {
  const why = `${report.reasons.join('\n')}\n${run.stderr ?? ''}`;
  if (report.verdict === 'inconclusive' && generatorFellBehind(report)) {
    const inconclusive = report.checks.filter((c) => c.status === 'inconclusive');
    const generatorChecks = ['no-unsent-requests', 'generator-kept-schedule'];
    const allowed = (c: { id: string; message: string }): boolean => generatorChecks.includes(c.id) || (expected === 'fail' && c.id === 'failure-budget' && c.message.startsWith('not judged: '));
    expect(inconclusive.filter((c) => !allowed(c)).map((c) => `${c.id}: ${c.message}`), why).toEqual([]);
    expect(inconclusive.some((c) => generatorChecks.includes(c.id)), why).toBe(true);
    expect(run.code, why).toBe(EXIT_OF['inconclusive']);
    return;
  }
  expect(report.verdict, why).toBe(expected);
  expect(run.code, why).toBe(EXIT_OF[expected]);
}

/**
 * Asserts that the judged window was planned big enough to pass at all: its requests, sent or
 * left unsent, reach the budget's `requiredRequests`. A run too small to ever pass is not a test of a pass.
 */
export function expectSizedToPass(report: {
  window: { sent: number; startMs: number; endMs: number };
  budget: { requiredRequests: number };
  timeline: { points: Array<{ tMs: number; unsent: number }> };
}): void {
  const w = report.window;
  const unsent = report.timeline.points.filter((p) => p.tMs >= w.startMs && p.tMs < w.endMs).reduce((n, p) => n + p.unsent, 0);
  expect(w.sent + unsent, `the judged window planned ${w.sent + unsent} requests; a pass needs ${report.budget.requiredRequests}`).toBeGreaterThanOrEqual(report.budget.requiredRequests);
}
