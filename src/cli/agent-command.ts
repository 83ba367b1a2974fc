import { runAgent } from '../agents/agent.js';
import type { ExitCode } from '../errors.js';
import { toolVersion } from '../version.js';
import type { CliIo } from './io.js';

/**
 * `zerodrop agent`: one load-generating agent of a distributed run. It runs inside a pod of the
 * Indexed Job that `zerodrop run --agents N` creates, reads its spec from the environment and
 * writes NDJSON records to stdout, which the coordinator reads through the pod log API. Not
 * meant to be started by hand.
 */
export async function agentCommand(io: CliIo): Promise<ExitCode> {
  return runAgent({
    env: io.env,
    write: (line) => io.stdout.write(line),
    onStop: (handler) => io.onInterrupt(() => handler()),
    version: toolVersion(),
  });
}
