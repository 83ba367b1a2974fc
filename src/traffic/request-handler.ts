import type { Dispatcher } from 'undici';
import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { TIMEOUT_CODE, classifyErrorCode, errorCodeOf } from './classify.js';
import type { SuccessPredicate } from './classify.js';
import { outcomeOfStatus } from './status-table.js';
import type { LaneDispatcher } from './target.js';

/** Where a lane's outcomes and releases go (the engine). */
export interface LaneSink {
  /** Called exactly once per request, whatever order undici calls back in. */
  onOutcome(lane: Lane, outcome: OutcomeCode, status: number, errorCode: string | undefined): void;
  /**
   * undici is done with the lane's request (its last callback ran): the lane may send again.
   * `completed` is true when the response ended normally (the connection is healthy and the
   * next request may be dispatched at once), false after an error or abort.
   */
  onRelease(lane: Lane, completed: boolean): void;
  /** The lane's connection carried its first request (the lane is no longer connecting). */
  onConnected(lane: Lane): void;
  /**
   * The server never processed the lane's request (GOAWAY above its last-stream-id,
   * REFUSED_STREAM) and the client sends it once more: counted apart as `retried` with `reason`;
   * the request's one outcome comes later, from the retry.
   */
  onRetry(lane: Lane, reason: string): void;
  /** A session of the lane's client received a GOAWAY (the timeline shows it). */
  onGoaway(goaway: { lastStreamId: number; errorCode: string; pod?: string }): void;
  /** Outcome per status code (see buildStatusTable). */
  readonly statusTable: Uint8Array;
  /** Only for status codes beyond the table (in-thread runs). */
  readonly successStatus: SuccessPredicate | undefined;
  /** Lower-case name of the response header naming the pod, when outcomes are counted per pod. */
  readonly podHeader: string | undefined;
}

/** The one error our timer aborts timed-out requests with (allocated once, not per request). */
export const TIMEOUT_ERROR: Error = Object.assign(new Error('zerodrop: request timed out'), { code: TIMEOUT_CODE });

/**
 * One request slot, reused for request after request: a closed-model loop (with its own undici
 * Client, i.e. its own connection) or one in-flight slot of the open model. It is undici's
 * dispatch handler itself, in undici's classic callback form (onConnect/onHeaders/onData/
 * onComplete/onError): with the controller form undici wraps every request in two more objects
 * and parses every response's headers into an object we would never read.
 *
 * Reuse is safe because a lane sends again only after undici's last callback for its previous
 * request (onRelease), so no late callback can be credited to the wrong request; `seq` tells the
 * deadline queue which entries are stale. `settled` guards the exactly-one-outcome rule: the
 * first of {response end, error, our timeout} wins, later callbacks only finish the bookkeeping.
 */
export class Lane implements Dispatcher.DispatchHandler {
  /** Clock ms the current request is booked at: scheduled start (open) or actual start (closed). */
  startMs = 0;
  /**
   * Clock ms the current request's latency counts from: startMs, or its actual send when the
   * open model sent it ahead of its schedule (send-window.ts), so no latency reads short.
   */
  latencyFromMs = 0;
  /** Clock ms at which the current request times out. */
  deadlineMs = 0;
  /** Bumped on every send; see DeadlineQueue. */
  seq = 0;
  /** The current request has its outcome (true while idle). */
  settled = true;
  /** undici holds the current request (between send and its last callback). */
  busy = false;
  /** Its connection has carried a request (undici reconnects on its own after that). */
  connected = false;
  /** The current request waits for the lane's first connection (the engine counts these). */
  connecting = false;
  /** Open model: clock ms of the lane's last release (the engine trims long-idle lanes). */
  idleSinceMs = 0;
  /** HTTP status of the current response, 0 before headers. */
  status = 0;
  /** Pod named by the current response (with a pod header), else undefined. */
  pod: string | undefined = undefined;
  /**
   * Pod that last answered on this lane's connection: a reset on a reused connection is that
   * pod's (the connection stays on its endpoint, as conntrack keeps it).
   */
  lastPod: string | undefined = undefined;
  /** Where this lane sends: its own connection (lean or undici Client, HTTP/1.1) or the run's shared Pool (HTTP/2). */
  readonly dispatcher: LaneDispatcher;
  #abort: ((err?: Error) => void) | null = null;
  readonly #sink: LaneSink;
  readonly #opts: Dispatcher.DispatchOptions;

  constructor(sink: LaneSink, dispatcher: LaneDispatcher, opts: Dispatcher.DispatchOptions) {
    this.#sink = sink;
    this.dispatcher = dispatcher;
    this.#opts = opts;
  }

  /** Sends the next request, booked at `startMs`, its latency from `latencyFromMs`. The lane must not be busy. */
  send(startMs: number, deadlineMs: number, latencyFromMs: number = startMs): void {
    this.startMs = startMs;
    this.latencyFromMs = latencyFromMs;
    this.deadlineMs = deadlineMs;
    this.seq++;
    this.settled = false;
    this.busy = true;
    this.status = 0;
    this.pod = undefined;
    try {
      this.dispatcher.dispatch(this.#opts, this);
    } catch (err) {
      // undici reports dispatch errors through onError; this is a backstop.
      if (this.busy) this.onError(err as Error);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (!this.connected) {
      this.connected = true;
      this.#sink.onConnected(this);
    }
    // Timed out while waiting for its connection: do not send it late.
    if (this.settled) abort(TIMEOUT_ERROR);
  }

  onHeaders(statusCode: number, rawHeaders?: Buffer[] | string[] | null): boolean {
    this.status = statusCode;
    const wanted = this.#sink.podHeader;
    if (wanted !== undefined && rawHeaders) {
      // Only with --pod-header: undici's raw list alternates names and values.
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i] as Buffer | string;
        if (name.length === wanted.length && name.toString().toLowerCase() === wanted) {
          this.pod = rawHeaders[i + 1]!.toString();
          this.lastPod = this.pod;
          break;
        }
      }
    }
    return true;
  }

  onData(): boolean {
    // The body is read and dropped; its bytes are not needed.
    return true;
  }

  onComplete(): void {
    this.#abort = null;
    this.busy = false;
    if (!this.settled) {
      this.settled = true;
      const status = this.status;
      this.#sink.onOutcome(this, outcomeOfStatus(this.#sink.statusTable, status, this.#sink.successStatus), status, undefined);
    }
    this.#sink.onRelease(this, true);
  }

  onError(err: Error): void {
    this.#abort = null;
    this.busy = false;
    if (!this.settled) {
      this.settled = true;
      const code = errorCodeOf(err);
      this.#sink.onOutcome(this, classifyErrorCode(code), 0, code);
    }
    this.#sink.onRelease(this, false);
  }

  /**
   * The client sends the current request again (see LaneSink.onRetry); false when the request
   * already has its outcome (timed out meanwhile): then there is nothing to retry.
   */
  onRetry(reason: string): boolean {
    if (this.settled) return false;
    this.#sink.onRetry(this, reason);
    return true;
  }

  /** Our timer fired first: count one timeout now, then make undici let go of the request. */
  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.#sink.onOutcome(this, OUTCOME.timeout, 0, TIMEOUT_CODE);
    const abort = this.#abort;
    if (abort !== null) abort(TIMEOUT_ERROR);
  }
}
