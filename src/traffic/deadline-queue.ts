/** Something with a deadline that may settle before it (an in-flight request). */
export interface Expirable {
  readonly deadlineMs: number;
  readonly settled: boolean;
}

/**
 * Per-request timeouts without a timer per request: every request of a run has the same timeout
 * and requests start in time order, so deadlines are pushed in non-decreasing order and a FIFO
 * ring is a complete timer wheel. One timer, armed for the head, serves them all.
 */
export class DeadlineQueue<T extends Expirable> {
  #items: Array<T | undefined> = new Array<T | undefined>(1024);
  #mask = 1023;
  #head = 0;
  #tail = 0;

  /** Entries held, settled or not. */
  get size(): number {
    return this.#tail - this.#head;
  }

  /** Adds an entry; its deadline must not be earlier than the last one pushed. */
  push(x: T): void {
    if (this.#tail - this.#head > this.#mask) this.#grow();
    this.#items[this.#tail & this.#mask] = x;
    this.#tail++;
  }

  #grow(): void {
    const n = this.#tail - this.#head;
    const next = new Array<T | undefined>((this.#mask + 1) * 2);
    for (let i = 0; i < n; i++) next[i] = this.#items[(this.#head + i) & this.#mask];
    this.#items = next;
    this.#mask = next.length - 1;
    this.#head = 0;
    this.#tail = n;
  }

  /**
   * Drops settled entries from the head and calls `expire` on unsettled ones whose deadline is
   * <= nowMs. Returns the deadline of the first still-pending entry, or Infinity when empty.
   */
  sweep(nowMs: number, expire: (x: T) => void): number {
    while (this.#head < this.#tail) {
      const i = this.#head & this.#mask;
      const x = this.#items[i]!;
      if (!x.settled) {
        if (x.deadlineMs > nowMs) return x.deadlineMs;
        expire(x);
      }
      this.#items[i] = undefined;
      this.#head++;
    }
    return Number.POSITIVE_INFINITY;
  }
}
