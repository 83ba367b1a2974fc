/**
 * What a well-behaved HTTP/2 client does with a stream that ended without a whole response, as
 * browsers and gRPC do (RFC 9113 section 8.7): a request the server never processed (its stream is
 * above a GOAWAY's last-stream-id, or was reset with REFUSED_STREAM before any response) is sent
 * once more on another session, and counted apart as `retried`; anything else is a failure the
 * server may have caused after it began the request. Pure rules, apart from the client.
 */

/** HTTP/2 error codes by number (RFC 9113 section 7), for error names in reports. */
export const H2_ERROR_NAMES: readonly string[] = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** REFUSED_STREAM: the server did not process the stream (safe to retry). */
export const H2_REFUSED_STREAM = 7;

/** The name of an HTTP/2 error code (`ERROR_0x1f` for one outside the table). */
export function h2ErrorName(code: number): string {
  return H2_ERROR_NAMES[code] ?? `ERROR_0x${code.toString(16)}`;
}

/** Why a request was sent again: the `retried` reasons of HTTP/2 (and gRPC) clients. */
export type RetryReason = 'goaway' | 'refused_stream';

/** Error code of a request refused again after its one retry (classified `refused`). */
export const REFUSED_AGAIN_CODE: Record<RetryReason, string> = { goaway: 'HTTP2_GOAWAY_REFUSED', refused_stream: 'HTTP2_REFUSED_STREAM' };

/** Error code of a stream the session's end cut with no reset of its own (classified `reset`). */
export const SESSION_CLOSED_CODE = 'HTTP2_SESSION_CLOSED';

/** Prefix of the error code of a stream reset by the server with any code but REFUSED_STREAM (classified `reset`). */
export const RST_CODE_PREFIX = 'HTTP2_RST_';

/** How a stream ended without a whole response. */
export interface StreamEnd {
  /** Response headers arrived: the server began the request. */
  headersReceived: boolean;
  /** The stream's id, undefined when it never went out (no id assigned). */
  streamId: number | undefined;
  /** RST_STREAM code the stream closed with (0 or undefined: none). */
  rstCode: number | undefined;
  /** The session received a GOAWAY with this last-stream-id (undefined: none). */
  goawayLastStreamId: number | undefined;
  /** The request was sent again once already. */
  retried: boolean;
  /** The session's own error code (socket or TLS error, e.g. ECONNRESET), if any. */
  sessionErrorCode: string | undefined;
}

/** What to do: send once more (and why), or fail with an error code (classified by classify.ts). */
export type StreamVerdict = { retry: RetryReason } | { fail: string };

/** Why the server never processed this stream, or undefined when it may have. */
export function neverProcessed(e: Pick<StreamEnd, 'headersReceived' | 'streamId' | 'rstCode' | 'goawayLastStreamId'>): RetryReason | undefined {
  if (e.headersReceived) return undefined;
  if (e.goawayLastStreamId !== undefined && (e.streamId === undefined || e.streamId > e.goawayLastStreamId)) return 'goaway';
  if (e.rstCode === H2_REFUSED_STREAM) return 'refused_stream';
  return undefined;
}

/**
 * The rule: a request the server never processed is retried once, a second refusal fails as
 * refused; a stream reset with another code fails as a reset named by its code; a stream cut by
 * its session (a socket error, or the session closing under a stream at or below the GOAWAY's
 * last-stream-id) fails with the session's error, or as HTTP2_SESSION_CLOSED.
 */
export function judgeStreamEnd(e: StreamEnd): StreamVerdict {
  const reason = neverProcessed(e);
  if (reason !== undefined) return e.retried ? { fail: REFUSED_AGAIN_CODE[reason] } : { retry: reason };
  if (e.rstCode !== undefined && e.rstCode !== 0 && e.sessionErrorCode === undefined) return { fail: `${RST_CODE_PREFIX}${h2ErrorName(e.rstCode)}` };
  return { fail: e.sessionErrorCode ?? SESSION_CLOSED_CODE };
}
