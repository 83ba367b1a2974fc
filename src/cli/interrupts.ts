import { EXIT } from '../errors.js';
import type { CliIo } from './io.js';

/**
 * How a command answers stop signals (SIGINT, SIGTERM, SIGHUP alike, counted together): the
 * first stops in order (`stop` aborts: traffic stops, what the run changed is undone, the
 * reports are written, exit 130); the second shortens the waits (`hurry` aborts) but the reports
 * are still written; the third exits at once with 130, after `beforeExit` has killed what must
 * not outlive the process. A CI runner's cancel (SIGINT, then SIGTERM, then SIGKILL) thus gets
 * the reports in its first two steps.
 */
export interface Interrupts {
  /** Aborts at the first signal. */
  readonly stop: AbortSignal;
  /** Aborts at the second signal. */
  readonly hurry: AbortSignal;
  /** Stops listening for signals. */
  dispose(): void;
}

/** What a command says at each signal, and what it must do before exiting at the third. */
export interface InterruptPlan {
  /** The line printed at the first signal, after `zerodrop: SIGxxx received: `. */
  first: string;
  /** The line printed at the second, after `zerodrop: SIGxxx received again: `. */
  second: string;
  /** Synchronous last rites before the process exits at the third signal (kill process groups). */
  beforeExit?: () => void;
}

/** Listens for stop signals on `io` for the life of one command. */
export function watchInterrupts(io: CliIo, plan: InterruptPlan): Interrupts {
  const stop = new AbortController();
  const hurry = new AbortController();
  let count = 0;
  const unregister = io.onInterrupt((signal) => {
    count++;
    if (count === 1) {
      io.stderr.write(`\nzerodrop: ${signal} received: ${plan.first}\n`);
      stop.abort();
    } else if (count === 2) {
      io.stderr.write(`\nzerodrop: ${signal} received again: ${plan.second}\n`);
      hurry.abort();
    } else if (io.exitNow !== undefined) {
      plan.beforeExit?.();
      io.stderr.write(`\nzerodrop: ${signal} received a third time: exiting now (${EXIT.interrupted}) without writing the reports\n`);
      io.exitNow(EXIT.interrupted);
    }
  });
  return { stop: stop.signal, hurry: hurry.signal, dispose: unregister };
}
