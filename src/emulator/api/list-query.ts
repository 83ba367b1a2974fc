import { badRequest, invalid, tooLargeResourceVersion } from './api-error.js';
import { compileSelector } from './selectors.js';

/**
 * The query parameters of list and watch, read as the real API server reads them
 * (k8s.io/apimachinery: runtime/conversion.go for the scalar types, apis/meta/internalversion
 * validation for the combinations).
 */
export interface ListQuery {
  watch: boolean;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  /** Most items per page; undefined (or 0) for all. */
  limit: number | undefined;
  /** The decoded continue token of the page before. */
  continueFrom: ContinueToken | undefined;
  /** As given; '' when absent. */
  resourceVersion: string;
  resourceVersionMatch: 'Exact' | 'NotOlderThan' | undefined;
  timeoutSeconds: number | undefined;
  allowWatchBookmarks: boolean;
  /** Tri-state, as upstream's *bool: undefined when absent. */
  sendInitialEvents: boolean | undefined;
}

/** Where the next page of a chunked list starts, and the resourceVersion the whole list is read at. */
export interface ContinueToken {
  rv: number;
  /** Store key (`namespace/name`) the next page starts at, inclusive. */
  start: string;
}

/**
 * A boolean query parameter, as upstream's Convert_Slice_string_To_bool reads it: absent is
 * false; "0" and "false" (any case) are false; anything else, the empty string included
 * (`?watch`, `?watch=`), is true. So `watch=True` (the Python client) and `watch=1` watch.
 */
export function queryBool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

/** Like queryBool, but undefined when absent (upstream's *bool parameters, e.g. sendInitialEvents). */
export function queryOptionalBool(q: URLSearchParams, name: string): boolean | undefined {
  return q.has(name) ? queryBool(q, name) : undefined;
}

/**
 * An integer query parameter, as strconv.ParseInt reads it (decimal, optional sign, nothing
 * else); an empty value is absent, as the client libraries send it. 400 on anything else.
 */
export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Parses a resourceVersion: '' and '0' are 0; otherwise an unsigned integer, or 400. */
export function parseResourceVersion(rv: string): number {
  if (rv === '' || rv === '0') return 0;
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(Number(rv))) {
    throw badRequest(`resourceVersion: Invalid value: ${JSON.stringify(rv)}: strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`);
  }
  return Number(rv);
}

/** The continue token of a page, in upstream's shape: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":KEY}. */
export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start })).toString('base64url');
}

/** Reads a continue token written by encodeContinue; 400 "invalid continue token" otherwise. */
export function decodeContinue(token: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid continue token: continue key is not valid: illegal base64 data or JSON');
  }
  const p = parsed as { v?: unknown; rv?: unknown; start?: unknown } | null;
  if (p === null || typeof p !== 'object' || p.v !== 'meta.k8s.io/v1') throw badRequest('invalid continue token: continue key is not valid: server does not recognize this encoded key version');
  if (typeof p.rv !== 'number' || !Number.isSafeInteger(p.rv) || p.rv <= 0) throw badRequest('invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof p.start !== 'string' || p.start === '') throw badRequest('invalid continue token: continue key is not valid: encoded start key empty');
  return { rv: p.rv, start: p.start };
}

/**
 * Reads and validates the list/watch parameters. Malformed values (selectors, integers, the
 * continue token) are 400 BadRequest, as upstream's parameter decoding answers; forbidden
 * combinations are 422 Invalid on ListOptions.meta.k8s.io, as its ValidateListOptions does.
 * `watchPath` is true for the deprecated /watch/ paths, which watch whatever `watch` says.
 */
export function parseListQuery(q: URLSearchParams, watchPath = false): ListQuery {
  const labelSelector = q.get('labelSelector') ?? undefined;
  const fieldSelector = q.get('fieldSelector') ?? undefined;
  compileSelector({ labelSelector, fieldSelector });
  const cont = q.get('continue') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const resourceVersion = q.get('resourceVersion') ?? '';
  parseResourceVersion(resourceVersion);
  const out: ListQuery = {
    watch: watchPath || queryBool(q, 'watch'),
    labelSelector,
    fieldSelector,
    limit: queryInt(q, 'limit'),
    continueFrom: cont === '' ? undefined : decodeContinue(cont),
    resourceVersion,
    resourceVersionMatch: match === 'Exact' || match === 'NotOlderThan' ? match : undefined,
    timeoutSeconds: queryInt(q, 'timeoutSeconds'),
    allowWatchBookmarks: queryBool(q, 'allowWatchBookmarks'),
    sendInitialEvents: queryOptionalBool(q, 'sendInitialEvents'),
  };
  const causes: Array<{ field: string; message: string; reason: string }> = [];
  const forbid = (field: string, message: string): void => void causes.push({ field, message: `Forbidden: ${message}`, reason: 'FieldValueForbidden' });
  const unsupported = (values: string[]): void =>
    void causes.push({ field: 'resourceVersionMatch', message: `Unsupported value: ${JSON.stringify(match)}: supported values: ${values.map((v) => JSON.stringify(v)).join(', ')}`, reason: 'FieldValueNotSupported' });
  if (out.watch) {
    if (out.sendInitialEvents !== undefined && match !== 'NotOlderThan') forbid('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    if (match !== '') {
      if (out.sendInitialEvents === undefined) forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
      if (match !== 'NotOlderThan') unsupported(['NotOlderThan']);
      if (cont !== '') forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
    }
  } else {
    if (match !== '') {
      if (resourceVersion === '') forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided');
      if (cont !== '') forbid('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided');
      if (match !== 'Exact' && match !== 'NotOlderThan') unsupported(['Exact', 'NotOlderThan', '']);
      if (match === 'Exact' && resourceVersion === '0') forbid('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    }
    if (out.sendInitialEvents !== undefined) forbid('sendInitialEvents', 'sendInitialEvents is forbidden for list');
  }
  // Upstream rejects this one while reading the continue token (etcd3 store): a 400, not a 422.
  if (causes.length === 0 && cont !== '' && resourceVersion !== '' && resourceVersion !== '0' && !out.watch) {
    throw badRequest('specifying resource version is not allowed when using continue');
  }
  if (causes.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', causes);
  return out;
}

/** How the server picks the resourceVersion a list is read at. */
export type ListRead =
  /** The newest state (resourceVersion "" or "0", or NotOlderThan a version already reached). */
  | { kind: 'latest' }
  /** The state at exactly this version, rebuilt from the history (Exact, a continue token, or the legacy limit + resourceVersion). */
  | { kind: 'exact'; rv: number }
  /** At least this version: wait for it (a version the store has not reached yet). */
  | { kind: 'notOlderThan'; rv: number };

/**
 * Which state a list reads, as upstream does: a continue token reads at its version; Exact reads
 * at the version given; a version with a limit and no match is read exactly too (etcd's legacy
 * rule); a version without a match or with NotOlderThan is a lower bound.
 */
export function listRead(query: ListQuery): ListRead {
  if (query.continueFrom !== undefined) return { kind: 'exact', rv: query.continueFrom.rv };
  const rv = parseResourceVersion(query.resourceVersion);
  if (rv === 0) return { kind: 'latest' };
  if (query.resourceVersionMatch === 'Exact') return { kind: 'exact', rv };
  if (query.resourceVersionMatch === undefined && (query.limit ?? 0) > 0) return { kind: 'exact', rv };
  return { kind: 'notOlderThan', rv };
}

/** How long a list waits for a resourceVersion the store has not reached (upstream's watch cache: 3 s). */
export const TOO_LARGE_RV_WAIT_MS = 3000;

/**
 * Waits until the store reaches a resourceVersion, for at most `waitMs` (upstream's watch cache
 * waits 3 s), then fails with 504 "Too large resource version" as upstream does.
 */
export async function waitForResourceVersion(current: () => number, rv: number, waitMs = TOO_LARGE_RV_WAIT_MS): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (current() < rv) {
    if (Date.now() >= deadline) throw tooLargeResourceVersion(rv, current());
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Upstream's message for a continue token whose version the history no longer reaches. */
export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.';
