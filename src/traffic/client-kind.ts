/**
 * The HTTP client under each connection: `lean` (zerodrop's own HTTP/1.1 connection, cleartext
 * only; see http1-connection.ts) or `undici`. A small module of its own so that the scenario
 * parser can name the choices without loading the clients.
 */
export type ClientKind = 'lean' | 'undici';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'undici'];

/**
 * Why the lean client cannot reach this target, or undefined when it can: it speaks cleartext
 * HTTP/1.1 only. The one rule behind the engine's check and the scenario's.
 */
export function leanRefusal(url: string, http2: boolean): string | undefined {
  return url.startsWith('https:') || http2 ? 'the lean client speaks cleartext HTTP/1.1 only' : undefined;
}
