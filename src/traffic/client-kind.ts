/**
 * The HTTP client under each connection: `lean` (zerodrop's own HTTP/1.1 connection, over TCP or
 * TLS; see http1-connection.ts) or `undici`. A small module of its own so that the scenario
 * parser can name the choices without loading the clients.
 */
export type ClientKind = 'lean' | 'undici';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'undici'];

/**
 * Why the lean client cannot reach this target, or undefined when it can: it speaks HTTP/1.1
 * only, over http: or https: (HTTP/2 is undici's). The one rule behind the engine's check, the
 * scenario's, and `auto`'s choice. The scheme does not matter: over TLS the lean client measured
 * 1.62x undici's rate (median of 15 interleaved rounds) and the engine on it under half undici's
 * CPU a request (bench/README.md, "HTTPS").
 */
export function leanRefusal(http2: boolean): string | undefined {
  return http2 ? 'the lean client speaks HTTP/1.1 only' : undefined;
}
