import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The built CLI, as a user runs it (npm test builds it first). */
export const cliPath = fileURLToPath(new URL('../../bin/zerodrop.js', import.meta.url));

/** What a finished CLI process left behind. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the real CLI as a child process. */
export function startCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, result };
}

/** Runs the real CLI to completion. */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return startCli(args, opts).result;
}
