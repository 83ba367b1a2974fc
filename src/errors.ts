/** Exit codes: the contract a CI gate relies on (shared/DESIGN.md). */
export const EXIT = {
  pass: 0,
  fail: 1,
  inconclusive: 2,
  invalidInput: 3,
  couldNotRun: 4,
  /** `zerodrop report`: the saved report's digest does not match its content (or it has none), or its signature does not check out. */
  untrusted: 5,
  interrupted: 130,
} as const;

/** One exit code of the contract. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One problem found in user input, named by its field path (e.g. `load.rate`). */
export interface Problem {
  path: string;
  message: string;
}

/** Base of every error zerodrop throws on purpose: a stable code, a hint for the user, an exit code. */
export class ZerodropError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ZerodropError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? EXIT.couldNotRun;
  }
}

/** Invalid flags, scenario fields or other user input: exit 3, every problem listed at once. */
export class InvalidInputError extends ZerodropError {
  readonly problems: Problem[];

  constructor(problems: Problem[], hint?: string) {
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super('E_INVALID_INPUT', `invalid input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      exitCode: EXIT.invalidInput,
      ...(hint === undefined ? {} : { hint }),
    });
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/** The run could not be carried out (target or cluster unreachable, a tool missing): exit 4. */
export class CouldNotRunError extends ZerodropError {
  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.couldNotRun });
    this.name = 'CouldNotRunError';
  }
}

/** Collects problems during validation, then throws them all at once. */
export class ProblemList {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  throwIfAny(hint?: string): void {
    if (this.problems.length > 0) throw new InvalidInputError(this.problems, hint);
  }
}
