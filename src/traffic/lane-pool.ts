import type { Dispatcher } from 'undici';
import { Http2Client } from './http2-client.js';
import { LeanHttp2Client } from './http2-lean-client.js';
import { Lane } from './request-handler.js';
import type { LaneSink } from './request-handler.js';
import { buildDispatchOptions, buildPool, clientFactoryOf, clientKindOf, parseTargetUrl } from './target.js';
import { TRIM_PER_FINEST_PASS } from './upkeep-cadence.js';
import type { LaneDispatcher, TargetOptions } from './target.js';

/** A trimmed lane's close can only fail if it is already closed: nothing to do. */
function ignoreCloseError(): void {}

/**
 * Open model: a lane idle this long (ms) is surplus (a burst or a slow spell opened it) and is
 * closed by the engine. Closing a connection costs 100-300 us of CPU; hundreds of surplus lanes
 * left to undici's keep-alive timer all expire within one burst's span and stall the loop for
 * tens of ms (measured: a 3 s warmup at 15k/s left ~900 lanes whose expiry 4 s later cost 1,300
 * unsent requests). Trimmed a few at a time instead, the cost is spread thin.
 */
export const IDLE_LANE_TRIM_AFTER_MS = 1000;
/**
 * Open model: idle lanes kept however long idle, as ms of the peak rate (20 ms at 20k/s: 400
 * connections): a hiccup of the target or of the generator shorter than that is absorbed by open
 * connections. Measured at 20k/s: with surplus trimmed down to ~100 lanes, a 10 ms hiccup had
 * every lane in flight and opened 150 connections at once, which cost more unsent requests.
 */
const IDLE_RESERVE_MS = 20;

/**
 * The HTTP/2 client every lane of an engine shares. Closed model: `connections` sessions with
 * `streams` streams each (h2load's -c and -m). Open model: minConnections sessions (at least one)
 * taken in turn, more opened when each carries as many streams as allowed. undici's Pool when
 * asked for (its pipelining is its streams per session), zerodrop's node:http2 client with
 * node-http2, else zerodrop's lean frames client.
 */
function http2Dispatcher(sink: LaneSink, target: TargetOptions, sizing: LanePoolSizing): LaneDispatcher {
  const open = sizing.open;
  const kind = clientKindOf(target);
  if (kind === 'undici') return open ? buildPool(target, sizing.maxInFlight, target.streams ?? 1) : buildPool(target, sizing.connections, target.streams ?? 1);
  const o: ConstructorParameters<typeof Http2Client>[1] = {
    sessions: open ? Math.max(1, sizing.minConnections) : sizing.connections,
    streams: target.streams ?? (open ? 0 : 1),
    grow: open,
    connectTimeoutMs: target.timeoutMs,
    onGoaway: (g) => sink.onGoaway(g),
  };
  if (target.ca !== undefined) o.ca = target.ca;
  if (target.insecure === true) o.insecure = true;
  if (target.podHeader !== undefined) o.podHeader = target.podHeader.toLowerCase();
  const origin = parseTargetUrl(target.url).origin;
  return kind === 'node-http2' ? new Http2Client(origin, o) : new LeanHttp2Client(origin, o);
}

/** How one engine's lanes are sized: its model, its in-flight cap and (open model) its rate. */
export interface LanePoolSizing {
  open: boolean;
  /** Open model: in-flight cap; closed model: the number of loops (= connections). */
  maxInFlight: number;
  /** Open model: the schedule's peak rate per second (sizes the idle reserve). */
  peakRate: number;
  /** Open model: connections kept and taken in turn (HTTP/1.1 and gRPC; 0: as few as the rate needs). */
  minConnections: number;
  /** Closed model: the loops' lanes, created at once. */
  connections: number;
}

/**
 * The lanes (request slots, each with its own connection for HTTP/1.1) of one engine. Closed
 * model: one lane per loop, made up front (fill). Open model: a stack of idle lanes (LIFO, so a small
 * hot set of connections serves a low rate; a queue taken in turn with minConnections), new ones
 * up to the cap (the scheduler decides), and surplus idle lanes closed a few at a time (trimIdle). Its fields are read
 * directly on the per-request path.
 */
export class LanePool {
  /** Every lane of the engine, idle or not. */
  readonly lanes = new Set<Lane>();
  /** Open model: idle lanes, most recently released last (LIFO keeps the hot set small). */
  readonly idle: Lane[] = [];
  /** Most lanes at once. */
  readonly cap: number;
  /** Open model with minConnections: idle lanes are taken oldest first, in turn (else newest first). */
  readonly rotate: boolean;
  /** HTTP/2: one shared client multiplexes (zerodrop's Http2Client, or undici's Pool); HTTP/1.1: null, every lane has its own connection. */
  readonly sharedPool: LaneDispatcher | null;
  /** Lanes whose current request waits for the lane's first connection. */
  connecting = 0;
  /** Open model: idle lanes never trimmed (IDLE_RESERVE_MS of the peak rate, at least 1). */
  readonly #idleReserve: number;
  readonly #minLanes: number;
  /** Closed model: the loops' lanes, made by fill(). */
  readonly #initial: number;
  readonly #sink: LaneSink;
  readonly #dispatchOpts: Dispatcher.DispatchOptions;
  /** A new connection for a new lane (HTTP/1.1). */
  readonly #newClient: () => LaneDispatcher;

  constructor(sink: LaneSink, target: TargetOptions, sizing: LanePoolSizing) {
    this.#sink = sink;
    const open = sizing.open;
    // A timed-out lane stays busy until undici lets go of it; allow some beyond the cap meanwhile.
    // HTTP/2, closed model: `connections` sessions with `streams` loops each.
    const loops = open ? 0 : sizing.connections * (target.http2 === true ? (target.streams ?? 1) : 1);
    this.cap = open ? 2 * sizing.maxInFlight : loops;
    this.#idleReserve = open ? Math.max(1, Math.ceil((sizing.peakRate * IDLE_RESERVE_MS) / 1000)) : 0;
    this.#minLanes = open && target.http2 !== true ? sizing.minConnections : 0;
    this.rotate = this.#minLanes > 0;
    this.#dispatchOpts = buildDispatchOptions(target);
    this.sharedPool = target.http2 === true ? http2Dispatcher(sink, target, sizing) : null;
    this.#newClient = clientFactoryOf(target, { onGoaway: (g) => sink.onGoaway(g) });
    this.#initial = loops;
  }

  /** Makes the lanes a run starts with: the closed model's loops, the open model's minConnections (idle). */
  fill(): void {
    for (let i = 0; i < this.#initial; i++) this.add();
    // They connect on their first request, as any new lane does.
    for (let i = 0; i < this.#minLanes; i++) this.idle.push(this.add());
  }

  /** A new lane (its connection opens on its first request). */
  add(): Lane {
    const lane = new Lane(this.#sink, this.sharedPool ?? this.#newClient(), this.#dispatchOpts);
    this.lanes.add(lane);
    return lane;
  }

  /**
   * Closes lanes idle for longer than IDLE_LANE_TRIM_AFTER_MS at clock ms `nowMs`, oldest first, a
   * few per pass (at most `maxCloses`: see upkeep-cadence.ts), down to the reserve (and never
   * below minConnections). The most recently released lanes stay: at a low rate they are the ones
   * in use.
   */
  trimIdle(nowMs: number, maxCloses = TRIM_PER_FINEST_PASS): void {
    const idle = this.idle;
    const cutoff = nowMs - IDLE_LANE_TRIM_AFTER_MS;
    const spare = Math.min(idle.length - this.#idleReserve, this.lanes.size - this.#minLanes);
    let n = 0;
    // Release order is idle-since order: the oldest are at the bottom of the stack (the front of
    // the queue when rotating).
    while (n < maxCloses && n < spare && idle[n]!.idleSinceMs < cutoff) n++;
    if (n === 0) return;
    for (const lane of idle.splice(0, n)) {
      this.lanes.delete(lane);
      lane.dispatcher.close().catch(ignoreCloseError);
    }
  }

  /** Destroys every connection (sockets of timed-out requests may still hang: no graceful close). */
  destroy(): Array<Promise<void>> {
    const closing: Array<Promise<void>> = [];
    if (this.sharedPool !== null) closing.push(this.sharedPool.destroy());
    else for (const lane of this.lanes) closing.push(lane.dispatcher.destroy());
    return closing;
  }
}
