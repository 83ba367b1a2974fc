import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clopperPearsonUpper,
  inverseRegularizedIncompleteBeta,
  logGamma,
  regularizedIncompleteBeta,
  requiredRequests,
  requiredRequestsFor,
} from '../../../src/analysis/confidence.js';

/** Relative closeness, for values that span many orders of magnitude. */
function expectClose(actual: number, expected: number, rel = 1e-9): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('clopperPearsonUpper (two-sided exact interval, upper limit)', () => {
  // References: scipy.stats.beta.ppf(1 - (1 - c) / 2, k + 1, n - k) (scipy 1.17), and for k = 0
  // the closed form 1 - ((1 - c) / 2)^(1 / n).
  it.each([
    [0, 1000, 0.95, 0.003682083896865671],
    [0, 10, 0.95, 0.3084971078187607],
    [0, 1, 0.95, 0.975],
    [0, 100, 0.99, 0.05160402962410399],
    [0, 5, 0.5, 0.24214171674480095],
    [0, 3688, 0.95, 0.0009997383919489366],
    [1, 10, 0.95, 0.4450161170281954],
    [5, 100, 0.95, 0.11283491110546275],
    [10, 100, 0.95, 0.17622259774002266],
    [3, 5000, 0.99, 0.0021937447379880804],
    [1, 1000, 0.95, 0.005558924279826672],
    [7, 100000, 0.95, 0.00014422140092234864],
    [50, 100, 0.95, 0.601678870496699],
    [99, 100, 0.95, 0.9997468539670226],
    [2, 20, 0.9, 0.28261852488586087],
    [1, 1000000, 0.95, 5.571630655166939e-6],
    [1234, 10000, 0.95, 0.1300060937636468],
  ])('%i of %i at %f -> %f', (k, n, c, expected) => {
    expectClose(clopperPearsonUpper(k, n, c), expected);
  });

  it.each([
    [0, 0, 0.95, 1],
    [10, 10, 0.95, 1],
    [1, 1, 0.99, 1],
  ])('%i of %i is bounded by nothing: %f', (k, n, c, expected) => {
    expect(clopperPearsonUpper(k, n, c)).toBe(expected);
  });

  it.each([
    [-1, 10, 0.95],
    [11, 10, 0.95],
    [1.5, 10, 0.95],
    [0, 10, 1],
    [0, 10, 0],
    [0, -1, 0.95],
  ])('rejects %f of %f at %f', (k, n, c) => {
    expect(() => clopperPearsonUpper(k, n, c)).toThrow(RangeError);
  });

  it('solves the binomial tail equation P(X <= k | n, upper) = (1 - c) / 2', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 199 }), (n, k0) => {
        const k = k0 % n;
        const p = clopperPearsonUpper(k, n, 0.95);
        let tail = 0;
        for (let i = 0; i <= k; i++) {
          tail += Math.exp(logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p));
        }
        expect(tail).toBeCloseTo(0.025, 9);
      }),
    );
  });

  it('is at least the observed rate, grows with failures and shrinks with requests', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), (n, k0) => {
        const k = k0 % n;
        const u = clopperPearsonUpper(k, n, 0.95);
        expect(u).toBeGreaterThanOrEqual(k / n);
        expect(clopperPearsonUpper(k + 1, n, 0.95)).toBeGreaterThan(u);
        expect(clopperPearsonUpper(k, n + 1, 0.95)).toBeLessThan(u);
      }),
    );
  });
});

describe('requiredRequests', () => {
  // n = ceil(ln((1 - c) / 2) / ln(1 - budget)), cross-checked against the bound at n and n - 1.
  it.each([
    [0.001, 0.95, 3688],
    [0.001, 0.99, 5296],
    [0.01, 0.95, 368],
    [0.0001, 0.95, 36887],
    [0.05, 0.9, 59],
    [0.5, 0.95, 6],
  ])('budget %f at %f needs %i clean requests', (budget, c, n) => {
    expect(requiredRequests(budget, c)).toBe(n);
    expect(clopperPearsonUpper(0, n, c)).toBeLessThanOrEqual(budget);
    expect(clopperPearsonUpper(0, n - 1, c)).toBeGreaterThan(budget);
  });

  it.each([
    [0, Number.POSITIVE_INFINITY],
    [-0.1, Number.POSITIVE_INFINITY],
    [1, 0],
  ])('budget %f -> %f', (budget, n) => {
    expect(requiredRequests(budget, 0.95)).toBe(n);
  });

  it('is the smallest n for any budget', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 0.9, noNaN: true }), fc.constantFrom(0.9, 0.95, 0.99), (budget, c) => {
        const n = requiredRequests(budget, c);
        expect(clopperPearsonUpper(0, n, c)).toBeLessThanOrEqual(budget);
        if (n > 1) expect(clopperPearsonUpper(0, n - 1, c)).toBeGreaterThan(budget);
      }),
    );
  });
});

describe('incomplete beta', () => {
  it.each([
    // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b
    [0.3, 1, 1, 0.3],
    [0.5, 3, 1, 0.125],
    [0.2, 1, 4, 1 - 0.8 ** 4],
    [0.5, 5, 5, 0.5],
  ])('I_%f(%f, %f) = %f', (x, a, b, expected) => {
    expectClose(regularizedIncompleteBeta(x, a, b), expected, 1e-12);
  });

  it('inverts itself', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        (p, a, b) => {
          const x = inverseRegularizedIncompleteBeta(p, a, b);
          expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(p, 8);
        },
      ),
    );
  });

  it('log-gamma matches factorials', () => {
    expectClose(logGamma(11), Math.log(3628800), 1e-14);
    expectClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13);
  });
});

describe('requiredRequestsFor', () => {
  // Checked against scipy: beta.ppf(0.975, k + 1, n - k) <= budget at n and > budget at n - 1.
  it.each([
    [0, 0.001, 0.95, 3688],
    [3, 0.001, 0.95, 8765],
  ])('%i failures, budget %f at %f -> %i', (k, budget, c, n) => {
    expect(requiredRequestsFor(k, budget, c)).toBe(n);
  });

  it('is the smallest n for that failure count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.constantFrom(0.001, 0.01, 0.05), (k, budget) => {
        const n = requiredRequestsFor(k, budget, 0.95);
        expect(clopperPearsonUpper(k, n, 0.95)).toBeLessThanOrEqual(budget);
        expect(n - 1 < k || clopperPearsonUpper(k, n - 1, 0.95) > budget).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
