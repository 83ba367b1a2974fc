/** Something with a deadline that may settle before it (an in-flight request). */
export interface Expirable {
  readonly deadlineMs: number;
  readonly settled: boolean;
  /**
   * Which use of a recycled object this is (bumped on every reuse). An entry whose `seq` no
   * longer matches the one pushed belongs to an earlier request and is dropped unseen.
   */
  readonly seq?: number;
}

/**
 * Per-request timeouts without a timer per request: every request of a run has the same timeout
 * and requests start in time order, so deadlines are pushed in non-decreasing order and a FIFO
 * ring is a complete timer wheel. One timer, armed for the head, serves them all.
 *
 * The deadline and `seq` are copied into typed arrays at push time, so a handler object that is
 * reused for its next request (the engine recycles them) cannot reorder or confuse the queue.
 */
export class DeadlineQueue<T extends Expirable> {
  #items: Array<T | undefined> = new Array<T | undefined>(1024);
  #deadlines = new Float64Array(1024);
  #seqs = new Float64Array(1024);
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
    const i = this.#tail & this.#mask;
    this.#items[i] = x;
    this.#deadlines[i] = x.deadlineMs;
    this.#seqs[i] = x.seq ?? 0;
    this.#tail++;
  }

  #grow(): void {
    const n = this.#tail - this.#head;
    const cap = (this.#mask + 1) * 2;
    const items = new Array<T | undefined>(cap);
    const deadlines = new Float64Array(cap);
    const seqs = new Float64Array(cap);
    for (let k = 0; k < n; k++) {
      const j = (this.#head + k) & this.#mask;
      items[k] = this.#items[j];
      deadlines[k] = this.#deadlines[j]!;
      seqs[k] = this.#seqs[j]!;
    }
    this.#items = items;
    this.#deadlines = deadlines;
    this.#seqs = seqs;
    this.#mask = cap - 1;
    this.#head = 0;
    this.#tail = n;
  }

  /**
   * Drops settled (or recycled) entries from the head and calls `expire` on unsettled ones whose
   * deadline is <= nowMs. Returns the deadline of the first still-pending entry, or Infinity when
   * empty. `expire` may push new entries (they go to the tail).
   */
  sweep(nowMs: number, expire: (x: T) => void): number {
    while (this.#head < this.#tail) {
      const i = this.#head & this.#mask;
      const x = this.#items[i]!;
      if (!x.settled && (x.seq ?? 0) === this.#seqs[i]) {
        const deadline = this.#deadlines[i]!;
        if (deadline > nowMs) return deadline;
        this.#items[i] = undefined;
        this.#head++;
        expire(x);
        continue;
      }
      this.#items[i] = undefined;
      this.#head++;
    }
    return Number.POSITIVE_INFINITY;
  }
}
