import type { DoneRecord } from './protocol.js';

/** How an agent's part of the run ended. */
export type AgentStatus = 'completed' | 'late' | 'died' | 'evicted' | 'silent' | 'not-started' | 'incomplete';

/** An agent ready this much after the shared start counts as late (its first requests are missing). */
export const LATE_TOLERANCE_MS = 50;

/** What the coordinator saw of one agent by the end of the load: the facts it is judged on. */
export interface AgentFacts {
  index: number;
  /** Its pod, or undefined when none was created. */
  pod: string | undefined;
  /** It said hello: its process ran and its records arrived. */
  hello: boolean;
  /** Its final record, if it arrived. */
  done: Pick<DoneRecord, 'totals'> | undefined;
  /** The error record it wrote, if any. */
  error: string | undefined;
  /** The first unreadable record's problem, if any. */
  bad: string | undefined;
  /** A record is missing from its log (sequence gap). */
  gap: boolean;
  /** How late it was ready after the shared start, ms. */
  lateMs: number;
  /** Totals of its records as merged by the coordinator, or undefined without a recording. */
  merged: { sent: number; succeeded: number; failed: number; unsent: number } | undefined;
  /** Run-clock ms when its last record arrived, or null. */
  lastRecvClockMs: number | null;
  /** Its pod's phase, status reason, container waiting reason and termination (as a sentence). */
  phase: string;
  podReason: string | undefined;
  waitingReason: string | undefined;
  terminated: string | undefined;
  /** Its pod is gone, and went while the load still ran. */
  gone: boolean;
  goneWhileRunning: boolean;
}

/** An agent's status and, unless completed, why (a sentence naming it, its pod and what is missing). */
export interface AgentJudgement {
  status: AgentStatus;
  message?: string;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Judges one agent from what the coordinator saw: completed only with its final record, every
 * record readable and in sequence, and the merge matching its own totals; else the first fault
 * found, worded for the report (each is a reason the verdict is inconclusive).
 * `startMs` is the shared start on the run clock.
 */
export function judgeAgent(s: AgentFacts, startMs: number): AgentJudgement {
  const where = `agent ${s.index} (pod ${s.pod ?? 'never created'})`;
  const last = s.lastRecvClockMs === null ? 'it sent no record' : `its last record arrived ${secs(s.lastRecvClockMs - startMs)} into the load`;
  if (s.done !== undefined) {
    const t = s.merged;
    const d = s.done.totals;
    if (s.bad !== undefined) return { status: 'incomplete', message: `${where}: unreadable record (${s.bad})` };
    if (s.gap) return { status: 'incomplete', message: `${where}: records are missing from its log (sequence gap)` };
    if (t === undefined || t.sent !== d.sent || t.succeeded !== d.succeeded || t.failed !== d.failed || t.unsent !== d.unsent) {
      return { status: 'incomplete', message: `${where}: the merged records (${t?.sent ?? 0} sent) differ from its own totals (${d.sent} sent)` };
    }
    if (s.lateMs > LATE_TOLERANCE_MS) return { status: 'late', message: `${where} was ready ${secs(s.lateMs)} after the shared start: its shard's first requests are missing` };
    return { status: 'completed' };
  }
  if (s.error !== undefined) return { status: 'died', message: `${where} failed: ${s.error}; ${last}` };
  if (!s.hello) {
    const why = s.waitingReason ?? s.podReason ?? s.terminated ?? (s.pod === undefined ? 'no pod was created' : `pod ${s.phase}`);
    return { status: 'not-started', message: `${where} never started (${why}): its shard of the load is missing` };
  }
  if (s.podReason === 'Evicted' || (s.gone && s.goneWhileRunning)) {
    return { status: 'evicted', message: `${where} was ${s.podReason === 'Evicted' ? 'evicted' : 'deleted'} mid-run; ${last}: its shard's load after that is missing` };
  }
  if (s.phase === 'Failed' || s.terminated !== undefined || s.gone) {
    return { status: 'died', message: `${where} died${s.terminated ? ` (${s.terminated})` : ''} before its final records; ${last}` };
  }
  return { status: 'silent', message: `${where} stopped reporting; ${last}` };
}
