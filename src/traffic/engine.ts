import type { Clock } from '../clock.js';
import { InvalidInputError, ProblemList } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { SuccessPredicate } from './classify.js';
import { DEFAULT_LAG_TOLERANCE_MS, LoadEngine, defaultMaxInFlight, pacerOf } from './load-engine.js';
import type { EngineSpec } from './load-engine.js';
import { LIVE, allocLiveCounters } from './live-counters.js';
import { RateMeter, combineResults } from './load-result.js';
import type { LoadHandle, LoadProgress, LoadResult } from './load-result.js';
import { statusTableOf, successPredicateOf, type StatusRanges } from './status-table.js';
import { CLIENT_CHOICES, CLIENT_KINDS, clientKindOf, parseTargetUrl } from './target.js';
import type { ClientKind } from './target.js';
import { MAX_SEND_AHEAD_MS } from './send-window.js';
import { startWorkerLoad } from './worker-pool.js';
import { resolveWorkers } from './worker-plan.js';
import { feedDeltas, type DeltaFeed } from './delta-feed.js';
import type { RecordingDelta } from '../metrics/recording-cutter.js';

export { DEFAULT_LAG_TOLERANCE_MS, defaultMaxInFlight } from './load-engine.js';
export { OPEN_RATE_PER_WORKER, OPEN_WORKER_CORE_BUDGET, planWorkers, resolveWorkers } from './worker-plan.js';
export type { WorkerPlan } from './worker-plan.js';
export type { WorkerHealth } from './generator-health.js';
export type { LoadHandle, LoadHealth, LoadProgress, LoadResult } from './load-result.js';

/** What to send, how fast and for how long: the one input of the load engine (the CLI builds it). */
export interface LoadOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** open: requests start on a schedule whatever the target does; closed: N loops, next on completion. */
  model: 'open' | 'closed';
  /** Open model: requests per second (the rate after the ramp, if any). */
  rate?: number;
  /** Open model: ramp linearly from `fromRate` up (or down) to `rate` over `durationMs`, then hold. */
  ramp?: { fromRate: number; durationMs: number };
  /** Closed model: concurrent request loops (= connections). */
  connections?: number;
  /** How long to schedule requests; in-flight ones are then awaited up to the timeout. */
  durationMs: number;
  /** Per-request timeout; a request still unanswered then is exactly one `timeout`. */
  timeoutMs: number;
  keepAlive: boolean;
  /**
   * Open model: most requests in flight at once; a request due while the cap is reached is
   * counted `unsent`. Default max(1000, ceil(1.1 x peak rate x timeout)): large enough that a
   * target that hangs for the whole timeout shows up as timeouts, not as a generator limit.
   */
  maxInFlight?: number;
  /**
   * Open model: keep at least this many keep-alive connections and send on them in turn, oldest
   * idle first, like that many clients: behind a Service every connection lands on a pod of its
   * own choosing, so the load reaches every pod. Default: as few connections as the rate needs
   * (the most recently used first). Split across workers and agents. HTTP/2: sessions kept and
   * taken in turn (default one, more when each carries as many streams as allowed). gRPC: one
   * connection per lane, as HTTP/1.1.
   */
  minConnections?: number;
  http2?: boolean;
  /** HTTP/2: streams in flight per session (see TargetOptions.streams). */
  streams?: number;
  /** gRPC unary calls (see TargetOptions.grpc): the URL's path names the method, `body` is the framed request. */
  grpc?: boolean;
  ca?: string | Uint8Array;
  insecure?: boolean;
  /** Response header naming the pod that answered (e.g. x-pod-name): outcomes are counted per pod too. */
  podHeader?: string;
  /** The HTTP client (see TargetOptions.client). */
  client?: ClientKind;
  /** Inclusive status ranges counted as success (plain data; the engine derives its table once). Default: 2xx and 3xx. */
  successStatus?: StatusRanges;
  /** Counter interval width in ms (default 100). */
  intervalMs?: number;
  /**
   * Open model: how late (ms) a request may start before it is counted `unsent` instead of sent
   * in a burst. Default 50: above timer jitter and young-GC pauses, below anything a rollout
   * analysis would care about.
   */
  lagToleranceMs?: number;
  /**
   * Open model: a wake-up of the pacing tick sends every request due within this many ms of it
   * (0..MAX_SEND_AHEAD_MS; see send-window.ts). Default SEND_AHEAD_MS (open-wake.ts). A request
   * sent ahead counts its latency from its actual send, a late one from its scheduled time.
   */
  sendAheadMs?: number;
  /**
   * Worker threads to spread the load over: a number, or 'auto' (planWorkers): one per available
   * core for the closed model (as fast as possible), and for the open model as many as the peak
   * rate needs (one per OPEN_RATE_PER_WORKER requests/s, at most one per core; a rate one worker
   * carries with half a core to spare stays in-thread).
   * Default 1: the engine runs in the calling thread (the fastest single-worker path, and the
   * only one that honours a custom clock exactly; workers align to the clock's current offset
   * from the monotonic clock, which holds for startClock()'s clock).
   */
  workers?: number | 'auto';
  /**
   * The generator's own health (schedule lag, event-loop delay and utilization, hence
   * `saturated`) is measured from this many ms after the start: a warmup is where the JIT,
   * the first connections and worker start-up happen. The traffic itself is the same. Default 0.
   */
  warmupMs?: number;
  /**
   * Called on the calling thread with what every recording (this thread's engines, each worker
   * thread's, each agent's) added since its previous delta, every `deltaEveryMs`, and once more
   * with the rest before `done` resolves: the sum of every delta is the run's recording, exactly
   * (the run's journal). Unset: no deltas are cut.
   */
  onDelta?: (delta: RecordingDelta) => void;
  /** How often each recording cuts a delta for onDelta, ms (default 500). */
  deltaEveryMs?: number;
}


/** Default LoadOptions.deltaEveryMs: twice a second, so the journal's once-a-second flush has every source's recent counts. */
export const DEFAULT_DELTA_EVERY_MS = 500;

/**
 * One engine spec per worker. Open model: worker k paces every n-th request of the run's
 * schedule starting at k (the union is the schedule) and gets an even share of the in-flight
 * cap. Closed model: connections split as evenly as possible (the first ones get one more).
 */
export function splitLoad(opts: LoadOptions, workers: number, statusTable: Uint8Array = statusTableOf(opts.successStatus)): EngineSpec[] {
  const specs: EngineSpec[] = [];
  const open = opts.model === 'open';
  const totalInFlight = open ? (opts.maxInFlight ?? defaultMaxInFlight(pacerOf({ rate: opts.rate!, ...(opts.ramp ? { ramp: opts.ramp } : {}), stride: { index: 0, count: 1 } }).peakRate, opts.timeoutMs)) : 0;
  const conns = opts.connections ?? 0;
  for (let k = 0; k < workers; k++) {
    const spec: EngineSpec = {
      url: opts.url,
      method: opts.method,
      headers: opts.headers,
      timeoutMs: opts.timeoutMs,
      keepAlive: opts.keepAlive,
      model: opts.model,
      stride: { index: k, count: workers },
      maxInFlight: open ? Math.ceil(totalInFlight / workers) : 0,
      minConnections: open ? Math.ceil((opts.minConnections ?? 0) / workers) : 0,
      connections: open ? 0 : Math.floor(conns / workers) + (k < conns % workers ? 1 : 0),
      durationMs: opts.durationMs,
      intervalMs: opts.intervalMs ?? 100,
      lagToleranceMs: opts.lagToleranceMs ?? DEFAULT_LAG_TOLERANCE_MS,
      healthFromMs: opts.warmupMs ?? 0,
      statusTable,
    };
    if (opts.body !== undefined) spec.body = opts.body;
    if (opts.http2 !== undefined) spec.http2 = opts.http2;
    if (opts.grpc === true) spec.grpc = true;
    if (opts.streams !== undefined) spec.streams = opts.streams;
    if (opts.ca !== undefined) spec.ca = opts.ca;
    if (opts.insecure !== undefined) spec.insecure = opts.insecure;
    if (opts.podHeader !== undefined) spec.podHeader = opts.podHeader.toLowerCase();
    if (opts.client !== undefined) spec.client = opts.client;
    if (opts.rate !== undefined) spec.rate = opts.rate;
    if (opts.ramp !== undefined) spec.ramp = opts.ramp;
    if (opts.sendAheadMs !== undefined) spec.sendAheadMs = opts.sendAheadMs;
    specs.push(spec);
  }
  return specs;
}

function validate(opts: LoadOptions): void {
  const p = new ProblemList();
  let urlOk = true;
  try {
    parseTargetUrl(opts.url);
  } catch {
    urlOk = false;
    p.add('url', `must be an http(s) URL, got ${JSON.stringify(redactUrl(opts.url))}`);
  }
  if (opts.client !== undefined && !(CLIENT_KINDS as readonly string[]).includes(opts.client)) {
    p.add('client', `must be ${CLIENT_CHOICES}, got ${JSON.stringify(opts.client)}`);
  } else if (urlOk) {
    try {
      clientKindOf(opts);
    } catch (err) {
      for (const problem of (err as InvalidInputError).problems) p.add(problem.path, problem.message);
    }
  }
  const posInt = (path: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) p.add(path, `must be a positive integer, got ${v}`);
  };
  const posNum = (path: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) p.add(path, `must be a positive number, got ${v}`);
  };
  if (opts.grpc === true && opts.http2 === true) p.add('http2', 'gRPC always speaks HTTP/2 on its own connections: leave http2 unset');
  if (typeof opts.method !== 'string' || !/^[A-Za-z]+$/.test(opts.method)) p.add('method', `must be an HTTP method, got ${JSON.stringify(opts.method)}`);
  if (opts.model === 'open') {
    if (opts.rate === undefined) p.add('rate', 'is required for the open model');
    posNum('rate', opts.rate);
    if (opts.ramp !== undefined) {
      if (!(Number.isFinite(opts.ramp.fromRate) && opts.ramp.fromRate >= 0)) p.add('ramp.fromRate', `must be >= 0, got ${opts.ramp.fromRate}`);
      if (!(Number.isFinite(opts.ramp.durationMs) && opts.ramp.durationMs >= 0)) p.add('ramp.durationMs', `must be >= 0, got ${opts.ramp.durationMs}`);
    }
    posInt('maxInFlight', opts.maxInFlight);
    posInt('minConnections', opts.minConnections);
    if (opts.minConnections !== undefined && opts.maxInFlight !== undefined && opts.minConnections > opts.maxInFlight) {
      p.add('minConnections', `must be at most maxInFlight (${opts.maxInFlight}), got ${opts.minConnections}`);
    }
  } else if (opts.model === 'closed') {
    if (opts.connections === undefined) p.add('connections', 'is required for the closed model');
    posInt('connections', opts.connections);
    if (opts.minConnections !== undefined) p.add('minConnections', 'is for the open model; the closed model keeps exactly `connections`');
  } else {
    p.add('model', `must be "open" or "closed", got ${JSON.stringify(opts.model)}`);
  }
  posInt('streams', opts.streams);
  if (opts.streams !== undefined && opts.http2 !== true) p.add('streams', 'streams per session are for HTTP/2 (http2: true)');
  posNum('durationMs', opts.durationMs);
  posNum('timeoutMs', opts.timeoutMs);
  posInt('intervalMs', opts.intervalMs);
  if (opts.lagToleranceMs !== undefined && !(opts.lagToleranceMs >= 0)) p.add('lagToleranceMs', `must be >= 0, got ${opts.lagToleranceMs}`);
  if (opts.sendAheadMs !== undefined && !(opts.sendAheadMs >= 0 && opts.sendAheadMs <= MAX_SEND_AHEAD_MS)) {
    p.add('sendAheadMs', `must be between 0 and ${MAX_SEND_AHEAD_MS} ms, got ${opts.sendAheadMs}`);
  }
  if (opts.workers !== undefined && opts.workers !== 'auto') posInt('workers', opts.workers);
  if (opts.warmupMs !== undefined && !(opts.warmupMs >= 0)) p.add('warmupMs', `must be >= 0, got ${opts.warmupMs}`);
  p.throwIfAny();
}

/** The single-worker path: one engine in the calling thread, no messages, the caller's clock. */
class InThreadLoad implements LoadHandle {
  readonly done: Promise<LoadResult>;
  readonly #engine: LoadEngine;
  readonly #live: Float64Array;
  readonly #clock: Clock;
  readonly #meter: RateMeter;

  constructor(spec: EngineSpec, clock: Clock, successStatus: SuccessPredicate | undefined, startMs: number, deltas: DeltaFeed | undefined) {
    this.#clock = clock;
    this.#live = allocLiveCounters(1, false);
    this.#engine = new LoadEngine(spec, clock, this.#live, successStatus === undefined ? {} : { successStatus });
    this.#meter = new RateMeter(startMs);
    const feed = deltas === undefined ? undefined : feedDeltas(this.#engine.recorder, 'main', spec, clock, deltas);
    this.done = this.#engine.done.then((r) => {
      feed?.finish();
      return combineResults([r], spec.model);
    });
    this.#engine.start(startMs);
  }

  stop(): void {
    this.#engine.stop();
  }

  abandon(): void {
    this.#engine.abandon();
  }

  progress(): LoadProgress {
    const now = this.#clock.nowMs();
    const live = this.#live;
    const sent = live[LIVE.dispatched]!;
    const rec = this.#engine.recorder;
    return {
      elapsedMs: now - this.#engine.startMs,
      sent,
      succeeded: live[LIVE.succeeded]!,
      failed: live[LIVE.failed]!,
      unsent: live[LIVE.unsent]!,
      inFlight: live[LIVE.inFlight]!,
      recentRate: this.#meter.sample(now, sent),
      recentP99Ms: rec.p99At(now - rec.latencyIntervalMs),
    };
  }
}

/**
 * Starts sending load now: clock.nowMs() is the load's start. With several workers, the calling
 * thread sends until every worker thread is up, then hands the rest of the schedule over to them
 * at one instant of the same clock (see WorkerLoad). Throws InvalidInputError for
 * inconsistent options; never rejects `done`: every failure of the target becomes an outcome,
 * and a failed worker makes the result `saturated`.
 */
export function startLoad(opts: LoadOptions, clock: Clock): LoadHandle {
  // The caller's "now" is the start, before any set-up work.
  const startMs = clock.nowMs();
  validate(opts);
  const n = resolveWorkers(opts);
  // The success rule, derived once: the table for every engine, the predicate for codes beyond it in this thread.
  const table = statusTableOf(opts.successStatus);
  const success = successPredicateOf(opts.successStatus);
  const specs = splitLoad(opts, n, table);
  const deltas: DeltaFeed | undefined = opts.onDelta === undefined ? undefined : { onDelta: opts.onDelta, everyMs: opts.deltaEveryMs ?? DEFAULT_DELTA_EVERY_MS };
  if (n === 1) return new InThreadLoad(specs[0]!, clock, success, startMs, deltas);
  // The whole load for the calling thread, which sends until the workers are up.
  const bridge = splitLoad(opts, 1, table)[0]!;
  return startWorkerLoad(specs, clock, { bridge, startMs, ...(success === undefined ? {} : { successStatus: success }), ...(deltas === undefined ? {} : { deltas }) });
}
