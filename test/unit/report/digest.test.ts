import fc from 'fast-check';
import { join } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeDigest, digestOf, verifyReport, withDigest } from '../../../src/report/digest.js';
import { readReport, renderJson } from '../../../src/report/index.js';
import type { Report } from '../../../src/report/index.js';
import { fixtureReports } from '../../fixtures/reports/synthetic-run.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/reports');
const reports = fixtureReports();

/** The same JSON value with every object's keys in a new order. */
function reorder(value: unknown, pick: (n: number) => number): unknown {
  if (Array.isArray(value)) return value.map((v) => reorder(v, pick));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  while (entries.length > 0) {
    const [k, v] = entries.splice(pick(entries.length), 1)[0] as [string, unknown];
    // defineProperty, not assignment: a "__proto__" key (JSON.parse makes it an own property)
    // would otherwise set the prototype and vanish from the copy.
    Object.defineProperty(out, k, { value: reorder(v, pick), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Every path to a leaf (string, number, boolean, null) of a JSON value. */
function leaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [path];
}

function mutateAt(root: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  const v = node[last];
  node[last] = typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}x` : typeof v === 'boolean' ? !v : 0;
  return copy;
}

describe('canonicalJson', () => {
  it('sorts keys, drops whitespace and undefined, and hashes to a known value', () => {
    const text = canonicalJson({ b: { d: 1.5, c: true, skip: undefined }, a: [1, 'x', undefined] });
    expect(text).toBe('{"a":[1,"x",null],"b":{"c":true,"d":1.5}}');
    // sha256 of that text, computed independently (sha256sum).
    expect(digestOf({ a: [1, 'x', null], b: { c: true, d: 1.5 } })).toBe('sha256:61029ee626a5a12f26432d096fd6fb5d0aca3ddf655b5fd5edaa08b226f3ea93');
  });

  it('is JSON with the same value as JSON.stringify gives, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalJson(v))).toEqual(JSON.parse(JSON.stringify(v) ?? 'null'));
      }),
    );
  });

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.infiniteStream(fc.nat()), (v, picks) => {
        const it = picks[Symbol.iterator]();
        const shuffled = reorder(v, (n) => (it.next().value as number) % n);
        expect(canonicalJson(shuffled)).toBe(canonicalJson(v));
      }),
    );
  });
});

describe('report digest', () => {
  it.each(Object.keys(reports) as Array<keyof typeof reports>)('the %s fixture carries its own digest, stable across renders', (name) => {
    const r = reports[name];
    expect(r.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(computeDigest(r)).toBe(r.digest);
    expect(fixtureReports()[name].digest).toBe(r.digest);
    expect(verifyReport(r)).toEqual({ ok: true, expected: r.digest, actual: r.digest });
  });

  it('survives writing report.json and reading it back (golden file)', () => {
    const read = readReport(join(DIR, 'fail.report.json'));
    expect(read.digest).toBe(reports.fail.digest);
    expect(verifyReport(read).ok).toBe(true);
    expect(verifyReport(JSON.parse(renderJson(reports.inconclusive)) as Report).ok).toBe(true);
  });

  it('does not depend on key order of the report (property)', () => {
    const r = reports.fail;
    fc.assert(
      fc.property(fc.infiniteStream(fc.nat()), (picks) => {
        const it = picks[Symbol.iterator]();
        expect(computeDigest(reorder(r, (n) => (it.next().value as number) % n) as Report)).toBe(r.digest);
      }),
      { numRuns: 30 },
    );
  });

  it('changes when any field changes (every leaf of the fail fixture)', () => {
    const r = reports.fail;
    const paths = leaves(r).filter((p) => p[0] !== 'digest');
    expect(paths.length).toBeGreaterThan(300);
    for (const path of paths) {
      const changed = mutateAt(r, path) as Report;
      const check = verifyReport(changed);
      expect(check.ok, path.join('.')).toBe(false);
      expect(check.actual).toBe(r.digest);
    }
  });

  it('changes when a field is added or removed', () => {
    const { pods: _pods, ...withoutPods } = reports.fail;
    expect(verifyReport(withoutPods).ok).toBe(false);
    expect(verifyReport({ ...reports.fail, note: 'edited' }).ok).toBe(false);
  });

  it('a report without a digest does not verify; withDigest seals it, last and idempotently', () => {
    const { digest: _d, ...bare } = reports.pass;
    expect(verifyReport(bare)).toEqual({ ok: false, expected: reports.pass.digest, actual: null });
    const sealed = withDigest(bare as Report);
    expect(Object.keys(sealed).at(-1)).toBe('digest');
    expect(withDigest(sealed)).toEqual(sealed);
    expect(sealed.digest).toBe(reports.pass.digest);
  });
});
