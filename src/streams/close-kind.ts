/**
 * How a connection ended, as the accounting counts it:
 * - `graceful`: the server said goodbye with a close frame meaning "come back" (1000 normal,
 *   1001 going away, 1012 service restart, 1013 try again later, 1005 no code) or ended its stream
 *   cleanly (SSE / chunked: the terminating chunk);
 * - `error`: a close frame with an error code (1002 protocol error, 1011 internal error, 4xxx...);
 * - `cut`: no close frame (1006: reset, FIN without a close frame, a stream torn mid-way).
 */
export type CloseKind = 'graceful' | 'error' | 'cut';

/** Close codes that end a connection gracefully (RFC 6455 section 7.4.1 and the IANA registry). */
export const GRACEFUL_CLOSE_CODES: readonly number[] = [1000, 1001, 1005, 1012, 1013];

/** 1006: the connection closed without a close frame (never sent on the wire; the client's own conclusion). */
export const ABNORMAL_CLOSURE = 1006;

/**
 * The kind of a WebSocket close the client saw. `code` is what `ws` reports (1006 when no close
 * frame arrived, 1015 for a TLS failure); `frameReceived` says a close frame came from the server.
 */
export function closeKindOf(code: number, frameReceived: boolean): CloseKind {
  if (!frameReceived || code === ABNORMAL_CLOSURE || code === 1015) return 'cut';
  return GRACEFUL_CLOSE_CODES.includes(code) ? 'graceful' : 'error';
}
