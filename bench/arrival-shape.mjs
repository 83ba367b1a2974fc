// How evenly request arrivals (ms timestamps, ascending) fall into 1 ms and 10 ms buckets at an
// expected rate: shared by bench/arrival-target.mjs (a Node target that stamps arrivals) and
// bench/open-window.mjs (nginx's access log, $msec). The first and last `trimMs` are left out.

function buckets(times, from, to, widthMs) {
  const k = Math.floor((to - from) / widthMs);
  const counts = new Float64Array(Math.max(0, k));
  for (const t of times) {
    const i = Math.floor((t - from) / widthMs);
    if (i >= 0 && i < k) counts[i]++;
  }
  return counts;
}

function shape(counts, expected) {
  const sorted = Float64Array.from(counts).sort();
  const n = Math.max(1, counts.length);
  const mean = counts.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / n);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { buckets: counts.length, expected, mean, cv: mean > 0 ? sd / mean : null, p1: pct(1), p99: pct(99), max: sorted[sorted.length - 1], emptyShare: sorted.filter((c) => c === 0).length / n };
}

/** {arrivals, spanMs, ms1, ms10}: per bucket width the mean count, coefficient of variation, p1, p99, max and share of empty buckets. */
export function arrivalShape(times, ratePerSec, trimMs) {
  const n = times.length;
  const from = times[0] + trimMs;
  const to = times[n - 1] - trimMs;
  return { arrivals: n, spanMs: to - from, ms1: shape(buckets(times, from, to, 1), ratePerSec / 1000), ms10: shape(buckets(times, from, to, 10), ratePerSec / 100) };
}
