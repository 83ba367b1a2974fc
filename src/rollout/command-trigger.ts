import { spawn } from 'node:child_process';
import type { Clock } from '../clock.js';
import type { TriggerRecord } from '../report/model.js';

/** Most output kept from a trigger command: the head and the tail of it, 32 KiB each. */
const KEEP_BYTES = 32 * 1024;

/** Options of a command trigger. */
export interface CommandTriggerOptions {
  command: string;
  timeoutMs: number;
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  signal?: AbortSignal;
  /** Called with each chunk of output as it arrives (for live logs); optional. */
  onOutput?: (chunk: string) => void;
}

/**
 * Runs a release command in a shell, in its own process group so that a timeout or Ctrl-C stops
 * it and everything it started. Never rejects: the record says how it ended.
 */
export function runCommandTrigger(opts: CommandTriggerOptions): Promise<TriggerRecord & { timedOut: boolean; aborted: boolean }> {
  const startMs = opts.clock.nowMs();
  return new Promise((resolve) => {
    const head: Buffer[] = [];
    let headBytes = 0;
    let tail = Buffer.alloc(0);
    let total = 0;
    let timedOut = false;
    let aborted = false;
    const keep = (chunk: Buffer): void => {
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
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const stop = (): void => {
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2000).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    let finished = false;
    const finish = (exitCode: number | null, signal: string | null, spawnError?: Error): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      // The shell may have left children behind in its group; they belong to this run.
      killGroup('SIGKILL');
      let output = Buffer.concat(head).toString('utf8');
      const truncated = total > headBytes + tail.length;
      if (truncated) output += `\n[... ${total - headBytes - tail.length} bytes left out ...]\n`;
      output += tail.toString('utf8');
      if (spawnError) output += `${output ? '\n' : ''}could not start the trigger: ${spawnError.message}`;
      if (timedOut) output += `${output ? '\n' : ''}[zerodrop: the trigger was stopped after its ${opts.timeoutMs} ms timeout]`;
      resolve({
        command: opts.command,
        startMs,
        endMs: opts.clock.nowMs(),
        exitCode,
        signal,
        output,
        outputTruncated: truncated,
        timedOut,
        aborted,
      });
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('close', (code, signal) => finish(code, signal));
  });
}
