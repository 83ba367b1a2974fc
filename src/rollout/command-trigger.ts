import { spawn } from 'node:child_process';
import type { Clock } from '../clock.js';
import { GROUP_KILL_GRACE_MS, ProcessGroup, type ProcessGroups } from './process-group.js';

/** What the trigger command did. */
export interface TriggerRecord {
  command: string;
  startMs: number;
  endMs: number;
  exitCode: number | null;
  signal: string | null;
  /** Combined stdout+stderr, truncated to a bounded size. */
  output: string;
  outputTruncated: boolean;
  /** Set when the command was still running at its timeout and its process group was stopped: the run fails. */
  timedOut?: boolean;
  /** The command's timeout, ms (set with `timedOut`). */
  timeoutMs?: number;
}

/** Most output kept from a trigger command: the head and the tail of it, 32 KiB each. */
const KEEP_BYTES = 32 * 1024;

/**
 * Once the shell has exited, how long its output pipes may take to deliver what is already in
 * them. A background child that inherited them can hold them open for ever: it must not hold the
 * trigger, so the record is closed after this even if the pipes are not.
 */
export const OUTPUT_DRAIN_MS = 250;

/** Options of a command trigger. */
export interface CommandTriggerOptions {
  command: string;
  timeoutMs: number;
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Stops the command (Ctrl-C, SIGTERM, SIGHUP): its whole process group is ended. */
  signal?: AbortSignal;
  /** Shortens the grace between SIGTERM and SIGKILL when the group is being ended (a second signal). */
  hurry?: AbortSignal;
  /** SIGTERM to SIGKILL when ending the group (default GROUP_KILL_GRACE_MS). */
  graceMs?: number;
  /**
   * Takes over what the command leaves running in its group when it exits (`cmd &`: a
   * port-forward the release needs), to end it later. Without an owner, the trigger ends the
   * group itself as soon as the command exits.
   */
  processes?: ProcessGroups;
  /** Called with each chunk of output as it arrives (for live logs); optional. */
  onOutput?: (chunk: string) => void;
}

/** A finished command trigger: the record, and whether the timeout or an abort stopped it. */
export type CommandTriggerResult = Omit<TriggerRecord, 'timedOut' | 'timeoutMs'> & { timedOut: boolean; aborted: boolean };

/**
 * Runs a release command in a shell, in a process group of its own. It is done when the shell
 * exits, whatever its background children do; the timeout and an abort end the whole group
 * (SIGTERM, then SIGKILL after the grace) and resolve once no process of it runs. Never rejects:
 * the record says how it ended.
 */
export function runCommandTrigger(opts: CommandTriggerOptions): Promise<CommandTriggerResult> {
  const startMs = opts.clock.nowMs();
  const graceMs = opts.graceMs ?? GROUP_KILL_GRACE_MS;
  return new Promise((resolve) => {
    const head: Buffer[] = [];
    let headBytes = 0;
    let tail = Buffer.alloc(0);
    let total = 0;
    let timedOut = false;
    let aborted = false;
    let recording = true;
    const keep = (chunk: Buffer): void => {
      // Past the record's end the pipes are still read (a writer blocked on a full pipe, or
      // killed by SIGPIPE, would be a side effect of ours), but nothing more is kept.
      if (!recording) return;
      total += chunk.length;
      opts.onOutput?.(chunk.toString('utf8'));
      if (headBytes < KEEP_BYTES) {
        const part = chunk.subarray(0, KEEP_BYTES - headBytes);
        head.push(part);
        headBytes += part.length;
        chunk = chunk.subarray(part.length);
      }
      if (chunk.length > 0) tail = Buffer.concat([tail, chunk]).subarray(-KEEP_BYTES);
    };

    const child = spawn('/bin/sh', ['-c', opts.command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid, `the trigger \`${opts.command}\``);
    if (group) opts.processes?.add(group);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    let ending: Promise<boolean> | undefined;
    const endGroup = (): void => {
      if (group && ending === undefined) ending = group.end(graceMs, opts.hurry);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      endGroup();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      if (exited) return;
      aborted = true;
      endGroup();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    let exited = false;
    let closed = false;
    let onClosed: (() => void) | undefined;
    child.on('close', () => {
      closed = true;
      onClosed?.();
    });
    const drained = (): Promise<void> =>
      new Promise((done) => {
        if (closed) return done();
        const t = setTimeout(done, OUTPUT_DRAIN_MS);
        onClosed = () => {
          clearTimeout(t);
          done();
        };
      });

    let finished = false;
    const finish = async (exitCode: number | null, signal: string | null, spawnError?: Error): Promise<void> => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      await drained();
      recording = false;
      if (group) {
        if (ending !== undefined) await ending;
        else if (opts.processes === undefined) await group.end(graceMs, opts.hurry);
        if (opts.processes !== undefined && !(await group.alive())) opts.processes.delete(group);
      }
      const endMs = opts.clock.nowMs();
      let output = Buffer.concat(head).toString('utf8');
      const truncated = total > headBytes + tail.length;
      if (truncated) output += `\n[... ${total - headBytes - tail.length} bytes left out ...]\n`;
      output += tail.toString('utf8');
      if (spawnError) output += `${output ? '\n' : ''}could not start the trigger: ${spawnError.message}`;
      if (timedOut) output += `${output ? '\n' : ''}[zerodrop: the trigger did not finish within its ${opts.timeoutMs} ms timeout; its process group was stopped]`;
      resolve({
        command: opts.command,
        startMs,
        endMs,
        exitCode,
        signal,
        output,
        outputTruncated: truncated,
        timedOut,
        aborted,
      });
    };
    child.on('error', (err) => void finish(null, null, err));
    child.on('exit', (code, signal) => {
      exited = true;
      void finish(code, signal);
    });
    if (opts.signal?.aborted === true) onAbort();
  });
}
