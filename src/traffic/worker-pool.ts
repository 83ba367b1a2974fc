import { Worker } from 'node:worker_threads';
import type { Clock } from '../clock.js';
import { LagRecorder } from '../metrics/lag-recorder.js';
import { Recorder } from '../metrics/recorder.js';
import { LoadEngine, pacerOf } from './load-engine.js';
import type { EngineResult, EngineSpec } from './load-engine.js';
import type { SuccessPredicate } from './classify.js';
import { allocLiveCounters, liveSlot, sumLive } from './live-counters.js';
import { RateMeter, combineResults } from './load-result.js';
import type { LoadHandle, LoadProgress, LoadResult } from './load-result.js';
import { clockOffsetOf } from './worker-clock.js';
import { decodeEngineResult } from './worker-protocol.js';
import { feedDeltas, type DeltaFeed } from './delta-feed.js';
import type { ParentMessage, WorkerInit, WorkerMessage } from './worker-protocol.js';

/** How far ahead of "all workers ready" the handover is set, so each can arm its timer in time. */
const START_MARGIN_MS = 5;

/** The first request of `spec`'s (unstrided) schedule due at or after `elapsedMs`. */
function firstIndexAtOrAfter(spec: EngineSpec, elapsedMs: number): number {
  const p = pacerOf({ ...spec, stride: { index: 0, count: 1 } });
  let n = Math.max(0, p.dueBy(elapsedMs) - 1);
  while (n > 0 && p.dueAt(n - 1) >= elapsedMs) n--;
  while (p.dueAt(n) < elapsedMs) n++;
  return n;
}

/**
 * How to start the worker script next to this module: the compiled .js under dist/ directly, or,
 * when running from the TypeScript sources (vitest, tsx), the .ts through tsx's loader. On Node
 * 20 `execArgv: ['--import', 'tsx']` does not reach a worker's main module ("Unknown file
 * extension .ts"), so a two-line bootstrap registers tsx in the worker, then imports the file.
 */
export function workerScript(): { filename: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { filename: new URL('./load-worker.js', import.meta.url), eval: false };
  const href = new URL('./load-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(href)}); });`;
  return { filename: boot, eval: true };
}

function emptyResult(spec: EngineSpec, atMs: number): EngineResult {
  return {
    recorder: new Recorder({ intervalMs: spec.intervalMs, maxLatencyMs: Math.max(1000, 2 * spec.timeoutMs) }),
    lag: new LagRecorder(),
    durationMs: 0,
    stoppedEarly: true,
    startMs: atMs,
    endMs: atMs,
    health: {
      index: spec.stride.index,
      sent: 0,
      unsent: 0,
      eventLoopDelayP99Ms: null,
      eventLoopDelayMaxMs: null,
      eventLoopUtilization: 0,
      scheduleLagP99Ms: null,
      scheduleLagMaxMs: null,
    },
  };
}

/**
 * A load spread over worker threads, one LoadEngine each. The load starts when startLoad is
 * called: until every worker is up (tens to hundreds of ms), a bridge engine in the calling
 * thread sends the schedule from its first request, then hands over at one instant T of the
 * parent's clock. Open model: the bridge sends the requests due before T, the workers every one
 * from there (the union is still exactly the schedule); closed model: the bridge's loops stop at
 * T and the workers' start. Each worker runs a clock aligned to the parent's (worker-clock.ts).
 * The parent sums the live counters from shared memory for progress, forwards stop(), and
 * merges every recording exactly when all are done.
 */
export class WorkerLoad implements LoadHandle {
  readonly done: Promise<LoadResult>;
  readonly #specs: EngineSpec[];
  readonly #clock: Clock;
  readonly #workers: Worker[] = [];
  readonly #live: Float64Array;
  readonly #results: Array<EngineResult | undefined>;
  readonly #finished: boolean[];
  readonly #meter: RateMeter;
  readonly #probes: Array<(nowMs: number) => void> = [];
  readonly #failures: string[] = [];
  readonly #bridge: LoadEngine;
  readonly #bridgeSpec: EngineSpec;
  #bridgeResult: EngineResult | null = null;
  readonly #anchorMs: number;
  #ready = 0;
  #startMs: number | null = null;
  #stopped = false;
  #resolve!: (r: LoadResult) => void;
  #onStart: Array<() => void> = [];
  readonly #deltas: DeltaFeed | undefined;

  /**
   * @param specs one per worker (splitLoad); `bridge` is the whole load for the calling thread.
   * @param startMs the load's start (clock ms), the schedule's anchor.
   */
  constructor(specs: EngineSpec[], clock: Clock, opts: { bridge: EngineSpec; startMs: number; successStatus?: SuccessPredicate; deltas?: DeltaFeed }) {
    this.#specs = specs;
    this.#deltas = opts.deltas;
    this.#clock = clock;
    this.#anchorMs = opts.startMs;
    this.#bridgeSpec = opts.bridge;
    const n = specs.length;
    // One slot per worker, and the last for the bridge.
    this.#live = allocLiveCounters(n + 1, true);
    this.#results = new Array<EngineResult | undefined>(n).fill(undefined);
    this.#finished = new Array<boolean>(n).fill(false);
    this.#meter = new RateMeter(opts.startMs);
    this.done = new Promise<LoadResult>((resolve) => {
      this.#resolve = resolve;
    });
    const script = workerScript();
    const offsetMs = clockOffsetOf(clock);
    for (let k = 0; k < n; k++) {
      const init: WorkerInit = { spec: specs[k]!, offsetMs, t0EpochMs: clock.t0EpochMs, live: this.#live.buffer as SharedArrayBuffer };
      if (opts.deltas !== undefined) init.deltaEveryMs = opts.deltas.everyMs;
      // From dist/ the worker inherits the parent's flags (so --cpu-prof profiles every thread).
      const w = new Worker(script.filename, { workerData: init, eval: script.eval });
      w.on('message', (m: WorkerMessage) => this.#onMessage(k, m));
      w.on('error', (err: Error) => this.#fail(k, err.message));
      w.on('exit', (code) => this.#fail(k, `exited with code ${code} before reporting`));
      this.#workers.push(w);
    }
    const bridgeOpts = opts.successStatus === undefined ? { publishP99: true } : { publishP99: true, successStatus: opts.successStatus };
    this.#bridge = new LoadEngine(opts.bridge, clock, liveSlot(this.#live, n), bridgeOpts);
    const feed = opts.deltas === undefined ? undefined : feedDeltas(this.#bridge.recorder, 'bridge', opts.bridge, clock, opts.deltas);
    this.#bridge.done.then((r) => {
      feed?.finish();
      this.#bridgeResult = r;
      this.#maybeFinish();
    }, () => undefined);
    this.#bridge.start(opts.startMs);
  }

  /** Clock ms of the handover to the workers, once every worker is ready (null before). */
  get startMs(): number | null {
    return this.#startMs;
  }

  /** Resolves with the handover instant once it is set (tests). */
  started(): Promise<number> {
    if (this.#startMs !== null) return Promise.resolve(this.#startMs);
    return new Promise((resolve) => this.#onStart.push(() => resolve(this.#startMs!)));
  }

  /** Asks worker `k` for its clock's reading (to check alignment); resolves with it. */
  probeClock(k: number): Promise<number> {
    return new Promise((resolve) => {
      this.#probes[k] = resolve;
      this.#post(k, { type: 'probe' });
    });
  }

  #post(k: number, m: ParentMessage): void {
    if (!this.#finished[k]) this.#workers[k]!.postMessage(m);
  }

  #onMessage(k: number, m: WorkerMessage): void {
    switch (m.type) {
      case 'ready':
        this.#ready++;
        this.#maybeStart();
        return;
      case 'probe':
        this.#probes[k]?.(m.nowMs);
        return;
      case 'delta':
        // A worker posts its last delta before 'done': all of them arrive before the result is merged.
        if (!this.#finished[k]) this.#deltas?.onDelta(m.delta);
        return;
      case 'done':
        if (this.#finished[k]) return;
        this.#finished[k] = true;
        try {
          this.#results[k] = decodeEngineResult(m.result);
        } catch (err) {
          this.#failures.push(`worker ${k}: its recording could not be decoded (${String(err)})`);
        }
        // Its port is closed; nothing left to wait for.
        void this.#workers[k]!.terminate();
        this.#maybeFinish();
        return;
      case 'error':
        this.#fail(k, m.message);
        return;
    }
  }

  #fail(k: number, why: string): void {
    if (this.#finished[k]) return;
    this.#finished[k] = true;
    this.#failures.push(`worker ${k}: ${why}`);
    void this.#workers[k]!.terminate();
    // A worker that failed before it was ready must not hold the others back.
    if (this.#startMs === null) this.#ready++;
    this.#maybeStart();
    this.#maybeFinish();
  }

  #maybeStart(): void {
    if (this.#startMs !== null || this.#ready < this.#workers.length) return;
    const at = this.#clock.nowMs() + START_MARGIN_MS;
    this.#startMs = at;
    if (this.#failures.length < this.#workers.length) {
      // Open model: the bridge keeps the requests due before the handover, the workers the rest.
      const fromIndex = this.#bridgeSpec.model === 'open' ? firstIndexAtOrAfter(this.#bridgeSpec, at - this.#anchorMs) : 0;
      this.#bridge.handover(fromIndex, at);
      for (let k = 0; k < this.#workers.length; k++) this.#post(k, { type: 'start', startMs: this.#anchorMs, atMs: at, fromIndex });
    }
    // Every worker failed: the bridge carries the whole load.
    if (this.#stopped) for (let k = 0; k < this.#workers.length; k++) this.#post(k, { type: 'stop' });
    for (const f of this.#onStart) f();
    this.#onStart = [];
  }

  #maybeFinish(): void {
    if (!this.#finished.every(Boolean) || this.#bridgeResult === null) return;
    const model = this.#specs[0]!.model;
    const results = this.#results.filter((r): r is EngineResult => r !== undefined);
    if (results.length === 0) results.push(emptyResult(this.#specs[0]!, this.#anchorMs));
    this.#resolve(combineResults(results, model, this.#failures, this.#bridgeResult));
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#bridge.stop();
    for (let k = 0; k < this.#workers.length; k++) this.#post(k, { type: 'stop' });
  }

  abandon(): void {
    this.stop();
    this.#bridge.abandon();
    for (let k = 0; k < this.#workers.length; k++) this.#post(k, { type: 'abandon' });
  }

  progress(): LoadProgress {
    const now = this.#clock.nowMs();
    const s = sumLive(this.#live);
    return {
      elapsedMs: Math.max(0, now - this.#anchorMs),
      sent: s.dispatched,
      succeeded: s.succeeded,
      failed: s.failed,
      unsent: s.unsent,
      inFlight: s.inFlight,
      recentRate: this.#meter.sample(now, s.dispatched),
      recentP99Ms: s.recentP99Ms,
    };
  }
}

/** Starts a load over one worker thread per spec, bridged from the calling thread (see WorkerLoad). */
export function startWorkerLoad(specs: EngineSpec[], clock: Clock, opts: { bridge: EngineSpec; startMs: number; successStatus?: SuccessPredicate; deltas?: DeltaFeed }): WorkerLoad {
  return new WorkerLoad(specs, clock, opts);
}
