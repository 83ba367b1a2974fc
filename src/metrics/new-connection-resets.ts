/**
 * Resets of requests on a connection that had carried no response yet (no keep-alive reuse: the
 * far end gave up on a new connection), per counter interval. Sparse: they are few.
 */
export class NewConnectionResets {
  /** Width of a counter interval in ms. */
  readonly intervalMs: number;
  readonly #byInterval = new Map<number, number>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Counts one reset of a request that started (or was scheduled) at `startMs`. */
  add(startMs: number): void {
    const i = Math.max(0, Math.floor(startMs / this.intervalMs));
    this.#byInterval.set(i, (this.#byInterval.get(i) ?? 0) + 1);
  }

  /** Sets interval `index`'s count (decoding). */
  set(index: number, count: number): void {
    this.#byInterval.set(index, count);
  }

  /** Resets per interval with any (interval start in ms), in time order. */
  list(): Array<{ tMs: number; count: number }> {
    return [...this.#byInterval.entries()].sort(([a], [b]) => a - b).map(([i, count]) => ({ tMs: i * this.intervalMs, count }));
  }

  /** Adds everything `other` counted into these. */
  merge(other: NewConnectionResets): void {
    for (const [i, n] of other.#byInterval) this.#byInterval.set(i, (this.#byInterval.get(i) ?? 0) + n);
  }

  /** Plain JSON: interval index -> count. */
  encode(): Record<string, number> {
    return Object.fromEntries([...this.#byInterval].map(([i, n]) => [String(i), n]));
  }
}
