import { spawn } from 'node:child_process';

/** A detached watchdog process; `dismiss()` ends it (after an orderly clean-up made it moot). */
export interface PipeWatchdog {
  /** Ends the watchdog and waits for it (bounded: 2 s), so nothing the emulator started outlives its stop. */
  dismiss(): Promise<void>;
}

/**
 * Starts `source` (a node -e script) detached, holding a pipe from this process: when the pipe
 * closes — this process died, even by SIGKILL — the script cleans up what this process started
 * (an nftables table, an nginx process group). Neither the child nor the pipe keeps this
 * process's event loop alive.
 */
export function startPipeWatchdog(source: string, args: readonly string[]): PipeWatchdog {
  const dog = spawn(process.execPath, ['-e', source, ...args], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<void>((resolve) => {
    dog.once('exit', () => resolve());
    dog.once('error', () => resolve());
  });
  dog.stdin.on('error', () => undefined);
  dog.unref();
  (dog.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    dismiss: async () => {
      if (dog.exitCode === null && dog.signalCode === null) dog.kill('SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    },
  };
}
