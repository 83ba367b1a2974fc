/**
 * The HTTP client under each connection: `lean` (zerodrop's own: HTTP/1.1 on node:net, cleartext
 * only, see http1-connection.ts; with HTTP/2, frames on node:tls/node:net, see
 * http2-lean-client.ts), `undici`, or `node-http2` (HTTP/2 only: zerodrop's client on node:http2,
 * http2-client.ts, kept for comparison). A small module of its own so that the scenario parser can
 * name the choices without loading the clients.
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
 * Why the lean client cannot reach this target, or undefined when it can: it speaks cleartext
 * HTTP/1.1 only. The one rule behind the engine's check and the scenario's.
 */
export function leanRefusal(url: string, http2: boolean): string | undefined {
  return url.startsWith('https:') || http2 ? 'the lean client speaks cleartext HTTP/1.1 only' : undefined;
}
