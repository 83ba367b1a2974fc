import type { Clock } from '../clock.js';
import { Recorder } from '../metrics/recorder.js';
import { GeneratorHealthProbe } from '../traffic/generator-health-probe.js';
import { assessSaturation } from '../traffic/generator-health.js';
import { eventLoopDelayResolutionMs } from '../traffic/upkeep-cadence.js';
import { loadHealthOf, RateMeter, type LoadHandle, type LoadProgress, type LoadResult } from '../traffic/load-result.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import { RecordingCutter, type RecordingDelta } from '../metrics/recording-cutter.js';
import { ConnectionLog, type ConnectionRecording } from './connection-log.js';
import type { StreamLoadOptions } from './stream-options.js';
import { WsClient } from './ws-client.js';
import { SseClient } from './sse-client.js';

/** A running long-lived-connection load: a LoadHandle (the runner drives it as any load) that also tells its connections. */
export interface StreamLoadHandle extends LoadHandle {
  /** The connection events so far (complete once `done` resolved). */
  connections(): ConnectionRecording;
}

/** What every client kind offers the load. */
export interface StreamClient {
  readonly index: number;
  readonly sent: number;
  readonly pending: { readonly size: number; readonly answered: number; readonly failed: number; expire(tMs: number, all?: boolean): number };
  start(): void;
  stopSending(): void;
  end(): void;
  /** After deadlines were checked: a client that waits for events starts its next wait. */
  rearm?(): void;
}

/** Extra options of the run: the journal's delta feed. */
export interface StreamRunHooks {
  onDelta?: (delta: RecordingDelta) => void;
  deltaEveryMs?: number;
  /** Health is measured from this many ms after the start (the warmup). */
  warmupMs?: number;
}

/**
 * Starts a long-lived-connection load: `connections` clients, each holding one connection open
 * and exchanging messages on it (WebSocket) or reading events (SSE), in this thread. Messages are
 * recorded as requests are (one outcome each, in the interval of their send), so the verdict,
 * timeline and outage windows work on them; the connection events go to a ConnectionLog.
 * `stop()` stops sending and waits for the answers in flight (up to the deadline), then closes
 * every connection with 1000.
 */
export function startStreamLoad(opts: StreamLoadOptions, clock: Clock, hooks: StreamRunHooks = {}): StreamLoadHandle {
  const recorder = new Recorder({ intervalMs: opts.intervalMs, maxLatencyMs: Math.max(opts.deadlineMs * 2, 1000) });
  const log = new ConnectionLog({ kind: opts.kind, connections: opts.connections, messageRate: opts.messageRate, promptMs: opts.reconnect.promptMs });
  // The delay monitor samples as often as the messages the load exchanges need (see upkeep-cadence).
  const probe = new GeneratorHealthProbe(clock, eventLoopDelayResolutionMs(opts.connections * Math.max(opts.messageRate, 1)));
  const startMs = probe.start(clock.nowMs(), hooks.warmupMs ?? 0, opts.durationMs);
  const clients: StreamClient[] = [];
  for (let i = 0; i < opts.connections; i++) clients.push(opts.kind === 'websocket' ? new WsClient(i, opts, recorder, log, clock) : new SseClient(i, opts, recorder, log, clock));
  for (const c of clients) c.start();

  const cutter = hooks.onDelta === undefined ? undefined : new RecordingCutter(recorder, 'main', opts.deadlineMs + 2000);
  const deltaTimer = cutter === undefined ? undefined : setInterval(() => hooks.onDelta?.(cutter.cut(clock.nowMs())), hooks.deltaEveryMs ?? 500);
  // Deadlines are checked often enough that a timeout lands within a tenth of the deadline of its time.
  const sweep = setInterval(() => {
    const now = clock.nowMs();
    for (const c of clients) {
      c.pending.expire(now);
      c.rearm?.();
    }
  }, Math.max(10, Math.min(100, opts.deadlineMs / 10)));
  const planned = setTimeout(() => stop(), opts.durationMs);

  let stopping = false;
  let stoppedEarly = false;
  let finish: (() => void) | undefined;
  let finished = false;
  const done = new Promise<LoadResult>((resolve) => {
    finish = () => {
      if (finished) return;
      finished = true;
      const endMs = clock.nowMs();
      clearInterval(sweep);
      clearInterval(deltaTimer);
      for (const c of clients) c.end();
      if (cutter !== undefined) hooks.onDelta?.(cutter.finish());
      const sent = clients.reduce((n, c) => n + c.sent, 0);
      const worker = probe.finish(endMs, 0, sent, 0, false);
      const reasons = assessSaturation([worker], 'closed').reasons;
      resolve({
        recorder,
        durationMs: endMs - startMs,
        stoppedEarly,
        startMs,
        endMs,
        health: loadHealthOf('closed', new LagRecorder().summary(), [worker], [worker], reasons),
      });
    };
  });

  const inFlight = (): number => clients.reduce((n, c) => n + c.pending.size, 0);
  function stop(): void {
    if (stopping) return;
    stopping = true;
    stoppedEarly = clock.nowMs() - startMs < opts.durationMs - 1;
    clearTimeout(planned);
    for (const c of clients) c.stopSending();
    // Answers in flight get their deadline; then every connection closes.
    const until = clock.nowMs() + opts.deadlineMs;
    const wait = setInterval(() => {
      if (inFlight() > 0 && clock.nowMs() < until) return;
      clearInterval(wait);
      for (const c of clients) c.pending.expire(clock.nowMs(), true);
      finish?.();
    }, 20);
    abandonWait = () => {
      clearInterval(wait);
      for (const c of clients) c.pending.expire(clock.nowMs(), true);
      finish?.();
    };
  }
  let abandonWait: (() => void) | undefined;

  const meter = new RateMeter(startMs);
  return {
    done,
    stop,
    abandon: () => {
      stop();
      abandonWait?.();
    },
    progress: (): LoadProgress => {
      const now = clock.nowMs();
      const sent = clients.reduce((n, c) => n + c.sent, 0);
      return {
        elapsedMs: now - startMs,
        sent,
        succeeded: clients.reduce((n, c) => n + c.pending.answered, 0),
        failed: clients.reduce((n, c) => n + c.pending.failed, 0),
        unsent: 0,
        inFlight: inFlight(),
        recentRate: meter.sample(now, sent),
        recentP99Ms: recorder.p99At(now - recorder.latencyIntervalMs),
      };
    },
    connections: () => log.toRecording(),
  };
}
