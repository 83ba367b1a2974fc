/**
 * A controller's work queue, as client-go's workqueue: keys are deduplicated while they wait, one
 * key is processed at a time (a key added while it is being processed runs again afterwards),
 * failed keys come back with exponential backoff, and addAfter schedules a key for later
 * (minReadySeconds, progress deadlines).
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private running: Promise<void> | undefined;
  private scheduled = false;
  private stopped = false;
  private readonly idleWaiters: Array<() => void> = [];

  /**
   * @param name used in log lines
   * @param handler processes one key; a throw requeues it with backoff
   */
  constructor(
    private readonly name: string,
    private readonly handler: (key: string) => void | Promise<void>,
    private readonly log: (msg: string) => void = () => {},
    private readonly maxBackoffMs = 1000,
  ) {}

  /** Queues a key now (no-op if it is already waiting). */
  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    this.schedule();
  }

  /** Queues a key after a delay; an earlier pending schedule for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const prev = this.timers.get(key);
    if (prev !== undefined) {
      if (prev.at <= at) return;
      clearTimeout(prev.timer);
    }
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Forgets a key's failure count (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Resolves when nothing is waiting or being processed (timers aside). */
  idle(): Promise<void> {
    if (this.running === undefined && this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking keys, cancels timers and waits for the key being processed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.clear();
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await this.running;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private schedule(): void {
    if (this.scheduled || this.running !== undefined || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.running === undefined && !this.stopped) this.running = this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped) {
        const next = this.pending.values().next();
        if (next.done === true) break;
        const key = next.value;
        this.pending.delete(key);
        try {
          await this.handler(key);
          this.failures.delete(key);
        } catch (err) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          const delay = Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(n, 20));
          if (n === 1 || n % 20 === 0) this.log(`${this.name}: ${key}: ${errorText(err)} (retry ${n} in ${delay}ms)`);
          this.addAfter(key, delay);
        }
        // Let the event loop breathe between keys: watchers, servers and timers run in between.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = undefined;
      if (this.pending.size > 0 && !this.stopped) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}

/** A one-line description of a thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP code of an ApiError-like value (the store throws ApiError with `.code`), or undefined. */
export function apiErrorCode(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}
