/**
 * The client under each connection: `lean` (zerodrop's own: HTTP/1.1 over TCP or TLS,
 * http1-connection.ts; HTTP/2 as its own frames on node:tls/node:net, TLS or cleartext h2c,
 * http2-lean-client.ts), `undici`, or `node-http2` (HTTP/2 only: zerodrop's client on
 * node:http2, http2-client.ts, kept for comparison). A small module of its own so that the
 * scenario parser can name the choices without loading the clients.
 */
export type ClientKind = 'lean' | 'undici' | 'node-http2';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'undici', 'node-http2'];

/** The choices as a sentence, for error messages. */
export const CLIENT_CHOICES = 'lean, undici or node-http2';

/** Why node-http2 cannot be used, or undefined when it can: it speaks HTTP/2 only. */
export function nodeHttp2Refusal(http2: boolean): string | undefined {
  return http2 ? undefined : 'node-http2 is an HTTP/2 client: add --http2 (target.http2), or use lean or undici';
}

/**
 * Why undici cannot reach this target, or undefined when it can: it speaks HTTP/2 over TLS only
 * (no h2c). The lean clients reach every target, and `auto` picks them: over TLS the lean HTTP/1.1
 * client measured 1.62x undici's rate (median of 15 interleaved rounds) at under half its CPU a
 * request (bench/README.md, "HTTPS"), and the lean HTTP/2 one 0.88x h2load (median of 9 rounds)
 * at a ninth of undici's CPU a request, counting the GOAWAY and REFUSED_STREAM retries undici hides.
 */
export function undiciRefusal(url: string, http2: boolean): string | undefined {
  return http2 && url.startsWith('http:') ? 'undici speaks HTTP/2 over TLS only' : undefined;
}
