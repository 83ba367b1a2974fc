import { readdir, readFile } from 'node:fs/promises';

/** How long a process group gets between SIGTERM and SIGKILL when zerodrop ends it. */
export const GROUP_KILL_GRACE_MS = 2000;

/** After SIGKILL, how long to wait for the kernel to take the processes down before giving up. */
const KILLED_WAIT_MS = 5000;

/** How often a group is looked at while zerodrop waits for it to be gone. */
const POLL_MS = 50;

const wait = (ms: number, cut?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (cut?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      cut?.removeEventListener('abort', done);
      resolve();
    }
    cut?.addEventListener('abort', done, { once: true });
  });

/**
 * The live (not zombie) processes of group `pgid`, from /proc, or 'unknown' without /proc (not
 * Linux). Asynchronous: a scan of every process must not stall the load generator's event loop.
 */
export async function liveMembers(pgid: number): Promise<number[] | 'unknown'> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return 'unknown';
  }
  const pids = entries.filter((name) => name.charCodeAt(0) >= 48 && name.charCodeAt(0) <= 57);
  const found = await Promise.all(
    pids.map(async (name) => {
      try {
        const stat = await readFile(`/proc/${name}/stat`, 'latin1');
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses: split after the last ')'.
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X' ? Number(name) : undefined;
      } catch {
        return undefined; // exited while we looked
      }
    }),
  );
  return found.filter((pid): pid is number => pid !== undefined);
}

/** A process group that zerodrop started: a detached child leads it, so its pid is the group id. */
export class ProcessGroup {
  /** What runs in it, for messages. */
  readonly label: string;
  /** The group id (its leader's pid). */
  readonly pgid: number;

  constructor(pgid: number, label: string) {
    this.pgid = pgid;
    this.label = label;
  }

  /**
   * Some process of the group still runs. The signal probe answers when the group is empty; when
   * it finds members, /proc tells whether any is more than a zombie (dead, waiting to be reaped
   * by an init that, in some containers, never does: the probe alone would see it for ever).
   */
  async alive(): Promise<boolean> {
    try {
      process.kill(-this.pgid, 0);
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    const members = await liveMembers(this.pgid);
    return members === 'unknown' || members.length > 0;
  }

  /** Sends `signal` to every process of the group (nothing when none is left). */
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pgid, signal);
    } catch {
      // ESRCH: the whole group is gone already
    }
  }

  /**
   * Ends the group: SIGTERM to all of it, up to `graceMs` (less once `hurry` aborts) for it to
   * exit, then SIGKILL. Resolves true once no process of it runs, false if some still did after
   * the SIGKILL's own bounded wait (a process stuck in the kernel).
   */
  async end(graceMs: number, hurry?: AbortSignal): Promise<boolean> {
    if (!(await this.alive())) return true;
    this.signal('SIGTERM');
    if (await this.#gone(graceMs, hurry)) return true;
    this.signal('SIGKILL');
    return this.#gone(KILLED_WAIT_MS);
  }

  /** SIGKILL to the whole group, synchronously (the process is about to exit). */
  killNow(): void {
    this.signal('SIGKILL');
  }

  async #gone(withinMs: number, cut?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      if (!(await this.alive())) return true;
      if (Date.now() >= deadline || cut?.aborted === true) return false;
      await wait(Math.min(POLL_MS, Math.max(1, deadline - Date.now())), cut);
    }
  }
}

/**
 * Every process group one owner (the CLI, or one run) started and has not ended yet, so that all
 * of them end with it: in order at the end of a run, at once when the user insists (a third
 * signal) and the process exits.
 */
export class ProcessGroups {
  readonly #groups = new Set<ProcessGroup>();

  /** Takes ownership of a group. */
  add(group: ProcessGroup): void {
    this.#groups.add(group);
  }

  /** Hands a group back (it was ended by whoever started it). */
  delete(group: ProcessGroup): void {
    this.#groups.delete(group);
  }

  /** How many groups are owned. */
  get size(): number {
    return this.#groups.size;
  }

  /**
   * Ends every owned group (TERM, then KILL after `graceMs`, sooner once `hurry` aborts); resolves
   * with the labels of groups that would not die.
   */
  async endAll(graceMs: number = GROUP_KILL_GRACE_MS, hurry?: AbortSignal): Promise<string[]> {
    const groups = [...this.#groups];
    const ended = await Promise.all(groups.map((g) => g.end(graceMs, hurry)));
    const stuck: string[] = [];
    groups.forEach((g, i) => {
      if (ended[i] === true) this.#groups.delete(g);
      else stuck.push(`${g.label} (process group ${g.pgid})`);
    });
    return stuck;
  }

  /** SIGKILL to every owned group, synchronously: the process exits right after. */
  killAllNow(): void {
    for (const g of this.#groups) g.killNow();
    this.#groups.clear();
  }
}
