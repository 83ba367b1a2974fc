/** Number formats shared by the analysis (reasons in plain words) and every renderer. Locale-free, so output is stable. */

/** An integer with thousands separators: 52000 -> "52,000". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A rate (0..1) as a percentage with three significant digits: 0.0036821 -> "0.368%", 0.001 -> "0.1%". */
export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return String(rate);
  if (rate === 0) return '0%';
  const pct = rate * 100;
  if (pct >= 100) return `${trimZeros(pct.toFixed(1))}%`;
  return `${trimZeros(pct.toPrecision(3))}%`;
}

/** Latency in milliseconds, precision by magnitude: "0.42 ms", "4.21 ms", "42.1 ms", "1,234 ms". */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${formatCount(ms)} ms`;
}

/** An offset or duration in seconds, to the millisecond, trailing zeros dropped: 12300 -> "12.3 s". */
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  return `${trimZeros((ms / 1000).toFixed(3))} s`;
}

/** `n thing` / `n things`, with the count formatted. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

function trimZeros(s: string): string {
  if (!s.includes('.') || s.includes('e')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}
