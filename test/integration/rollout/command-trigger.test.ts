import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { GROUP_KILL_GRACE_MS, ProcessGroup, ProcessGroups } from '../../../src/rollout/process-group.js';
import { runCommandTrigger, type CommandTriggerOptions } from '../../../src/rollout/command-trigger.js';
import { MARK_VAR, markedProcesses, newMark, waitFor } from '../../helpers/marked-processes.js';

// Real shells and real process groups: every command carries a mark in its environment, so the
// test can find each process it started (and any it left behind) by reading /proc.
let mark = newMark();
const owners: ProcessGroups[] = [];

function trigger(command: string, over: Partial<CommandTriggerOptions> = {}): ReturnType<typeof runCommandTrigger> {
  return runCommandTrigger({ command, timeoutMs: 60_000, clock: startClock(), env: { PATH: process.env['PATH'], [MARK_VAR]: mark }, cwd: process.cwd(), ...over });
}

const left = (): string[] => markedProcesses(mark).map((p) => `${p.pid} ${p.args}`);

afterEach(async () => {
  for (const o of owners.splice(0)) o.killAllNow();
  // Whatever a test left is a failure of that test; clean up so the next one starts clean.
  for (const p of markedProcesses(mark)) process.kill(p.pid, 'SIGKILL');
  mark = newMark();
});

describe('a command trigger owns its process group', () => {
  it.each<[string, string]>([
    ['a background child that holds the output, the shell waiting on another', 'sleep 30 & echo started; sleep 60'],
    ['a background child, the shell in a long foreground command', 'sleep 30 & sleep 60'],
  ])('the timeout ends the whole group (%s): timed out, returns within the timeout plus the grace, nothing left', async (_name, command) => {
    const owner = new ProcessGroups();
    owners.push(owner);
    const t0 = Date.now();
    const rec = await trigger(command, { timeoutMs: 2000, processes: owner });
    const took = Date.now() - t0;
    expect(rec.timedOut).toBe(true);
    expect(rec.aborted).toBe(false);
    expect(rec.exitCode).toBe(null);
    expect(rec.signal).toBe('SIGTERM');
    expect(rec.output).toMatch(/did not finish within its 2000 ms timeout; its process group was stopped/);
    // An upper bound with a wide margin for a loaded machine: the 30 s and 60 s sleeps must not count.
    expect(took).toBeLessThan(2000 + GROUP_KILL_GRACE_MS + 15_000);
    expect(left()).toEqual([]);
    expect(owner.size).toBe(0);
  });

  it('SIGKILLs a group that ignores SIGTERM once the grace is over', async () => {
    const rec = await trigger(`trap '' TERM; sleep 60 & sleep 60`, { timeoutMs: 1000, graceMs: 500 });
    expect(rec.timedOut).toBe(true);
    expect(rec.signal).toBe('SIGKILL');
    expect(left()).toEqual([]);
  });

  it('is done when the shell exits, although a background child still holds its output; the owner ends the child later', async () => {
    const owner = new ProcessGroups();
    owners.push(owner);
    const rec = await trigger('sleep 30 & echo started', { timeoutMs: 20_000, processes: owner });
    expect(rec).toMatchObject({ exitCode: 0, signal: null, timedOut: false, aborted: false });
    expect(rec.output).toBe('started\n');
    // The child lives on in the group the run owns (a `kubectl port-forward &` may serve the run)...
    expect(left().some((p) => p.endsWith('sleep 30'))).toBe(true);
    expect(owner.size).toBe(1);
    // ...until the owner ends it.
    expect(await owner.endAll()).toEqual([]);
    expect(left()).toEqual([]);
    expect(owner.size).toBe(0);
  });

  it('ends what the shell left behind itself when nobody owns it', async () => {
    const rec = await trigger('sleep 30 & echo started', { timeoutMs: 20_000 });
    expect(rec).toMatchObject({ exitCode: 0, timedOut: false });
    expect(left()).toEqual([]);
  });

  it('keeps the output written before the shell exited, and closes the record then', async () => {
    const rec = await trigger(`echo out; echo err >&2; (sleep 3; echo late) & printf 'last'`, { timeoutMs: 20_000 });
    expect(rec.exitCode).toBe(0);
    expect(rec.output).toContain('out\n');
    expect(rec.output).toContain('err\n');
    expect(rec.output).toContain('last');
    expect(rec.output).not.toContain('late');
  });

  it('forgets a group that is already gone when the command exits', async () => {
    const owner = new ProcessGroups();
    const rec = await trigger('exit 4', { processes: owner });
    expect(rec.exitCode).toBe(4);
    expect(owner.size).toBe(0);
  });

  it('an abort ends the whole group and says so', async () => {
    const owner = new ProcessGroups();
    owners.push(owner);
    const ac = new AbortController();
    const running = trigger('sleep 30 & sleep 60', { signal: ac.signal, processes: owner });
    await waitFor('the trigger to start its sleeps', () => left().length >= 2);
    ac.abort();
    const rec = await running;
    expect(rec).toMatchObject({ aborted: true, timedOut: false, exitCode: null, signal: 'SIGTERM' });
    expect(left()).toEqual([]);
  });

  it('a hurry skips the grace: a group that ignores SIGTERM is killed at once', async () => {
    const stop = new AbortController();
    const hurry = new AbortController();
    // A grace longer than the test's own timeout: only the hurry can end this in time.
    const running = trigger(`trap '' TERM; sleep 60 & sleep 60`, { signal: stop.signal, hurry: hurry.signal, graceMs: 600_000 });
    await waitFor('the trigger to start its sleeps', () => left().length >= 2);
    stop.abort();
    hurry.abort();
    const rec = await running;
    expect(rec).toMatchObject({ aborted: true, signal: 'SIGKILL' });
    expect(left()).toEqual([]);
  });
});

describe('process groups', () => {
  it('killAllNow kills every owned group synchronously (the process exits right after)', async () => {
    const owner = new ProcessGroups();
    const rec = await trigger(`trap '' TERM; sleep 60 & echo started`, { processes: owner });
    expect(rec.exitCode).toBe(0);
    expect(owner.size).toBe(1);
    owner.killAllNow();
    expect(owner.size).toBe(0);
    await waitFor('the group to be gone after SIGKILL', () => left().length === 0, 10_000);
  });

  it('a group id with no process is not alive, and ending it is a no-op', async () => {
    const g = new ProcessGroup(2 ** 22 + 12_345, 'nothing');
    expect(await g.alive()).toBe(false);
    expect(await g.end(1000)).toBe(true);
  });
});
