/**
 * The audit record: a report carries `digest`, a SHA-256 over its own canonical JSON without that
 * field, so anyone can tell later whether report.json was edited after the run wrote it. It proves
 * the file is intact, not who wrote it: it catches edits, not forgeries. A forger who recomputes it
 * is caught by the optional `signature` (signature.ts), an Ed25519 signature over the digest;
 * neither field is covered by the digest.
 */
import { createHash } from 'node:crypto';
import type { Report } from './model.js';

/** Prefix of every digest, naming the hash. */
export const DIGEST_ALGORITHM = 'sha256';

/**
 * Canonical JSON of a JSON-compatible value: object keys sorted (by UTF-16 code units, as RFC 8785
 * does), no whitespace, and the value exactly as JSON.stringify would see it (undefined properties
 * dropped, undefined in arrays as null, non-finite numbers as null, toJSON honoured). So a report in
 * memory and the same report read back from its file give the same text, whatever the key order.
 */
export function canonicalJson(value: unknown): string {
  return canon(value, '') ?? 'null';
}

function canon(value: unknown, key: string): string | undefined {
  let v = value;
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(v);
    case 'bigint':
      // JSON.stringify throws on these too; a report never holds one.
      throw new TypeError('canonicalJson: BigInt is not JSON');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map((item, i) => canon(item, String(i)) ?? 'null').join(',')}]`;
  const obj = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    const text = canon(obj[k], k);
    if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Top-level fields the digest does not cover: the seal itself. */
export const SEAL_FIELDS = ['digest', 'signature'] as const;

/** `sha256:<hex>` over the canonical JSON of the report without its `digest` and `signature` fields. */
export function computeDigest(report: Report): string {
  return digestOf(report);
}

/** computeDigest for any parsed report.json (even one whose shape no longer validates). */
export function digestOf(report: unknown): string {
  let body = report;
  if (report !== null && typeof report === 'object' && !Array.isArray(report) && SEAL_FIELDS.some((f) => f in report)) {
    const { digest: _digest, signature: _signature, ...rest } = report as Record<string, unknown>;
    body = rest;
  }
  return `${DIGEST_ALGORITHM}:${createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex')}`;
}

/** The report with its digest set (last, so it reads as a seal at the end of report.json's extra fields); an old signature is dropped, since it sealed other content. */
export function withDigest<R extends Report>(report: R): R & { digest: string } {
  const { digest: _old, signature: _oldSignature, ...rest } = report;
  return { ...(rest as R), digest: computeDigest(report) };
}

/** What verifyReport found: `expected` is the digest the content hashes to, `actual` the one the report carries (null if none). */
export interface DigestCheck {
  ok: boolean;
  expected: string;
  actual: string | null;
}

/** Recomputes the digest and compares it with the one the report carries; a report without one is not ok. */
export function verifyReport(report: Report | Record<string, unknown>): DigestCheck {
  const expected = digestOf(report);
  const carried = (report as { digest?: unknown }).digest;
  const actual = typeof carried === 'string' ? carried : null;
  return { ok: actual === expected, expected, actual };
}
