import { startClock } from '../../../src/clock.js';
import type { RunEnvironment } from '../../../src/runner/execute-run.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

/** A scenario from flags alone (one worker unless told), as `zerodrop run` resolves it. */
export const scenarioOf = (flags: ScenarioFlags) =>
  resolveScenario(undefined, { workers: '1', ...flags }, {
    readText: () => {
      throw new Error('no files in this test');
    },
    resolvePath: (p) => p,
  });

/** A run environment with a fresh clock and test meta; `over` replaces any part. */
export const envOf = (over: Partial<RunEnvironment> = {}): RunEnvironment => ({
  clock: startClock(),
  env: {},
  cwd: process.cwd(),
  signal: new AbortController().signal,
  meta: { tool: { name: 'zerodrop', version: 'test' }, runId: 'test', commandLine: [], scenarioDigest: 'sha256:test' },
  ...over,
});
