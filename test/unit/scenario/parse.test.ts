import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseBudget, parseConfidence, parseDuration, parseHeader, parseStatusRanges } from '../../../src/scenario/parse.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['0s', 0],
    ['10', 10_000],
    [2, 2000],
  ])('%s -> %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, value: ms });
  });

  it.each(['', 'abc', '10x', 's', '-1s', '1 s', '5sm', null, undefined, {}, -3])('rejects %j with a message naming the value', (input) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/duration/);
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.anything(), (x) => { parseDuration(x); }));
  });

  it('round-trips with formatDuration', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (ms) => {
      const r = parseDuration(formatDuration(ms));
      expect(r.ok).toBe(true);
      if (r.ok) expect(Math.abs(r.value - ms)).toBeLessThanOrEqual(ms < 60_000 ? 5 : 500);
    }));
  });
});

describe('parseBudget', () => {
  it.each([
    ['0.1%', 0.001],
    ['1%', 0.01],
    ['0.001', 0.001],
    ['0', 0],
    [0.05, 0.05],
    ['1e-4', 0.0001],
  ])('%s -> %d', (input, v) => {
    const r = parseBudget(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toBeCloseTo(v, 12);
  });

  it.each(['100%', '1', '1.5', '-0.1%', 'abc', '', '%', null])('rejects %j', (input) => {
    expect(parseBudget(input).ok).toBe(false);
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.anything(), (x) => { parseBudget(x); }));
  });
});

describe('parseConfidence', () => {
  it.each([['0.95', 0.95], ['99%', 0.99], [0.9, 0.9]])('%s -> %d', (input, v) => {
    expect(parseConfidence(input)).toEqual({ ok: true, value: v });
  });
  it.each(['0', '1', '100%', 'x', '-0.5'])('rejects %j', (input) => {
    expect(parseConfidence(input).ok).toBe(false);
  });
});

describe('parseHeader', () => {
  it.each([
    ['Authorization: Bearer x', ['Authorization', 'Bearer x']],
    ['x-a:b:c', ['x-a', 'b:c']],
    ['Empty:', ['Empty', '']],
  ])('%s', (input, pair) => {
    expect(parseHeader(input)).toEqual({ ok: true, value: pair });
  });
  it.each(['novalue', ': x', 'bad name: x'])('rejects %j', (input) => {
    expect(parseHeader(input).ok).toBe(false);
  });
  it.each([
    ['Authorization Bearer tok-123456', '"Authorization [redacted]" is not a header'],
    ['X-Api-Key=key-987654', '"X-Api-Key=[redacted]" is not a header'],
    ['bad name: x', '"bad name: x" is not a header'],
  ])('does not print the value of a malformed secret header: %j', (input, message) => {
    const parsed = parseHeader(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(message);
  });
});

describe('parseStatusRanges', () => {
  it.each([
    ['200-399', [[200, 399]]],
    ['200,204, 301-302', [[200, 200], [204, 204], [301, 302]]],
  ])('%s', (input, ranges) => {
    expect(parseStatusRanges(input)).toEqual({ ok: true, value: ranges });
  });
  it.each(['', '99', '600', '300-200', 'ok'])('rejects %j', (input) => {
    expect(parseStatusRanges(input).ok).toBe(false);
  });
});
