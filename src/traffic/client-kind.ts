/**
 * The client under each connection: `lean` (zerodrop's own: HTTP/1.1 over TCP or TLS,
 * http1-connection.ts; HTTP/2 over TLS or cleartext h2c, http2-client.ts) or `undici`. A small
 * module of its own so that the scenario parser can name the choices without loading the clients.
 */
export type ClientKind = 'lean' | 'undici';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'undici'];

/**
 * Why undici cannot reach this target, or undefined when it can: it speaks HTTP/2 over TLS only
 * (no h2c). The lean clients reach every target, and `auto` picks them: over TLS the lean HTTP/1.1
 * client measured 1.62x undici's rate (median of 15 interleaved rounds) at under half its CPU a
 * request (bench/README.md, "HTTPS"), and the HTTP/2 one counts the GOAWAY and REFUSED_STREAM
 * retries undici hides.
 */
export function undiciRefusal(url: string, http2: boolean): string | undefined {
  return http2 && url.startsWith('http:') ? 'undici speaks HTTP/2 over TLS only' : undefined;
}
