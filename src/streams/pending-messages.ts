import { NO_LATENCY, type Recorder } from '../metrics/recorder.js';
import { OUTCOME, type OutcomeCode } from '../metrics/outcome.js';

/** A message sent and not answered yet. */
interface Pending {
  /** When it was first sent (run clock): its interval, and where its deadline counts from. */
  sentAtMs: number;
  /** The connection it was last sent on; -1: waiting to be sent again on the next connection. */
  conn: number;
  /** The pod of that connection, when known. */
  pod: string | undefined;
}

/**
 * The messages of one client that await their answer, in send order, and the one place their
 * outcome is recorded: every message sent ends exactly once, as answered (success, with its
 * round trip), lost (reset: its connection was cut), or timed out (no answer by the deadline).
 */
export class PendingMessages {
  readonly #byId = new Map<number, Pending>();
  #answered = 0;
  #failed = 0;

  constructor(
    private readonly recorder: Recorder,
    private readonly deadlineMs: number,
    /** The error code a timed-out message is counted under (report.errorCodes). */
    private readonly timeoutCode = 'ANSWER_DEADLINE',
  ) {}

  /** Messages awaiting their answer. */
  get size(): number {
    return this.#byId.size;
  }

  /** Messages answered, and failed (lost or timed out), so far. */
  get answered(): number {
    return this.#answered;
  }

  get failed(): number {
    return this.#failed;
  }

  /** A new message `id` went out on connection `conn` at `tMs`. */
  sent(id: number, tMs: number, conn: number, pod: string | undefined): void {
    this.#byId.set(id, { sentAtMs: tMs, conn, pod });
  }

  /** The answer to `id` arrived at `tMs`: true when it was awaited (a late or unknown answer is ignored). */
  answer(id: number, tMs: number): boolean {
    const p = this.#byId.get(id);
    if (p === undefined) return false;
    this.#byId.delete(id);
    this.#settle(p, OUTCOME.success, tMs - p.sentAtMs, undefined);
    return true;
  }

  /** Connection `conn` was cut: its unanswered messages are lost; returns how many. */
  lose(conn: number, errorCode: string): number {
    let n = 0;
    for (const [id, p] of this.#byId) {
      if (p.conn !== conn) continue;
      this.#byId.delete(id);
      this.#settle(p, OUTCOME.reset, NO_LATENCY, errorCode);
      n++;
    }
    return n;
  }

  /** True while message `id` awaits its answer. */
  has(id: number): boolean {
    return this.#byId.has(id);
  }

  /** Forgets the unanswered messages of connection `conn` without judging them (a wait a clean end made moot); returns how many. */
  drop(conn: number): number {
    let n = 0;
    for (const [id, p] of this.#byId) {
      if (p.conn !== conn) continue;
      this.#byId.delete(id);
      n++;
    }
    return n;
  }

  /** Connection `conn` closed gracefully: its unanswered messages wait for the next connection; returns how many. */
  requeue(conn: number): number {
    let n = 0;
    for (const p of this.#byId.values()) {
      if (p.conn !== conn) continue;
      p.conn = -1;
      n++;
    }
    return n;
  }

  /** The messages waiting for a connection, now assigned to `conn` (the caller sends them again). */
  takeQueued(conn: number, pod: string | undefined): number[] {
    const ids: number[] = [];
    for (const [id, p] of this.#byId) {
      if (p.conn !== -1) continue;
      p.conn = conn;
      p.pod = pod;
      ids.push(id);
    }
    return ids;
  }

  /** Times out every message whose deadline passed by `tMs` (all of them with `all`); returns how many. */
  expire(tMs: number, all = false): number {
    let n = 0;
    for (const [id, p] of this.#byId) {
      // Insertion order is send order, and every deadline is the same length: stop at the first alive.
      if (!all && p.sentAtMs + this.deadlineMs > tMs) break;
      this.#byId.delete(id);
      this.#settle(p, OUTCOME.timeout, NO_LATENCY, this.timeoutCode);
      n++;
    }
    return n;
  }

  #settle(p: Pending, outcome: OutcomeCode, latencyMs: number, errorCode: string | undefined): void {
    this.recorder.record(p.sentAtMs, outcome, latencyMs, 0, errorCode);
    if (p.pod !== undefined) this.recorder.recordPod(p.pod, p.sentAtMs, outcome);
    if (outcome === OUTCOME.success) this.#answered++;
    else this.#failed++;
  }
}
