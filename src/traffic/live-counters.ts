/**
 * Live counters of a running load, one slot per worker in one Float64Array that may sit on a
 * SharedArrayBuffer: each worker's engine increments its own slot on the hot path (a typed-array
 * store, no message), and the parent sums the slots whenever progress() is asked. Slots are a
 * cache line apart so workers never write to the same line. Reads of another thread's slot may be
 * a few requests stale; they are for the progress line, never for the report.
 */
export const LIVE = {
  dispatched: 0,
  succeeded: 1,
  failed: 2,
  unsent: 3,
  inFlight: 4,
  /** p99 (ms) of the worker's last full latency interval; NaN when it has none. */
  recentP99Ms: 5,
  /** 1 once the worker finished (its result is on the way). */
  finished: 6,
} as const;

/** Doubles per slot (128 bytes: two cache lines, so neighbours never share one). */
export const LIVE_STRIDE = 16;

/** A Float64Array for `workers` slots, shared between threads when `shared`. */
export function allocLiveCounters(workers: number, shared: boolean): Float64Array {
  const bytes = workers * LIVE_STRIDE * Float64Array.BYTES_PER_ELEMENT;
  const a = new Float64Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  for (let w = 0; w < workers; w++) a[w * LIVE_STRIDE + LIVE.recentP99Ms] = Number.NaN;
  return a;
}

/** The slot of worker `index` (a view: writes go to the shared memory). */
export function liveSlot(all: Float64Array, index: number): Float64Array {
  return all.subarray(index * LIVE_STRIDE, (index + 1) * LIVE_STRIDE);
}

/**
 * Sums of the live counters over all slots, and the highest recent p99 (null when none has one).
 * A worker's stores can land between our loads, so inFlight is not read but derived from the
 * monotonic counters: settled ones first, dispatched last (it can only have grown meanwhile), which
 * keeps dispatched = succeeded + failed + inFlight with inFlight >= 0 in every snapshot.
 */
export function sumLive(all: Float64Array): { dispatched: number; succeeded: number; failed: number; unsent: number; inFlight: number; recentP99Ms: number | null } {
  let dispatched = 0;
  let succeeded = 0;
  let failed = 0;
  let unsent = 0;
  let inFlight = 0;
  let p99 = Number.NaN;
  for (let base = 0; base < all.length; base += LIVE_STRIDE) {
    const ok = all[base + LIVE.succeeded]!;
    const bad = all[base + LIVE.failed]!;
    const sent = all[base + LIVE.dispatched]!;
    succeeded += ok;
    failed += bad;
    dispatched += sent;
    inFlight += sent - ok - bad;
    unsent += all[base + LIVE.unsent]!;
    const p = all[base + LIVE.recentP99Ms]!;
    if (!Number.isNaN(p) && !(p <= p99)) p99 = p;
  }
  return { dispatched, succeeded, failed, unsent, inFlight, recentP99Ms: Number.isNaN(p99) ? null : p99 };
}
