/** What the ring needs of an HTTP/2 session: whether it takes new streams, and how full it is. */
export interface RingSession {
  /** No new stream may go on it (GOAWAY received, closed, failed, or out of stream ids). */
  readonly dead: boolean;
  /** Streams in flight. */
  readonly active: number;
  /** Streams it may carry at once. */
  readonly limit: number;
}

/**
 * The session slots of an HTTP/2 client (zerodrop's lean one and the node:http2 one), taken in
 * turn: `sessions` slots, opened by the first requests so the load is spread from the start; a
 * dead session is replaced when its turn comes (the old one drains on its own); with `grow`
 * (undici's behaviour for the preflight and the like) a full ring opens another session.
 */
export class SessionRing<S extends RingSession> {
  readonly #slots: S[] = [];
  readonly #sessions: number;
  readonly #grow: boolean;
  readonly #open: () => S;
  #cursor = 0;

  /** `open` makes a new session (the client tracks it for closing). */
  constructor(sessions: number, grow: boolean, open: () => S) {
    this.#sessions = sessions;
    this.#grow = grow;
    this.#open = open;
  }

  /** The next session in turn with room for a stream, other than `avoid` when one is; opens or replaces sessions as needed. */
  pick(avoid: S | null): S {
    const slots = this.#slots;
    if (slots.length < this.#sessions) {
      const fresh = this.#open();
      slots.push(fresh);
      return fresh;
    }
    const n = slots.length;
    let fallback: S | null = null;
    for (let k = 0; k < n; k++) {
      const i = (this.#cursor + k) % n;
      const c = slots[i]!;
      if (c.dead) {
        // Its turn came: a new session takes its place (the old one drains on its own).
        if (this.#grow && n > this.#sessions) continue;
        const fresh = this.#open();
        slots[i] = fresh;
        this.#cursor = (i + 1) % n;
        return fresh;
      }
      if (c.active >= c.limit) continue;
      if (c === avoid) {
        fallback = c;
        continue;
      }
      this.#cursor = (i + 1) % n;
      return c;
    }
    // Every session is full (or dead, or the one to avoid).
    if (this.#grow || avoid !== null) {
      const fresh = this.#open();
      const dead = slots.findIndex((c) => c.dead);
      if (dead >= 0) slots[dead] = fresh;
      else slots.push(fresh);
      return fresh;
    }
    if (fallback !== null) return fallback;
    // More requests than sessions x streams (a stream cancelled or timed out, not released yet): the least busy one.
    let best = slots[0]!;
    for (const c of slots) if (c.active < best.active) best = c;
    return best;
  }
}
