import { describe, expect, it } from 'vitest';
import { analyzeRun } from '../../../src/report/build-report.js';
import type { Clock } from '../../../src/clock.js';
import { ZerodropError } from '../../../src/errors.js';
import { OUTCOME } from '../../../src/metrics/outcome.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { RecordingCutter } from '../../../src/metrics/recording-cutter.js';
import type { RolloutEventRecord } from '../../../src/report/model.js';
import { compareReports } from '../../../src/runner/journal/compare.js';
import type { JournalSink } from '../../../src/runner/journal/file-sink.js';
import { parseJournal } from '../../../src/runner/journal/read.js';
import { rebuildReport } from '../../../src/runner/journal/rebuild.js';
import type { CountsRecord, JournalRecord } from '../../../src/runner/journal/records.js';
import { RunJournal } from '../../../src/runner/journal/writer.js';
import { phasesOf } from '../../../src/runner/phase-plan.js';
import { HEALTHY, fixtureMeta, okTrigger } from '../../fixtures/reports/synthetic-run.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const SECRET_URL = 'http://alice:s3cr3t@web.example:8080/';

/** A journal in memory: every write appended, as the file sink does. */
function memorySink(): JournalSink & { text: string; syncs: number } {
  const s = { text: '', syncs: 0, write: (t: string) => void (s.text += t), sync: () => void s.syncs++, close: () => undefined };
  return s;
}

/**
 * A 6 s run on a simulated clock: 20 requests/s of 200s, 503s from 3.0 to 3.5 s, a late timeout
 * landing in an old interval, a release from 2 to 4 s with one rollout event; live cuts every
 * 250 ms and a flush every second, as the engine's timer and the journal's would.
 */
function simulatedRun(): { text: string; ownTotals: ReturnType<Recorder['totals']>; syncs: number; report: ReturnType<typeof analyzeRun> } {
  let t = 0;
  const clock: Clock = { nowMs: () => t, t0EpochMs: T0 };
  const sink = memorySink();
  const journal = new RunJournal(sink, clock, { wallNow: () => T0 + t });
  const meta = fixtureMeta('journal-unit', { target: { url: SECRET_URL, method: 'GET' } });
  const { endedAt: _e, cluster: _c, ...planMeta } = meta;
  journal.plan({ t0EpochMs: T0, meta: { ...planMeta, load: { model: 'open', rate: 20, warmupMs: 1000, timeoutMs: 2000, keepAlive: true } }, budget: { maxFailureRate: 0.001, confidence: 0.95 }, hasTrigger: true, warmupMs: 1000 });
  const rec = new Recorder({ intervalMs: 100, maxLatencyMs: 4000 });
  const cutter = new RecordingCutter(rec, 'main', 3100);
  const events: RolloutEventRecord[] = [];
  journal.started(0, () => events, 1e9);
  for (t = 0; t <= 6000; t += 50) {
    const failing = t >= 3000 && t < 3500;
    rec.record(t, failing ? OUTCOME.http_5xx : OUTCOME.success, 4 + (t % 7), failing ? 503 : 200, undefined);
    if (t === 2500) rec.record(400, OUTCOME.timeout, 2000, 0, 'UND_ERR_HEADERS_TIMEOUT');
    if (t % 250 === 0) journal.delta(cutter.cut(t));
    if (t === 2000) journal.mark('trigger-start', 2000);
    if (t === 2100) events.push({ tMs: 2100, type: 'pod-ready', object: 'pod/web-2', message: `probe ${SECRET_URL}` });
    if (t === 4000) {
      journal.mark('trigger-end', 4000);
      journal.trigger(okTrigger(2000, 4000, `curl ${SECRET_URL}`), { status: 'complete', message: 'done', object: 'deployment/web' }, false);
    }
    if (t % 1000 === 0) journal.flush();
  }
  t = 6100;
  journal.mark('load-end', 6100);
  journal.delta(cutter.finish());
  const marks = { startMs: 0, warmupEndMs: 1000, triggerStartMs: 2000, triggerEndMs: 4000, endMs: 6100 };
  const report = analyzeRun({
    run: rec.toRunData(phasesOf(marks, true), T0, 6100),
    budget: 0.001,
    confidence: 0.95,
    trigger: okTrigger(2000, 4000, `curl ${SECRET_URL}`),
    rollout: { status: 'complete', message: 'done', object: 'deployment/web' },
    events,
    generator: HEALTHY,
    aborted: false,
    meta,
  });
  journal.end(report, 1);
  return { text: sink.text, ownTotals: rec.totals(), syncs: sink.syncs, report };
}

const run = simulatedRun();
const lineEnds = [...run.text.matchAll(/\n/g)].map((m) => m.index + 1);
const lineStarts = [0, ...lineEnds.slice(0, -1)];

/** Sent + unsent over every counts record: what a rebuild must total, exactly. */
function countedIn(records: readonly JournalRecord[]): number {
  let n = 0;
  for (const r of records) if (r.type === 'counts') for (const b of (r as CountsRecord).rows) for (const v of b.counts) n += v;
  return n;
}

// Every record boundary, the middle of every line, and one character short of every newline.
const cuts: Array<{ at: number; how: string }> = [
  ...lineEnds.map((at, i) => ({ at, how: `after record ${i}` })),
  ...lineStarts.map((s, i) => ({ at: s + Math.floor((lineEnds[i]! - s) / 2), how: `mid record ${i}` })),
  ...lineEnds.map((at, i) => ({ at: at - 2, how: `record ${i} missing its last character` })),
];

describe('run journal', () => {
  it('writes the plan first and the end last, makes both durable, and keeps secrets out', () => {
    const { records, tornTail } = parseJournal(run.text);
    expect(tornTail).toBe(false);
    expect(records[0]!.type).toBe('plan');
    expect(records.at(-1)!.type).toBe('end');
    expect(run.syncs).toBe(2);
    expect(run.text).not.toContain('s3cr3t');
    expect(records.filter((r) => r.type === 'event')).toHaveLength(1);
    expect(records.filter((r) => r.type === 'counts').length).toBeGreaterThanOrEqual(6);
  });

  it('a finished run\'s journal re-derives its report: the same verdict, totals and counts', () => {
    const rebuilt = rebuildReport(parseJournal(run.text));
    expect(rebuilt.complete).toBe(true);
    expect(rebuilt.report.totals.sent).toBe(run.ownTotals.sent);
    expect(compareReports(run.report, rebuilt.report)).toEqual([]);
    expect(rebuilt.report.latency.overall).toEqual(run.report.latency.overall);
    expect(rebuilt.report.events).toHaveLength(1);
    expect(rebuilt.report.verdict).toBe('fail');
  });

  it('compareReports names every figure that differs', () => {
    const rebuilt = rebuildReport(parseJournal(run.text)).report;
    const edited = { ...run.report, verdict: 'pass' as const, totals: { ...run.report.totals, failed: 0 } };
    expect(compareReports(edited, rebuilt).map((d) => d.field)).toEqual(['verdict', 'totals']);
  });

  it.each(cuts)('a journal cut $how rebuilds exactly what its whole records hold', ({ at }) => {
    const read = parseJournal(run.text.slice(0, at));
    const whole = lineEnds.filter((e) => e <= at).length;
    // A line cut one character short of its newline is still whole JSON only if nothing but the newline is missing.
    expect(read.records.length).toBeGreaterThanOrEqual(whole);
    expect(read.records.length).toBeLessThanOrEqual(whole + 1);
    const started = read.records.some((r) => r.type === 'mark' && r.name === 'load-start');
    if (!started) {
      expect(() => rebuildReport(read)).toThrow(ZerodropError);
      expect(() => rebuildReport(read)).toThrow(/before its load started/);
      return;
    }
    const { report, complete } = rebuildReport(read);
    expect(report.totals.sent + report.totals.unsent).toBe(countedIn(read.records));
    expect(report.totals.sent).toBe(report.totals.succeeded + report.totals.failed);
    expect(report.rebuilt?.records).toBe(read.records.length);
    if (complete) return;
    expect(report.aborted).toBe(true);
    expect(report.verdict).toBe('inconclusive');
    expect(report.reasons[0]).toMatch(/cut short.*exact up to that record/);
    expect(JSON.stringify(report)).not.toContain('s3cr3t');
  });

  it('the last record of a cut journal dates the report, and its counts never exceed the run\'s', () => {
    const at = lineEnds[Math.floor(lineEnds.length / 2)]!;
    const { report } = rebuildReport(parseJournal(run.text.slice(0, at)));
    expect(report.rebuilt?.complete).toBe(false);
    expect(report.totals.sent).toBeLessThanOrEqual(run.ownTotals.sent);
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(report.meta.endedAt).toBe(report.rebuilt?.lastRecordAt);
  });

  it.each([
    ['a bad line in the middle', (t: string) => t.replace('\n', '\n{oops\n'), /line 2: not JSON/],
    ['a missing record', (t: string) => t.split('\n').filter((_l, i) => i !== 2).join('\n'), /record 3 where record 2 was expected/],
    ['another version', (t: string) => t.replace('{"j":1', '{"j":9'), /unknown journal version 9/],
    ['no plan first', (t: string) => t.slice(t.indexOf('\n') + 1).replace(/"seq":(\d+)/g, (_m, n: string) => `"seq":${Number(n) - 1}`), /does not start with a plan/],
  ])('refuses a journal with %s (E_BAD_JOURNAL, exit 3)', (_name, edit, message) => {
    let err: unknown;
    try {
      rebuildReport(parseJournal(edit(run.text)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZerodropError);
    expect((err as ZerodropError).code).toBe('E_BAD_JOURNAL');
    expect((err as ZerodropError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(message);
  });

  it('stops and says so once when the journal cannot be written, without throwing into the run', () => {
    const notes: string[] = [];
    const clock: Clock = { nowMs: () => 0, t0EpochMs: T0 };
    const sink: JournalSink = { write: () => { throw new Error('ENOSPC: no space left on device'); }, sync: () => undefined, close: () => undefined };
    const j = new RunJournal(sink, clock, { onError: (m) => notes.push(m) });
    j.started(0, () => [], 1e9);
    j.flush();
    j.stop();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/ENOSPC/);
  });
});
