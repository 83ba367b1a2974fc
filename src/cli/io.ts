/** The outside world of the CLI, injected so tests run it in-process. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
  stderr: { write(s: string): unknown; isTTY?: boolean | undefined };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Registers a handler for Ctrl-C / SIGTERM; returns the unregister function. */
  onInterrupt(handler: (signal: string) => void): () => void;
}

/** The real process's io. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    onInterrupt(handler) {
      const onInt = (): void => handler('SIGINT');
      const onTerm = (): void => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
  };
}
