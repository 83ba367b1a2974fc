import type { Clock } from '../../clock.js';
import type { Report } from '../../report/model.js';
import type { Scenario } from '../../scenario/types.js';
import { loadMetaOf } from '../load-options.js';
import type { LoadOptions } from '../../traffic/engine.js';
import type { JournalSink } from './file-sink.js';
import type { PlanRecord } from './records.js';
import { RunJournal } from './writer.js';

/** What the plan record says, before the common fields. */
export type PlanBody = Omit<PlanRecord, 'j' | 'seq' | 'wallMs' | 'tMs' | 'type' | 'format'>;

/** The plan of a run: its meta as known at the start, its budget and its shape (secrets are redacted when written). */
export function journalPlanOf(scenario: Scenario, meta: Pick<Report['meta'], 'tool' | 'runId' | 'commandLine' | 'scenarioDigest' | 'git' | 'machine' | 'scenario'>, load: LoadOptions, startedAt: Date, t0EpochMs: number): PlanBody {
  const planLoad = loadMetaOf(scenario, load);
  return {
    t0EpochMs,
    meta: { ...meta, name: scenario.name, startedAt: startedAt.toISOString(), target: { url: load.url, method: scenario.target.method }, load: planLoad },
    budget: { maxFailureRate: scenario.budget.maxFailureRate, confidence: scenario.budget.confidence },
    hasTrigger: scenario.trigger !== undefined,
    warmupMs: scenario.load.warmupMs,
  };
}

/**
 * Starts a run's journal on `sink`: writes the plan, and hooks the load's deltas into it (the
 * engine, its worker threads and the agents all feed LoadOptions.onDelta). A journal that cannot
 * be written is said once through `onNote` and never stops the run.
 */
export function openRunJournal(sink: JournalSink, clock: Clock, plan: PlanBody, load: LoadOptions, secrets: readonly string[], onNote?: (note: string) => void): RunJournal {
  const journal = new RunJournal(sink, clock, { secrets, ...(onNote === undefined ? {} : { onError: onNote }) });
  journal.plan(plan);
  load.onDelta = journal.delta;
  return journal;
}
