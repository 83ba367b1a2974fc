import { OUTCOME } from './outcome.js';
import type { OutcomeCode } from './outcome.js';

/**
 * gRPC status codes by number (grpc/grpc doc/statuscodes.md), the names reports show. A call's
 * gRPC status travels through the engine as the number GRPC_STATUS_BASE + code, beside HTTP
 * statuses (100-599), so the recorder, its codecs and the merge across workers and agents carry
 * it unchanged; CodeCounts names it when it lists statuses.
 */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

/** A gRPC status name. */
export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

/** The engine's status number of gRPC status 0 (OK); code c is GRPC_STATUS_BASE + c (above every HTTP status). */
export const GRPC_STATUS_BASE = 1000;

/** One past the highest status number a gRPC status maps to. */
export const GRPC_STATUS_END = GRPC_STATUS_BASE + GRPC_STATUS_NAMES.length;

/**
 * The failure class of each gRPC status, by the HTTP mapping google/rpc/code.proto gives each
 * code (UNAVAILABLE 503, INTERNAL 500, UNIMPLEMENTED 501, UNKNOWN 500, DATA_LOSS 500: http_5xx;
 * CANCELLED 499, INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, ...: http_4xx),
 * except DEADLINE_EXCEEDED (504 there), which is what it says: a `timeout`.
 */
const OUTCOME_OF_GRPC: readonly OutcomeCode[] = [
  OUTCOME.success, // OK
  OUTCOME.http_4xx, // CANCELLED (499)
  OUTCOME.http_5xx, // UNKNOWN (500)
  OUTCOME.http_4xx, // INVALID_ARGUMENT (400)
  OUTCOME.timeout, // DEADLINE_EXCEEDED
  OUTCOME.http_4xx, // NOT_FOUND (404)
  OUTCOME.http_4xx, // ALREADY_EXISTS (409)
  OUTCOME.http_4xx, // PERMISSION_DENIED (403)
  OUTCOME.http_4xx, // RESOURCE_EXHAUSTED (429)
  OUTCOME.http_4xx, // FAILED_PRECONDITION (400)
  OUTCOME.http_4xx, // ABORTED (409)
  OUTCOME.http_4xx, // OUT_OF_RANGE (400)
  OUTCOME.http_5xx, // UNIMPLEMENTED (501)
  OUTCOME.http_5xx, // INTERNAL (500)
  OUTCOME.http_5xx, // UNAVAILABLE (503)
  OUTCOME.http_5xx, // DATA_LOSS (500)
  OUTCOME.http_4xx, // UNAUTHENTICATED (401)
];

/** Is this engine status number a gRPC status? */
export function isGrpcStatus(status: number): boolean {
  return status >= GRPC_STATUS_BASE && status < GRPC_STATUS_END;
}

/** The engine status number of gRPC code `code`; a code beyond the known ones is UNKNOWN, as grpc-js reads it. */
export function grpcStatusNumber(code: number): number {
  return Number.isInteger(code) && code >= 0 && code < GRPC_STATUS_NAMES.length ? GRPC_STATUS_BASE + code : GRPC_STATUS_BASE + 2;
}

/** The outcome of a gRPC status given as its engine status number (see isGrpcStatus). */
export function outcomeOfGrpcStatus(status: number): OutcomeCode {
  return OUTCOME_OF_GRPC[status - GRPC_STATUS_BASE] ?? OUTCOME.other;
}

/** The report's key of a gRPC status number: its name, e.g. "UNAVAILABLE". */
export function grpcStatusKey(status: number): GrpcStatusName {
  return GRPC_STATUS_NAMES[status - GRPC_STATUS_BASE]!;
}

/** The gRPC status number of a status key a report lists ("UNAVAILABLE" -> 14), or undefined for an HTTP status. */
export function grpcCodeOfKey(key: string): number | undefined {
  const i = (GRPC_STATUS_NAMES as readonly string[]).indexOf(key);
  return i < 0 ? undefined : i;
}
