import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { WRAPPER_SOURCE } from './process-wrapper.js';

/** How a container's main process ended, in the terms of a containerStatus `terminated` state. */
export interface ContainerExit {
  /** The process's exit code, or 128 + signal number when a signal killed it (as container runtimes report). */
  exitCode: number;
  /** The signal that killed it, if any. */
  signal: NodeJS.Signals | null;
  /** Completed (0), Error (non-zero) or StartError (the command could not be run). */
  reason: 'Completed' | 'Error' | 'StartError';
  message?: string;
  finishedAtMs: number;
}

/** What to run and where its output goes. */
export interface ContainerProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  onOutput: (s: string) => void;
}

/** Process groups alive in this process, killed synchronously if the emulator process exits. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs on process.exit() and a normal end; a signal death skips it, and then the
  // wrapper's watchdog (fd 3 closes) does the same job.
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/** Waits until no process of the group is left (members reparented to init are reaped by it). */
async function groupGone(pgid: number, maxMs = 2000): Promise<void> {
  const end = Date.now() + maxMs;
  while (Date.now() < end) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (onlyZombies(pgid)) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** Linux: true when every process left in the group is a zombie (dead, waiting for init to reap it). */
function onlyZombies(pgid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') return false;
    }
    return true;
  } catch {
    return false;
  }
}

function signalNumber(sig: NodeJS.Signals): number {
  return (osConstants.signals as Record<string, number>)[sig] ?? 9;
}

/**
 * One container instance: a process group led by the watchdog wrapper, running the container's
 * command. Signals go to the whole group, as a container runtime signals a container.
 */
export class ContainerProcess {
  /** The process group id (= the wrapper's pid). */
  readonly pgid: number;
  /** The app's pid, once started. */
  appPid: number | undefined;
  /** Resolves when the command is running, rejects with its start error. */
  readonly started: Promise<number>;
  /** Resolves once the whole group has ended. */
  readonly exited: Promise<ContainerExit>;
  private done = false;

  constructor(spec: ContainerProcessSpec) {
    installExitHook();
    const child: ChildProcess = spawn(process.execPath, ['-e', WRAPPER_SOURCE, '--', spec.command, ...spec.args], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: spec.env,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
    this.pgid = child.pid ?? -1;
    if (this.pgid > 0) liveGroups.add(this.pgid);
    const out = (s: Readable | null): void => {
      s?.setEncoding('utf8');
      s?.on('data', (d: string) => spec.onOutput(d));
    };
    out(child.stdout);
    out(child.stderr);

    let reported: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let startError: { code: string; message: string } | undefined;
    let resolveStarted!: (pid: number) => void;
    let rejectStarted!: (e: Error) => void;
    this.started = new Promise<number>((res, rej) => {
      resolveStarted = res;
      rejectStarted = rej;
    });
    this.started.catch(() => undefined);
    const ctl = child.stdio[3] as Readable | undefined;
    let buf = '';
    ctl?.setEncoding('utf8');
    ctl?.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const m = JSON.parse(line) as { type: string; pid?: number; code?: number | string | null; signal?: NodeJS.Signals | null; message?: string };
          if (m.type === 'started' && typeof m.pid === 'number') {
            this.appPid = m.pid;
            resolveStarted(m.pid);
          } else if (m.type === 'exit') {
            reported = { code: typeof m.code === 'number' ? m.code : null, signal: m.signal ?? null };
          } else if (m.type === 'error') {
            startError = { code: String(m.code), message: m.message ?? String(m.code) };
          }
        } catch {
          // not ours
        }
      }
    });
    ctl?.on('error', () => undefined);

    this.exited = new Promise<ContainerExit>((resolve) => {
      const finish = (wrapperCode: number | null, wrapperSignal: NodeJS.Signals | null): void => {
        if (this.done) return;
        this.done = true;
        const finishedAtMs = Date.now();
        void groupGone(this.pgid).then(() => {
          liveGroups.delete(this.pgid);
          settle(wrapperCode, wrapperSignal, finishedAtMs);
        });
      };
      const settle = (wrapperCode: number | null, wrapperSignal: NodeJS.Signals | null, finishedAtMs: number): void => {
        if (startError !== undefined) {
          rejectStarted(new Error(startError.message));
          resolve({ exitCode: 128, signal: null, reason: 'StartError', message: startError.message, finishedAtMs });
          return;
        }
        rejectStarted(new Error('container exited before it started'));
        // The app's own status when the wrapper could report it; else the group was SIGKILLed.
        const signal = reported ? reported.signal : (wrapperSignal ?? null);
        const code = reported ? reported.code : wrapperCode;
        const exitCode = signal !== null ? 128 + signalNumber(signal) : (code ?? 0);
        resolve({ exitCode, signal, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAtMs });
      };
      // 'close' waits for stdio to drain, so the output is complete when the exit is reported.
      child.on('close', finish);
      child.on('error', (e) => {
        startError = { code: 'ERROR', message: e.message };
        finish(null, null);
      });
    });
  }

  /** True once the group has ended. */
  get isDone(): boolean {
    return this.done;
  }

  /** Sends a signal to every process of the group; false if the group is already gone. */
  signal(sig: NodeJS.Signals): boolean {
    if (this.done || this.pgid <= 0) return false;
    try {
      process.kill(-this.pgid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/** SIGKILLs every group this process still runs (synchronously); for emergencies and tests. */
export function killAllContainerGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
