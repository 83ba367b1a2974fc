import type { ProblemList } from '../../errors.js';
import type { Parsed } from '../parse.js';

/** What resolving needs besides the data: file reading is injected (no I/O here). */
export interface ResolveContext {
  /** Reads a file named in the scenario or a flag (`--body @file`, `bodyFile`), relative paths already resolved by the caller. */
  readText(path: string): string;
  /** Resolves a path relative to the scenario file (or the working directory for flags). */
  resolvePath(path: string, fromFlag: boolean): string;
}

/** A scenario's data as parsed from YAML/JSON, before it is checked. */
export type Raw = Record<string, unknown>;

/** True for a mapping (not null, not a list). */
export const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value at a dotted path, or undefined when any step is missing or not a mapping. */
export function getPath(root: Raw, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Sets the value at a dotted path, making the mappings on the way. */
export function setPath(root: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = root;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[keys[keys.length - 1] as string] = value;
}

/**
 * How every section resolver reads the merged scenario (file data with the flags written in):
 * each read that finds a bad value adds one problem to the shared list, named by the flag when a
 * flag set it, and returns a fallback, so every problem of every section is reported at once.
 */
export interface ScenarioReader {
  /** The shared problem list (add problems here, labelled with `label` when a flag may have set the path). */
  readonly problems: ProblemList;
  /** The value at a path, unchecked. */
  get(path: string): unknown;
  /** True when a flag set this path (relative paths then resolve from the working directory). */
  fromFlag(path: string): boolean;
  /** The path as the user gave it: `--flag (path)` when a flag set it. */
  label(path: string): string;
  /** The parsed value, or undefined with a problem. */
  take<T>(path: string, parsed: Parsed<T>): T | undefined;
  /** The parsed value at a path, the fallback when absent (or bad, with a problem). */
  optional<T>(path: string, parse: (v: unknown) => Parsed<T>, fallback: T): T;
  /** A boolean at a path, the fallback when absent (or bad, with a problem). */
  bool(path: string, fallback: boolean): boolean;
  /** A non-empty text at a path, undefined when absent (or bad, with a problem). */
  text(path: string): string | undefined;
}

/** The reader of `raw`, where `origin` maps each path a flag set to the flag as typed. */
export function readerOf(raw: Raw, origin: ReadonlyMap<string, string>, problems: ProblemList): ScenarioReader {
  const label = (path: string): string => (origin.has(path) ? `${origin.get(path)} (${path})` : path);
  const take = <T>(path: string, parsed: Parsed<T>): T | undefined => {
    if (parsed.ok) return parsed.value;
    problems.add(label(path), parsed.message);
    return undefined;
  };
  return {
    problems,
    get: (path) => getPath(raw, path),
    fromFlag: (path) => origin.has(path),
    label,
    take,
    optional: (path, parse, fallback) => {
      const v = getPath(raw, path);
      return v === undefined ? fallback : (take(path, parse(v)) ?? fallback);
    },
    bool: (path, fallback) => {
      const v = getPath(raw, path);
      if (v === undefined) return fallback;
      if (typeof v === 'boolean') return v;
      problems.add(label(path), `expected true or false, got ${JSON.stringify(v)}`);
      return fallback;
    },
    text: (path) => {
      const v = getPath(raw, path);
      if (v === undefined) return undefined;
      if (typeof v === 'string' && v.trim() !== '') return v;
      problems.add(label(path), `expected a non-empty text, got ${JSON.stringify(v)}`);
      return undefined;
    },
  };
}
