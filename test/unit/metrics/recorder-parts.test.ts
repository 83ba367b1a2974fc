import { describe, expect, it } from 'vitest';
import { CodeCounts } from '../../../src/metrics/code-counts.js';
import { COUNTER_COLS, IntervalCounters } from '../../../src/metrics/interval-counters.js';
import { NewConnectionResets } from '../../../src/metrics/new-connection-resets.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { PodCounts } from '../../../src/metrics/pod-counts.js';

describe('IntervalCounters', () => {
  it.each([
    { name: 'nothing recorded', unsentAt: [] as number[], expectedRows: 0 },
    { name: 'trailing rows without counts are trimmed', unsentAt: [50], expectedRows: 1 },
    { name: 'a later row keeps the empty ones before it', unsentAt: [50, 350], expectedRows: 4 },
  ])('encode: $name', ({ unsentAt, expectedRows }) => {
    const c = new IntervalCounters(100);
    for (const t of unsentAt) c.addUnsent(t, 1);
    // A row touched but never counted (the range grows past it) is not encoded at the end.
    c.addUnsent(900, 0);
    const encoded = c.encode();
    expect(encoded.length).toBe(expectedRows * COUNTER_COLS);
    const back = new IntervalCounters(100);
    back.load(encoded);
    expect(back.totals()).toEqual(c.totals());
  });

  it('merges exactly, growing to the other side`s rows', () => {
    const a = new IntervalCounters(100);
    const b = new IntervalCounters(100);
    a.add(0, OUTCOME.success);
    b.add(250_000, OUTCOME.timeout);
    a.merge(b);
    expect(a.totals()).toMatchObject({ sent: 2, succeeded: 1, failed: 1 });
    expect(a.used).toBe(2501);
    expect(a.rowCounts(2500)[OUTCOME.timeout]).toBe(1);
  });
});

describe('CodeCounts', () => {
  it.each([
    { key: '200', expected: { '200': 2 } },
    { key: '99', expected: { '99': 2 } },
    { key: '600', expected: { '600': 2 } },
    { key: 'weird', expected: { weird: 2 } },
  ])('counts status $key wherever it is kept', ({ key, expected }) => {
    const c = new CodeCounts();
    c.addStatus(key, 1);
    const d = new CodeCounts();
    d.addStatus(key, 1);
    c.merge(d);
    expect(c.statusCodes()).toEqual(expected);
  });

  it('counts an error code only when given, and no status for 0', () => {
    const c = new CodeCounts();
    c.add(0, 'ECONNRESET');
    c.add(503, undefined);
    expect(c.statusCodes()).toEqual({ '503': 1 });
    expect(c.errorCodes()).toEqual({ ECONNRESET: 1 });
  });
});

describe('PodCounts and NewConnectionResets', () => {
  it('key counts by interval and merge them', () => {
    const p = new PodCounts(100);
    p.add('b', 150, OUTCOME.success);
    p.add('a', -5, OUTCOME.reset);
    const q = new PodCounts(100);
    q.add('b', 199, OUTCOME.success);
    p.merge(q);
    expect(p.list()).toEqual([
      { pod: 'a', intervals: [{ tMs: 0, outcomes: [0, 0, 0, 0, 0, 1, 0] }] },
      { pod: 'b', intervals: [{ tMs: 100, outcomes: [2, 0, 0, 0, 0, 0, 0] }] },
    ]);
    expect(p.rowsFrom(1)).toEqual([{ pod: 'b', index: 1, outcomes: [2, 0, 0, 0, 0, 0, 0] }]);

    const r = new NewConnectionResets(100);
    r.add(250);
    r.add(10);
    const s = new NewConnectionResets(100);
    s.add(299);
    r.merge(s);
    expect(r.list()).toEqual([
      { tMs: 0, count: 1 },
      { tMs: 200, count: 2 },
    ]);
    expect(r.encode()).toEqual({ '2': 2, '0': 1 });
  });
});
