/** The signals that stop a command in order: Ctrl-C, a CI job's cancel or timeout, a closed terminal. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** The outside world of the CLI, injected so tests run it in-process. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
  stderr: { write(s: string): unknown; isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a handler for SIGINT (Ctrl-C), SIGTERM and SIGHUP; returns the unregister function. */
  onInterrupt(handler: (signal: string) => void): () => void;
  /**
   * Ends the process now with `code`, for a user who insists (a third signal). In-process
   * callers (tests) may leave it out: the third signal then only hurries, like the second.
   */
  exitNow?: (code: number) => void;
}

/** The real process's io. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      const listeners = STOP_SIGNALS.map((signal) => [signal, (): void => handler(signal)] as const);
      for (const [signal, listener] of listeners) process.on(signal, listener);
      return () => {
        for (const [signal, listener] of listeners) process.off(signal, listener);
      };
    },
    exitNow(code) {
      process.exit(code);
    },
  };
}
