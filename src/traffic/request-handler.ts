import type { Dispatcher } from 'undici';
import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { TIMEOUT_CODE, classifyErrorCode, classifyStatus, errorCodeOf } from './classify.js';
import type { SuccessPredicate } from './classify.js';

/** Where a request's single outcome goes (the engine). */
export interface OutcomeSink {
  /** Called exactly once per request, whatever order undici calls back in. */
  onOutcome(h: RequestHandler, outcome: OutcomeCode, status: number, errorCode: string | undefined): void;
  readonly successStatus: SuccessPredicate | undefined;
}

/** The one error our timer aborts timed-out requests with (allocated once, not per request). */
export const TIMEOUT_ERROR: Error = Object.assign(new Error('zerodrop: request timed out'), { code: TIMEOUT_CODE });

/**
 * One request's state, handed to undici's dispatch (the non-deprecated controller API of undici
 * 7). A plain class with fixed fields: no closures or promises per request. Instances are not
 * recycled: undici allocates its own Request and wrapper per dispatch anyway, and a recycled
 * handler could be credited with a stray late callback meant for its previous request.
 *
 * `settled` guards the exactly-one-outcome rule: the first of {response end, error, our
 * timeout} wins, later callbacks only finish the bookkeeping.
 */
export class RequestHandler implements Dispatcher.DispatchHandler {
  /** Clock ms the request counts from: scheduled start (open model) or actual start (closed). */
  readonly startMs: number;
  /** Clock ms at which it times out. */
  readonly deadlineMs: number;
  settled = false;
  status = 0;
  #controller: Dispatcher.DispatchController | null = null;
  readonly #sink: OutcomeSink;

  constructor(sink: OutcomeSink, startMs: number, deadlineMs: number) {
    this.#sink = sink;
    this.startMs = startMs;
    this.deadlineMs = deadlineMs;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Timed out while queued for a connection: do not send it late.
    if (this.settled) controller.abort(TIMEOUT_ERROR);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(): void {
    // The body is read and dropped; its bytes are not needed.
  }

  onResponseEnd(): void {
    this.#controller = null;
    if (this.settled) return;
    this.settled = true;
    const status = this.status;
    this.#sink.onOutcome(this, classifyStatus(status, this.#sink.successStatus), status, undefined);
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    this.#controller = null;
    if (this.settled) return;
    this.settled = true;
    const code = errorCodeOf(err);
    this.#sink.onOutcome(this, classifyErrorCode(code), 0, code);
  }

  /** Our timer fired first: count one timeout now, then make undici let go of the request. */
  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.#sink.onOutcome(this, OUTCOME.timeout, 0, TIMEOUT_CODE);
    const c = this.#controller;
    if (c !== null && !c.aborted) c.abort(TIMEOUT_ERROR);
  }
}
