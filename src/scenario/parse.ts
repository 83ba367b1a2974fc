/**
 * Parsers for the small value languages of flags and scenario files. Each returns a value or a
 * problem message (never throws), so validation can collect every problem before failing once.
 */

import { REDACTED, isSecretHeader, redactText } from '../redact.js';

/** A parsed value, or why it could not be parsed. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Parses `500ms`, `30s`, `2m`, `1h`, `1m30s` (or a plain number of seconds) into milliseconds. */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0
      ? { ok: true, value: Math.round(input * 1000) }
      : { ok: false, message: `a duration must be 0 or more, got ${String(input)}` };
  }
  if (typeof input !== 'string' || input.trim() === '') {
    return { ok: false, message: `expected a duration such as 500ms, 30s or 2m, got ${JSON.stringify(input)}` };
  }
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return { ok: true, value: Math.round(Number(text) * 1000) };
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    consumed = DURATION_PART.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) {
    return { ok: false, message: `"${text}" is not a duration: use a number with a unit (ms, s, m, h), e.g. 500ms, 30s, 2m` };
  }
  return { ok: true, value: Math.round(total) };
}

/** Parses a failure budget: `0.1%` or `0.001` (a fraction in [0, 1)). */
export function parseBudget(input: unknown): Parsed<number> {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  const value = percent ? Number(percent[1]) / 100 : /^\d*\.?\d+(e-?\d+)?$/i.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value < 0 || value >= 1) {
    return { ok: false, message: `expected a failure budget such as 0.1% or 0.001 (at least 0, below 100%), got ${JSON.stringify(input)}` };
  }
  return { ok: true, value };
}

/** Parses a confidence level: `0.95` or `95%`, strictly between 0 and 1. */
export function parseConfidence(input: unknown): Parsed<number> {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input.trim() : '';
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  const value = percent ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0 || value >= 1) {
    return { ok: false, message: `expected a confidence level between 0 and 1 such as 0.95 or 95%, got ${JSON.stringify(input)}` };
  }
  return { ok: true, value };
}

/** Parses a positive number (rates, counts); `integer` requires a whole number. */
export function parsePositive(input: unknown, what: string, integer = false): Parsed<number> {
  const value = typeof input === 'number' ? input : typeof input === 'string' && input.trim() !== '' ? Number(input) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    return { ok: false, message: `${what} must be a positive ${integer ? 'whole number' : 'number'}, got ${JSON.stringify(input)}` };
  }
  return { ok: true, value };
}

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a header line `Name: value`. */
export function parseHeader(input: unknown): Parsed<[string, string]> {
  if (typeof input !== 'string') return { ok: false, message: `expected a header "Name: value", got ${JSON.stringify(input)}` };
  const colon = input.indexOf(':');
  const name = colon > 0 ? input.slice(0, colon).trim() : '';
  if (!HEADER_NAME.test(name)) {
    // A malformed secret header (`Authorization Bearer abc`, no colon) must not print its value.
    const first = /^[^\s:]*/.exec(input)?.[0] ?? '';
    const shown = isSecretHeader(first) && first.length < input.length ? `${first} ${REDACTED}` : redactText(input);
    return { ok: false, message: `"${shown}" is not a header: use "Name: value", e.g. "Authorization: Bearer abc"` };
  }
  return { ok: true, value: [name, input.slice(colon + 1).trim()] };
}

/**
 * Parses the statuses that count as success: `200-399`, `200,204,301-302`. Returns the ranges,
 * inclusive.
 */
export function parseStatusRanges(input: unknown): Parsed<Array<[number, number]>> {
  const text = typeof input === 'number' ? String(input) : typeof input === 'string' ? input : '';
  const ranges: Array<[number, number]> = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part);
    const lo = m ? Number(m[1]) : Number.NaN;
    const hi = m && m[2] !== undefined ? Number(m[2]) : lo;
    if (!m || lo < 100 || hi > 599 || lo > hi) {
      return { ok: false, message: `"${part}" is not a status or range of statuses (100-599): use e.g. 200-399 or 200,204` };
    }
    ranges.push([lo, hi]);
  }
  return { ok: true, value: ranges };
}

/** Formats milliseconds the way users write durations (`1.5s`, `250ms`, `2m`). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2))}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}
