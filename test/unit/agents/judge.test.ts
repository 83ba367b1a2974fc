import { describe, expect, it } from 'vitest';
import { judgeAgent, type AgentFacts } from '../../../src/agents/judge.js';

const totals = { sent: 10, succeeded: 9, failed: 1, unsent: 0 };
const base: AgentFacts = {
  index: 1,
  pod: 'p-1',
  hello: true,
  done: undefined,
  error: undefined,
  bad: undefined,
  gap: false,
  lateMs: 0,
  merged: totals,
  lastRecvClockMs: 3500,
  phase: 'Running',
  podReason: undefined,
  waitingReason: undefined,
  terminated: undefined,
  gone: false,
  goneWhileRunning: false,
};
const done = { done: { totals } };

describe('judgeAgent', () => {
  it.each<[string, Partial<AgentFacts>, string, string | undefined]>([
    ['final record matching the merge', done, 'completed', undefined],
    ['ready 40 ms late (within tolerance)', { ...done, lateMs: 40 }, 'completed', undefined],
    ['ready 2 s late', { ...done, lateMs: 2000 }, 'late', "agent 1 (pod p-1) was ready 2.0 s after the shared start: its shard's first requests are missing"],
    ['unreadable record', { ...done, bad: 'not JSON' }, 'incomplete', 'agent 1 (pod p-1): unreadable record (not JSON)'],
    ['sequence gap', { ...done, gap: true }, 'incomplete', 'agent 1 (pod p-1): records are missing from its log (sequence gap)'],
    ['merge differs from its totals', { ...done, merged: { ...totals, sent: 7 } }, 'incomplete', 'agent 1 (pod p-1): the merged records (7 sent) differ from its own totals (10 sent)'],
    ['final record without a recording', { ...done, merged: undefined }, 'incomplete', 'agent 1 (pod p-1): the merged records (0 sent) differ from its own totals (10 sent)'],
    ['error record', { error: 'bad spec' }, 'died', 'agent 1 (pod p-1) failed: bad spec; its last record arrived 2.5 s into the load'],
    ['no pod', { hello: false, pod: undefined, lastRecvClockMs: null }, 'not-started', 'agent 1 (pod never created) never started (no pod was created): its shard of the load is missing'],
    ['image pull error', { hello: false, waitingReason: 'ErrImagePull' }, 'not-started', 'agent 1 (pod p-1) never started (ErrImagePull): its shard of the load is missing'],
    ['pending pod', { hello: false, phase: 'Pending' }, 'not-started', 'agent 1 (pod p-1) never started (pod Pending): its shard of the load is missing'],
    ['evicted', { podReason: 'Evicted' }, 'evicted', "agent 1 (pod p-1) was evicted mid-run; its last record arrived 2.5 s into the load: its shard's load after that is missing"],
    ['deleted mid-run', { gone: true, goneWhileRunning: true }, 'evicted', "agent 1 (pod p-1) was deleted mid-run; its last record arrived 2.5 s into the load: its shard's load after that is missing"],
    ['exited before its final record', { terminated: 'exited with code 137 (OOMKilled)' }, 'died', 'agent 1 (pod p-1) died (exited with code 137 (OOMKilled)) before its final records; its last record arrived 2.5 s into the load'],
    ['gone after the stop', { gone: true }, 'died', 'agent 1 (pod p-1) died before its final records; its last record arrived 2.5 s into the load'],
    ['still running, silent', {}, 'silent', 'agent 1 (pod p-1) stopped reporting; its last record arrived 2.5 s into the load'],
    ['silent without records', { lastRecvClockMs: null }, 'silent', 'agent 1 (pod p-1) stopped reporting; it sent no record'],
  ])('%s', (_name, facts, status, message) => {
    const j = judgeAgent({ ...base, ...facts }, 1000);
    expect(j.status).toBe(status);
    expect(j.message).toBe(message);
  });
});
