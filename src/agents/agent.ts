import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { EXIT, ZerodropError, type ExitCode } from '../errors.js';
import { LIVE, allocLiveCounters } from '../traffic/live-counters.js';
import { LoadEngine } from '../traffic/load-engine.js';
import { successPredicateOf } from '../traffic/status-table.js';
import { AGENT_SPEC_ENV, COMPLETION_INDEX_ENV, loadOptionsOfWire, parseAgentSpec, type AgentSpec } from './agent-spec.js';
import { DeltaTracker } from '../metrics/delta-tracker.js';
import { retriedDelta } from '../metrics/retries.js';
import { RECORD_VERSION, encodeRecord, type AgentLive, type AgentRecord, type IntervalRecord, type RecordBody } from './protocol.js';
import { agentShard } from './shard.js';

/** What an agent needs from its process; the CLI passes the real ones. */
export interface AgentEnvironment {
  env: Record<string, string | undefined>;
  /** Writes one NDJSON line to stdout (the pod log the coordinator follows). */
  write(line: string): void;
  /** Registers the stop handler (SIGTERM: the coordinator suspended or deleted the Job); returns the unregister function. */
  onStop(handler: () => void): () => void;
  /** The wall clock, epoch ms (default Date.now). */
  wallNow?: () => number;
  /** The tool version, for the hello record. */
  version: string;
}

/** Largest histogram payload per line, so no log line gets near a runtime's line limits. */
const HISTOGRAM_LINE_CHARS = 48_000;
/** Extra settle time beyond timeout + lag tolerance before a counter row counts as final. */
const SETTLE_SLACK_MS = 1000;

/**
 * A clock on the coordinator's run timeline: it reads `startAtClockMs` at the shared start's wall
 * time (by this machine's wall clock, so an agent clock that is off shifts it by that skew, which
 * the coordinator measures and reports), then advances with the monotonic clock.
 */
export function alignedRunClock(spec: Pick<AgentSpec, 'startAtWallMs' | 'startAtClockMs' | 't0EpochMs'>, wallNow: () => number = Date.now): Clock {
  const perfAtStart = performance.now() + (spec.startAtWallMs - wallNow());
  return { nowMs: () => spec.startAtClockMs + (performance.now() - perfAtStart), t0EpochMs: spec.t0EpochMs };
}

/**
 * `zerodrop agent`: runs one shard of a distributed load inside a pod of the run's Indexed Job.
 * Reads the spec and its index from the environment, says hello and ready, starts at the
 * shared start time (at once if it is already past: it is then late, and an open-model schedule
 * counts the requests it missed as unsent), writes an interval record every `reportEveryMs`, and
 * on SIGTERM or at the end of the duration stops, waits for in-flight requests, and writes the
 * remaining counters, its latency histograms and a done record. Returns the exit code.
 */
export async function runAgent(ae: AgentEnvironment): Promise<ExitCode> {
  const wall = ae.wallNow ?? Date.now;
  const rawIndex = ae.env[COMPLETION_INDEX_ENV];
  const index = rawIndex !== undefined && /^\d+$/.test(rawIndex) ? Number(rawIndex) : -1;
  let seq = 0;
  const emit = (body: RecordBody): void => {
    ae.write(encodeRecord({ zd: RECORD_VERSION, seq: seq++, index, wallMs: wall(), ...body } as AgentRecord));
  };
  let stopped = false;
  let onStopped: () => void = () => undefined;
  const unregister = ae.onStop(() => {
    stopped = true;
    onStopped();
  });
  try {
    const spec = parseAgentSpec(ae.env[AGENT_SPEC_ENV]);
    if (index < 0) throw new ZerodropError('E_AGENT_INDEX', `${COMPLETION_INDEX_ENV} must be set to the agent's index (an Indexed Job sets it), got ${JSON.stringify(rawIndex)}`, { exitCode: EXIT.invalidInput });
    const opts = loadOptionsOfWire(spec.load);
    const engineSpec = agentShard(opts, spec.count, index);
    const clock = alignedRunClock(spec, wall);
    const live = allocLiveCounters(1, false);
    const success = successPredicateOf(opts.successStatus);
    const engine = new LoadEngine(engineSpec, clock, live, success === undefined ? {} : { successStatus: success });
    const rec = engine.recorder;
    const pod = ae.env['POD_NAME'] ?? ae.env['HOSTNAME'] ?? `agent-${index}`;
    emit({ type: 'hello', pod, version: ae.version, settings: { intervalMs: rec.intervalMs, latencyIntervalMs: rec.latencyIntervalMs, maxLatencyMs: rec.maxLatencyMs } });
    emit({ type: 'ready', startAtWallMs: spec.startAtWallMs });
    const lateMs = Math.max(0, clock.nowMs() - spec.startAtClockMs);

    await new Promise<void>((resolve) => {
      const wait = spec.startAtClockMs - clock.nowMs();
      if (stopped || wait <= 0) return resolve();
      const timer = setTimeout(resolve, wait);
      onStopped = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    onStopped = () => engine.stop();
    if (stopped) engine.stop();
    else {
      engine.start(spec.startAtClockMs);
      emit({ type: 'start', lateMs });
    }

    const liveOf = (): AgentLive => ({
      sent: live[LIVE.dispatched]!,
      succeeded: live[LIVE.succeeded]!,
      failed: live[LIVE.failed]!,
      unsent: live[LIVE.unsent]!,
      inFlight: live[LIVE.inFlight]!,
    });
    const tracker = new DeltaTracker();
    // Retries and GOAWAYs travel as increments beside the rows (few: sent whole each time they grow).
    let retriedSent: Record<string, Record<string, number>> = {};
    let goawaysSent = 0;
    const extras = (r: typeof rec): Pick<IntervalRecord, 'retried' | 'goaways'> => {
      const out: Pick<IntervalRecord, 'retried' | 'goaways'> = {};
      const enc = r.toRetriedJSON();
      const retried = retriedDelta(enc, retriedSent);
      if (retried !== undefined) {
        out.retried = retried;
        retriedSent = enc;
      }
      if (r.goawayCount > goawaysSent) {
        out.goaways = r.goawaysFrom(goawaysSent);
        goawaysSent = r.goawayCount;
      }
      return out;
    };
    const settleMs = spec.load.timeoutMs + engineSpec.lagToleranceMs + SETTLE_SLACK_MS + rec.intervalMs;
    const timer = setInterval(() => {
      const now = clock.nowMs();
      const finalRow = Math.max(0, Math.floor((now - settleMs) / rec.intervalMs));
      const d = tracker.cut(rec.intervals(), finalRow, rec.statusCodes(), rec.errorCodes());
      emit({ type: 'interval', tMs: now, ...d, ...extras(rec), live: liveOf() });
    }, spec.reportEveryMs);

    const result = await engine.done;
    clearInterval(timer);
    const final = result.recorder;
    const rest = tracker.finish(final.intervals(), final.statusCodes(), final.errorCodes());
    emit({ type: 'interval', tMs: clock.nowMs(), ...rest, ...extras(final), live: liveOf() });
    let chunk: Array<{ index: number; data: string }> = [];
    let size = 0;
    for (const h of final.toJSON().histograms) {
      if (size + h.data.length > HISTOGRAM_LINE_CHARS && chunk.length > 0) {
        emit({ type: 'histograms', histograms: chunk });
        chunk = [];
        size = 0;
      }
      chunk.push(h);
      size += h.data.length;
    }
    if (chunk.length > 0) emit({ type: 'histograms', histograms: chunk });
    const t = final.totals();
    emit({
      type: 'done',
      totals: { sent: t.sent, succeeded: t.succeeded, failed: t.failed, unsent: t.unsent },
      lag: result.lag.toJSON(),
      health: { ...result.health, index },
      durationMs: result.durationMs,
      stoppedEarly: result.stoppedEarly,
      startMs: result.startMs,
      endMs: result.endMs,
    });
    return EXIT.pass;
  } catch (err) {
    emit({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    return err instanceof ZerodropError ? err.exitCode : EXIT.couldNotRun;
  } finally {
    unregister();
  }
}
