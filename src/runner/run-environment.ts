import type { Clock } from '../clock.js';
import type { ExitCode } from '../errors.js';
import type { Report } from '../report/model.js';
import type { ProcessGroups } from '../rollout/process-group.js';
import type { LoadProgress } from '../traffic/engine.js';
import type { JournalSink } from './journal/file-sink.js';

/** The phase the run is in, for progress lines. */
export type LivePhase = 'warmup' | 'measure' | 'baseline' | 'rollout' | 'cooldown' | 'stopping';

/** What a run needs from its surroundings; the CLI passes the real ones. */
export interface RunEnvironment {
  clock: Clock;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborts the run (Ctrl-C, SIGTERM, SIGHUP): traffic and trigger stop, the report is marked aborted. */
  signal: AbortSignal;
  /**
   * Shortens the waits of an aborted run (a second signal): requests in flight are abandoned
   * (counted as timeouts), process groups get no grace before SIGKILL; the report is still made.
   */
  hurry?: AbortSignal;
  /**
   * Owns the process groups the run starts (the trigger's, with whatever it left running), so
   * the caller can kill them at once if it must exit; the run ends them itself when its traffic
   * stops. The run makes its own when not given.
   */
  processes?: ProcessGroups;
  /** Facts for report.meta that the caller knows (tool version, command line, digest, run id). */
  meta: Pick<Report['meta'], 'tool' | 'runId' | 'commandLine' | 'scenarioDigest' | 'git' | 'machine' | 'scenario'>;
  /** Called about every 250 ms while traffic runs. */
  onProgress?: (phase: LivePhase, progress: LoadProgress) => void;
  /** Trigger output as it arrives. */
  onTriggerOutput?: (chunk: string) => void;
  /** One-line notes on what the run is doing (starting the emulator, rolling back...). */
  onNote?: (note: string) => void;
  /** Where the run's journal goes (journal.ndjson in the output folder), so a killed run can be rebuilt; unset: no journal. */
  journal?: JournalSink;
}

/** A finished run: the report and the exit code it maps to. */
export interface RunOutcome {
  report: Report;
  exitCode: ExitCode;
}
