/** Small numeric helpers for the inline SVG charts: scales, tick steps, compact coordinates. */

/** A coordinate with at most two decimals and no trailing zeros, so the markup stays small and stable. */
export function n2(v: number): string {
  if (!Number.isFinite(v)) return '0';
  const r = Math.round(v * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

/** A 1-2-5 step that splits `span` into at most `maxTicks` parts. */
export function niceStep(span: number, maxTicks: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxTicks);
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** A round upper bound for an axis that starts at zero (never 0, so scales stay finite). */
export function niceMax(max: number, maxTicks = 5): { max: number; step: number } {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 1 };
  const step = niceStep(max, maxTicks);
  return { max: Math.ceil(max / step) * step, step };
}

/** Tick steps for a time axis in ms: whole seconds and minutes people read at a glance. */
const TIME_STEPS_MS = [100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000];

/** A time tick step for a span of `spanMs` with at most `maxTicks` ticks. */
export function timeStep(spanMs: number, maxTicks: number): number {
  for (const s of TIME_STEPS_MS) if (spanMs / s <= maxTicks) return s;
  return niceStep(spanMs, maxTicks);
}

/** A time tick label: "12 s" under two minutes, then "2m", "2m30s". */
export function timeLabel(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  const totalS = Math.round(ms / 1000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return s === 0 ? `${m}m` : `${m}m${String(s).padStart(2, '0')}s`;
}

/** A compact count for an axis: 1200 -> "1.2k", 3000000 -> "3M". */
export function shortCount(v: number): string {
  if (Math.abs(v) >= 1e6) return `${trim(v / 1e6)}M`;
  if (Math.abs(v) >= 1e4) return `${trim(v / 1e3)}k`;
  return trim(v);
}

function trim(v: number): string {
  return String(Math.round(v * 10) / 10);
}
