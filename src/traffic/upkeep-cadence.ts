/**
 * How often an engine's own upkeep wakes it: the housekeeping pass (LoadEngine: trim idle lanes,
 * pack sealed latency histograms) and the event-loop-delay monitor (GeneratorHealthProbe). On the
 * machine of bench/README.md every timer wake-up of an otherwise idle thread costs ~50-70 us of
 * CPU (the vCPU leaves and re-enters idle), so a fixed 20 ms pass and a 10 ms monitor cost ~1.5%
 * of a core whatever the rate: at 100 requests/s a third of the run's cost. Both now follow the
 * engine's peak rate (the open model's; the closed model runs as fast as the target answers and
 * keeps the finest cadence): a slow run wakes rarely, a fast one as often as before.
 */

/** Housekeeping period (ms) at high rates and in the closed model: as before. */
export const HOUSEKEEPING_MIN_MS = 20;
/** Housekeeping period (ms) at the lowest rates: a pass a second. */
export const HOUSEKEEPING_MAX_MS = 1000;
/**
 * Requests per second whose latencies one housekeeping pass can pack, with 2x headroom: a pass
 * packs PACK_STEP_BUCKETS (200) non-empty histogram buckets, and a second of latencies fills at
 * most one bucket per request, so passes every 100,000 / rate ms keep up twice over.
 */
const PACKED_PER_PASS_MS = 100_000;

/** Idle lanes a housekeeping pass closes at the finest cadence (<= 100 closes/s; LanePool.trimIdle). */
export const TRIM_PER_FINEST_PASS = 2;
/** Idle lanes one pass closes at most: a close costs 100-300 us, so a pass stays under ~3 ms. */
const TRIM_PER_PASS_MAX = 10;

/** Event-loop-delay monitor resolution (ms) at high rates and in the closed model: as before. */
export const ELD_RESOLUTION_MIN_MS = 10;
/**
 * Coarsest event-loop-delay resolution (ms): the saturation mark is a p99 delay of 50 ms
 * (SATURATION_ELD_P99_MS), and a stall as long as the period still shows as one sample that long
 * or longer; fewer samples make each stall weigh more in the p99, never less. The reported delay
 * (a sample minus the period) can read short of a stall by at most the period.
 */
export const ELD_RESOLUTION_MAX_MS = 50;
/** At most one monitor sample per this many requests (4 000 / rate ms): its cost stays a small share of the run's. */
const ELD_REQUESTS_PER_SAMPLE = 4;

/** The housekeeping period (ms) of an engine whose schedule peaks at `peakRate` requests/s (null: closed model). */
export function housekeepingEveryMs(peakRate: number | null): number {
  if (peakRate === null || !(peakRate > 0)) return peakRate === null ? HOUSEKEEPING_MIN_MS : HOUSEKEEPING_MAX_MS;
  return clamp(Math.round(PACKED_PER_PASS_MS / peakRate), HOUSEKEEPING_MIN_MS, HOUSEKEEPING_MAX_MS);
}

/**
 * Idle lanes a pass every `everyMs` may close: the finest cadence's share scaled to the period (so
 * a slow cadence trims nearly as fast), capped so that one pass never stalls the loop long.
 */
export function trimPerPass(everyMs: number): number {
  return Math.min(TRIM_PER_PASS_MAX, Math.max(TRIM_PER_FINEST_PASS, Math.round((TRIM_PER_FINEST_PASS * everyMs) / HOUSEKEEPING_MIN_MS)));
}

/** The event-loop-delay monitor's resolution (ms) for an engine whose schedule peaks at `peakRate` requests/s (null: closed model). */
export function eventLoopDelayResolutionMs(peakRate: number | null): number {
  if (peakRate === null) return ELD_RESOLUTION_MIN_MS;
  if (!(peakRate > 0)) return ELD_RESOLUTION_MAX_MS;
  return clamp(Math.round((ELD_REQUESTS_PER_SAMPLE * 1000) / peakRate), ELD_RESOLUTION_MIN_MS, ELD_RESOLUTION_MAX_MS);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
