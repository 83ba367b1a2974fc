import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks every process a test starts, down to the last descendant. */
export const MARK_VAR = 'ZERODROP_TEST_MARK';

/** A fresh mark: pass `{ [MARK_VAR]: mark }` in the environment of what the test starts. */
export function newMark(): string {
  return randomUUID();
}

/**
 * The live processes (zombies are dead: they only wait to be reaped, and some containers' init
 * never does) whose environment carries `mark`, read from /proc. Every descendant inherits the
 * environment, so this finds what a command left behind however it detached or re-grouped.
 */
export function markedProcesses(mark: string): Array<{ pid: number; args: string }> {
  const needle = `${MARK_VAR}=${mark}`;
  const found: Array<{ pid: number; args: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') continue;
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (!env.includes(needle)) continue;
      found.push({ pid: Number(name), args: readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim() });
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return found;
}

/** Polls `check` every 50 ms until it returns true, for at most `withinMs`; throws naming `what` otherwise. */
export async function waitFor(what: string, check: () => boolean, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
