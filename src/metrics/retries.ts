/**
 * Requests the server never processed and the client sent again, as well-behaved HTTP/2 and gRPC
 * clients do: a stream above a GOAWAY's last-stream-id, or one reset with REFUSED_STREAM. A retry
 * is no outcome (the request still ends in exactly one, the retry's): it is counted apart, per
 * reason and counter interval, so a report can say how many requests a rollout bounced. Reasons
 * are open strings (`goaway`, `refused_stream`, and whatever another protocol's client names),
 * so the same counters serve HTTP/2 requests and gRPC calls.
 */
export class Retries {
  /** Width of a counter interval in ms. */
  readonly intervalMs: number;
  /** reason -> interval index -> count. Sparse: retries are few. */
  readonly #byReason = new Map<string, Map<number, number>>();

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Number of reasons with any count. */
  get size(): number {
    return this.#byReason.size;
  }

  /** Counts one retry for `reason` of a request that started (or was scheduled) at `startMs`. */
  add(reason: string, startMs: number): void {
    this.addAt(reason, Math.max(0, Math.floor(startMs / this.intervalMs)), 1);
  }

  /** Adds `count` retries for `reason` in interval `index` (decoding, merging). */
  addAt(reason: string, index: number, count: number): void {
    if (count === 0) return;
    let m = this.#byReason.get(reason);
    if (m === undefined) {
      m = new Map();
      this.#byReason.set(reason, m);
    }
    m.set(index, (m.get(index) ?? 0) + count);
  }

  /** Totals: every retry and per reason (keys sorted). */
  totals(): { total: number; byReason: Record<string, number> } {
    let total = 0;
    const byReason: Record<string, number> = {};
    for (const reason of [...this.#byReason.keys()].sort()) {
      let n = 0;
      for (const v of this.#byReason.get(reason)!.values()) n += v;
      byReason[reason] = n;
      total += n;
    }
    return { total, byReason };
  }

  /** Per interval with any retry (interval start in ms), the counts per reason, in time order. */
  list(): Array<{ tMs: number; byReason: Record<string, number> }> {
    const byIndex = new Map<number, Record<string, number>>();
    for (const reason of [...this.#byReason.keys()].sort()) {
      for (const [i, n] of this.#byReason.get(reason)!) {
        let row = byIndex.get(i);
        if (row === undefined) {
          row = {};
          byIndex.set(i, row);
        }
        row[reason] = n;
      }
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([i, byReason]) => ({ tMs: i * this.intervalMs, byReason }));
  }

  /** Adds everything `other` counted into these. */
  merge(other: Retries): void {
    for (const [reason, m] of other.#byReason) for (const [i, n] of m) this.addAt(reason, i, n);
  }

  /** Plain JSON: reason -> interval index -> count. */
  encode(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [reason, m] of this.#byReason) out[reason] = Object.fromEntries([...m].map(([i, n]) => [String(i), n]));
    return out;
  }

  /** Loads (adds) an encode() form; throws a message naming what is wrong. */
  decode(enc: unknown): void {
    if (typeof enc !== 'object' || enc === null || Array.isArray(enc)) throw new Error('retried must map reasons to {interval: count}');
    for (const [reason, rows] of Object.entries(enc as Record<string, unknown>)) {
      if (typeof rows !== 'object' || rows === null || Array.isArray(rows)) throw new Error(`retried.${reason} must map interval indexes to counts`);
      for (const [i, n] of Object.entries(rows as Record<string, unknown>)) {
        const index = Number(i);
        if (!Number.isInteger(index) || index < 0 || typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`retried.${reason}.${i} must be a count of a non-negative interval`);
        this.addAt(reason, index, n);
      }
    }
  }
}

/** A GOAWAY the client received: the server said it takes no stream above `lastStreamId`. */
export interface GoawayRecord {
  /** When it arrived, ms since t0. */
  tMs: number;
  /** Highest stream id the server may have processed; streams above it were refused (and retried). */
  lastStreamId: number;
  /** The HTTP/2 error code by name: NO_ERROR for a graceful shutdown, else what went wrong. */
  errorCode: string;
  /** The pod that last answered on the session, when the pod header told. */
  pod?: string;
  /** Streams in flight on the session that the GOAWAY refused (retried elsewhere), when the client counted them. */
  refused?: number;
}

/** Most GOAWAYs a recording keeps (a proxy that cycles connections sends one per session). */
export const MAX_GOAWAYS = 1000;

/** Checks one encoded GOAWAY record; throws a message naming what is wrong. */
export function checkGoaway(v: unknown): GoawayRecord {
  const g = v as Partial<GoawayRecord> | null;
  if (typeof g !== 'object' || g === null || typeof g.tMs !== 'number' || !Number.isFinite(g.tMs) || !Number.isInteger(g.lastStreamId) || typeof g.errorCode !== 'string') {
    throw new Error('a GOAWAY needs tMs, an integer lastStreamId and an errorCode');
  }
  if (g.pod !== undefined && typeof g.pod !== 'string') throw new Error('a GOAWAY pod must be a text');
  if (g.refused !== undefined && !(Number.isInteger(g.refused) && g.refused >= 0)) throw new Error('a GOAWAY refused count must be a non-negative integer');
  const out: GoawayRecord = { tMs: g.tMs, lastStreamId: g.lastStreamId as number, errorCode: g.errorCode };
  if (g.pod !== undefined) out.pod = g.pod;
  if (g.refused !== undefined) out.refused = g.refused;
  return out;
}

/**
 * What `now` holds beyond `before` (both in Retries.encode() form; counts only grow), or
 * undefined when nothing: the exact increment a live delta carries.
 */
export function retriedDelta(now: Record<string, Record<string, number>>, before: Record<string, Record<string, number>>): Record<string, Record<string, number>> | undefined {
  let out: Record<string, Record<string, number>> | undefined;
  for (const [reason, rows] of Object.entries(now)) {
    const had = before[reason] ?? {};
    for (const [i, n] of Object.entries(rows)) {
      const d = n - (had[i] ?? 0);
      if (d > 0) ((out ??= {})[reason] ??= {})[i] = d;
    }
  }
  return out;
}

/** Adds `from` (Retries.encode() form) into `into`. */
export function addRetried(into: Record<string, Record<string, number>>, from: Readonly<Record<string, Readonly<Record<string, number>>>>): void {
  for (const [reason, rows] of Object.entries(from)) {
    const mine = (into[reason] ??= {});
    for (const [i, n] of Object.entries(rows)) mine[i] = (mine[i] ?? 0) + n;
  }
}
