/**
 * The HTTP client under each connection: `lean` (zerodrop's own HTTP/1.1 connection, cleartext
 * only; see http1-connection.ts) or `undici`. A small module of its own so that the scenario
 * parser can name the choices without loading the clients.
 */
export type ClientKind = 'lean' | 'undici';
export const CLIENT_KINDS: readonly ClientKind[] = ['lean', 'undici'];
