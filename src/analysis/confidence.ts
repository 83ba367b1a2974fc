/**
 * Exact (Clopper-Pearson) confidence bounds for a failure rate.
 *
 * We report the upper limit of the standard TWO-SIDED exact interval at `confidence`: with
 * confidence 0.95 that is the 97.5% one-sided bound. It is the textbook "exact binomial interval"
 * that scipy, R's binom.test and most auditors recognise, and it errs on the cautious side (a
 * one-sided 95% bound would pass runs about 20% shorter). For k = 0 it is 1 - ((1 - c) / 2)^(1/n).
 *
 * No small, well-kept npm package offers the inverse regularized incomplete beta function, so it
 * is implemented here: Lanczos log-gamma, the Numerical Recipes continued fraction (modified
 * Lentz), and bisection, which is slow next to Newton but cannot diverge. Accuracy is about 1e-9
 * relative up to ten million requests and 1e-7 at a billion (log-gamma differences lose digits),
 * far finer than the three significant digits a report shows.
 */

const LANCZOS_G = 7;
const LANCZOS_COEF = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** Natural log of the gamma function for x > 0 (Lanczos approximation, ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection keeps the approximation in its accurate range.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS_COEF[0];
  for (let i = 1; i < LANCZOS_COEF.length; i++) sum += (LANCZOS_COEF[i] as number) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const TINY = 1e-300;
const EPS = 1e-16;

/** Continued fraction of the incomplete beta function (Numerical Recipes `betacf`, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Converges in O(sqrt(max(a, b))) steps; the cap only guards against a bug looping forever.
  const maxIter = 10_000 + 10 * Math.ceil(Math.sqrt(Math.max(a, b)));
  for (let m = 1; m <= maxIter; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) return h;
  }
  return h;
}

/** Regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0 (got a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 <= x <= 1 (got ${x})`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(logFront);
  // The fraction converges fast on one side of the mean; use the symmetry I_x(a,b) = 1 - I_{1-x}(b,a) on the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Inverse of I_x(a, b) in x: the p-quantile of a Beta(a, b) distribution. */
export function inverseRegularizedIncompleteBeta(p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be within [0, 1] (got ${p})`);
  if (p === 0) return 0;
  if (p === 1) return 1;
  let lo = 0;
  let hi = 1;
  // Bisection: each step halves the bracket; stop on relative precision so tiny quantiles stay accurate.
  for (let i = 0; i < 1100; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (regularizedIncompleteBeta(mid, a, b) < p) lo = mid;
    else hi = mid;
    if (hi - lo <= 1e-14 * hi) break;
  }
  return (lo + hi) / 2;
}

function checkConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, exclusive (got ${confidence})`);
}

/**
 * Upper limit of the two-sided exact Clopper-Pearson interval at `confidence` for `failures`
 * out of `n` requests. 1 when n = 0 (no data bounds nothing) or failures = n.
 */
export function clopperPearsonUpper(failures: number, n: number, confidence: number): number {
  checkConfidence(confidence);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer (got ${n})`);
  if (!Number.isInteger(failures) || failures < 0 || failures > n) {
    throw new RangeError(`failures must be an integer within [0, n] (got ${failures} of ${n})`);
  }
  if (n === 0 || failures === n) return 1;
  const halfAlpha = (1 - confidence) / 2;
  // Closed form for the common zero-failure case: exact and cheap. -expm1 keeps precision for large n.
  if (failures === 0) return -Math.expm1(Math.log(halfAlpha) / n);
  return inverseRegularizedIncompleteBeta(1 - halfAlpha, failures + 1, n - failures);
}

/**
 * Smallest number of requests that, all succeeding, bounds the failure rate at or below `budget`
 * (two-sided Clopper-Pearson upper limit at `confidence`). Infinity for a budget of 0 or less (no
 * finite run proves a zero rate), 0 for a budget of 1 or more.
 */
export function requiredRequests(budget: number, confidence: number): number {
  checkConfidence(confidence);
  if (Number.isNaN(budget)) throw new RangeError('budget must be a number');
  if (budget <= 0) return Number.POSITIVE_INFINITY;
  if (budget >= 1) return 0;
  const halfAlpha = (1 - confidence) / 2;
  let n = Math.max(1, Math.ceil(Math.log(halfAlpha) / Math.log1p(-budget)));
  // The closed form can land one off either way through rounding; settle it with the bound itself.
  while (n > 1 && clopperPearsonUpper(0, n - 1, confidence) <= budget) n--;
  while (clopperPearsonUpper(0, n, confidence) > budget) n++;
  return n;
}

/**
 * Smallest number of requests with exactly `failures` failed whose upper bound is at or below
 * `budget`: how long a run that keeps failing this often must be to pass. Infinity when no run
 * can (budget <= 0). Equals requiredRequests(budget, confidence) for 0 failures.
 */
export function requiredRequestsFor(failures: number, budget: number, confidence: number): number {
  if (!Number.isInteger(failures) || failures < 0) throw new RangeError(`failures must be a non-negative integer (got ${failures})`);
  const clean = requiredRequests(budget, confidence);
  if (failures === 0 || !Number.isFinite(clean)) return clean;
  if (budget >= 1) return failures;
  // The bound falls as n grows with k fixed: double until it fits, then bisect on integers.
  let lo = Math.max(clean, failures + 1) - 1; // known too small (or the smallest candidate minus one)
  let hi = Math.max(clean, failures + 1);
  while (clopperPearsonUpper(failures, hi, confidence) > budget) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (clopperPearsonUpper(failures, mid, confidence) <= budget) hi = mid;
    else lo = mid;
  }
  return hi;
}
