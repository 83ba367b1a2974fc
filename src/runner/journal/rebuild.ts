import { analyzeRun } from '../../report/build-report.js';
import type { RolloutResult } from '../../analysis/verdict.js';
import { CouldNotRunError } from '../../errors.js';
import { DeltaSum } from '../../metrics/delta-sum.js';
import type { GeneratorHealth, Report, RolloutEventRecord, TriggerRecord } from '../../report/model.js';
import { phasesOf, type RunMarks } from '../phase-plan.js';
import type { JournalRead } from './read.js';
import { JOURNAL_FILE, badJournal, type EndRecord, type JournalRecord, type PlanRecord } from './records.js';
import type { ConnectionRecording } from '../../streams/connection-log.js';

/** A report rebuilt from a journal, and what the journal held. */
export interface Rebuilt {
  report: Report;
  /** The journal has its end record: the run finished and this report re-derives its report.json. */
  complete: boolean;
  /** The end record (what the run itself concluded), when the run finished. */
  end?: EndRecord;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** What a journal holds, gathered: the plan, the summed counters, marks, events, the release, the end. */
function gather(records: readonly JournalRecord[]): {
  plan: PlanRecord;
  sum: DeltaSum;
  marks: Partial<Record<'load-start' | 'trigger-start' | 'trigger-end' | 'load-end', number>>;
  events: RolloutEventRecord[];
  release: { trigger: TriggerRecord | null; rollout: RolloutResult | null; timedOut: boolean } | undefined;
  end: EndRecord | undefined;
  last: JournalRecord;
  connections: ConnectionRecording | undefined;
} {
  const plan = records[0];
  if (plan === undefined || plan.type !== 'plan') throw badJournal('it does not start with a plan record');
  const sum = new DeltaSum();
  const marks: Partial<Record<'load-start' | 'trigger-start' | 'trigger-end' | 'load-end', number>> = {};
  const events: RolloutEventRecord[] = [];
  let release: { trigger: TriggerRecord | null; rollout: RolloutResult | null; timedOut: boolean } | undefined;
  let end: EndRecord | undefined;
  let connections: ConnectionRecording | undefined;
  for (const r of records) {
    switch (r.type) {
      case 'connections':
        connections = { ...r.head, events: [...(connections?.events ?? []), ...r.events], resent: r.resent, skipped: r.skipped, closedAtEnd: r.closedAtEnd };
        break;
      case 'recorder':
        sum.useSettings(r.settings);
        break;
      case 'counts':
        sum.add(r);
        break;
      case 'histograms':
        sum.add({ rows: [], statusCodes: {}, errorCodes: {}, histograms: [{ source: r.source, histograms: r.histograms }] });
        break;
      case 'mark':
        marks[r.name] = r.atMs;
        break;
      case 'event':
        events.push(r.event);
        break;
      case 'trigger':
        release = { trigger: r.trigger, rollout: r.rollout, timedOut: r.timedOut };
        break;
      case 'end':
        end = r;
        break;
      case 'plan':
        if (r !== plan) throw badJournal(`record ${r.seq} is a second plan: two runs wrote into one journal`);
        break;
    }
  }
  return { plan, sum, marks, events, release, end, last: records[records.length - 1]!, connections };
}

/** A journal of a run that never sent a request: nothing to rebuild (exit 4, as the run itself would have). */
function noLoad(records: number): CouldNotRunError {
  return new CouldNotRunError('E_JOURNAL_NO_LOAD', `the run stopped before its load started (its journal holds ${records} whole record${records === 1 ? '' : 's'} and no load-start): there is no measurement to rebuild`, {
    hint: 'run it again; the reachability check and the cluster set-up come before the load',
  });
}

/** The generator's health as far as a killed run's journal tells: its unsent requests, nothing measured about its lag. */
function killedGenerator(unsent: number): GeneratorHealth {
  return { unsent, scheduleLagP99Ms: null, scheduleLagMaxMs: null, eventLoopDelayP99Ms: null, eventLoopDelayMaxMs: null, workers: 0, saturated: false, saturationReasons: [] };
}

/**
 * Rebuilds a run's report from its journal with the same analysis the run uses. A journal with an
 * end record re-derives the finished run's report (the run's own generator health and meta come
 * from the end record). One without (the process was killed) gives a report marked aborted and
 * inconclusive, whose counts are exact up to the journal's last record: every request that had
 * ended by then, and nothing of those still in flight.
 */
export function rebuildReport(read: JournalRead): Rebuilt {
  if (read.records.length === 0) throw noLoad(0);
  const { plan, sum, marks, events, release, end, last, connections } = gather(read.records);
  const startMs = marks['load-start'];
  if (startMs === undefined) throw noLoad(read.records.length);
  const lastMs = Math.max(startMs, last.tMs);
  const runMarks: RunMarks = {
    startMs,
    warmupEndMs: startMs + plan.warmupMs,
    triggerStartMs: marks['trigger-start'],
    triggerEndMs: marks['trigger-end'],
    endMs: marks['load-end'] ?? lastMs,
  };
  const fallback = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: Math.max(1000, 2 * plan.meta.load.timeoutMs) };
  const recorder = sum.toRecorder(fallback);
  const run = recorder.toRunData(phasesOf(runMarks, plan.hasTrigger), plan.t0EpochMs, runMarks.endMs);
  const meta: Report['meta'] = end?.meta ?? {
    ...plan.meta,
    endedAt: new Date(last.wallMs).toISOString(),
    load: { ...plan.meta.load, durationMs: runMarks.endMs - startMs },
  };
  const report = analyzeRun({
    run,
    budget: plan.budget.maxFailureRate,
    confidence: plan.budget.confidence,
    trigger: release?.trigger ?? null,
    rollout: release?.rollout ?? null,
    events,
    generator: end?.generator ?? killedGenerator(run.intervals.reduce((n, i) => n + i.unsent, 0)),
    aborted: end?.aborted ?? true,
    meta,
    ...(connections === undefined ? {} : { connections }),
  });
  if (end !== undefined) {
    if (end.preflight !== undefined) report.preflight = end.preflight;
    if (end.agents !== undefined) report.agents = end.agents;
    if (end.rollback !== undefined) report.rollback = end.rollback;
    // What the runner added after the analysis (the trigger's timeout, the rollback).
    for (const r of end.reasons) if (!report.reasons.includes(r)) report.reasons.push(r);
  } else {
    const at = new Date(last.wallMs).toISOString();
    const cut = `the run was cut short: its journal ends at ${at}, ${secs(lastMs - startMs)} into the load, with no end record (the process was killed without warning: SIGKILL, the OOM killer, a CI timeout); the counts are exact up to that record, and requests still in flight then are not counted`;
    report.verdict = 'inconclusive';
    report.reasons = [cut, ...report.reasons.filter((r) => !/interrupted/.test(r))];
    for (const c of report.checks) if (c.id === 'run-completed') c.message = cut;
  }
  report.rebuilt = { from: JOURNAL_FILE, complete: end !== undefined, records: read.records.length, lastRecordMs: last.tMs, lastRecordAt: new Date(last.wallMs).toISOString() };
  return end === undefined ? { report, complete: false } : { report, complete: true, end };
}
