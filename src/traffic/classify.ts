import { OUTCOME } from '../metrics/outcome.js';
import type { OutcomeCode } from '../metrics/outcome.js';
import { isGrpcStatus, outcomeOfGrpcStatus } from '../metrics/grpc-status.js';

/** Which statuses count as success; the default is 2xx and 3xx (redirects are not followed). */
export type SuccessPredicate = (status: number) => boolean;

/** Outcome of a request that got an HTTP answer, or of a gRPC call that got a status (the success rule is HTTP's: gRPC's OK is success). */
export function classifyStatus(status: number, success?: SuccessPredicate): OutcomeCode {
  if (isGrpcStatus(status)) return outcomeOfGrpcStatus(status);
  if (success !== undefined) {
    if (success(status)) return OUTCOME.success;
  } else if (status >= 200 && status < 400) {
    return OUTCOME.success;
  }
  if (status >= 500 && status < 600) return OUTCOME.http_5xx;
  if (status >= 400 && status < 500) return OUTCOME.http_4xx;
  // 1xx as a final answer, 2xx/3xx rejected by the predicate, or out-of-range codes.
  return OUTCOME.other;
}

/** Code set on the error our own per-request timer aborts a request with. */
export const TIMEOUT_CODE = 'ZD_TIMEOUT';

interface ErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * The code that names what went wrong: the error's own `code`, else its cause's, else the first
 * of an AggregateError (happy-eyeballs connects), else its name. Kept in errorCodes.
 */
export function errorCodeOf(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const x = e as ErrorLike;
    if (typeof x.code === 'string' && x.code !== '') return x.code;
    if (Array.isArray(x.errors) && x.errors.length > 0) e = x.errors[0];
    else e = x.cause;
  }
  if (typeof err === 'object' && err !== null && typeof (err as ErrorLike).name === 'string') return (err as ErrorLike).name as string;
  return 'UNKNOWN';
}

/** Error codes meaning the connection was cut under a request (the pod went away or closed it). */
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  // undici's SocketError: "other side closed" and friends, mid-request.
  'UND_ERR_SOCKET',
  // The body stopped short of its content-length: the connection died mid-response.
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  // node:http2: a stream cancelled because its session closed under it (no GOAWAY covered it).
  'ERR_HTTP2_STREAM_CANCEL',
  // zerodrop's HTTP/2 client (http2-retry.ts): the session ended under a stream the server had begun.
  'HTTP2_SESSION_CLOSED',
]);

/** Error codes meaning the request ran out of time (our timer, or undici's backstops). */
const TIMEOUT_CODES = new Set([TIMEOUT_CODE, 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);

/**
 * Outcome of a request that ended without an HTTP answer, from its error code (see errorCodeOf).
 * Only ECONNREFUSED (and an HTTP/2 stream refused again after its retry) is `refused`: unreachable hosts and DNS failures are `other`, with their code
 * kept, because they point at the network or the generator rather than at the rollout.
 */
export function classifyErrorCode(code: string): OutcomeCode {
  if (code === 'ECONNREFUSED') return OUTCOME.refused;
  if (RESET_CODES.has(code)) return OUTCOME.reset;
  // zerodrop's HTTP/2 client: a stream reset by the server (HTTP2_RST_<code>), or refused again after its one retry.
  if (code.startsWith('HTTP2_RST_')) return OUTCOME.reset;
  if (code === 'HTTP2_REFUSED_STREAM' || code === 'HTTP2_GOAWAY_REFUSED') return OUTCOME.refused;
  if (TIMEOUT_CODES.has(code)) return OUTCOME.timeout;
  return OUTCOME.other;
}
