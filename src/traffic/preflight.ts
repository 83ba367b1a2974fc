import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { connect as h2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, isIP } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { Dispatcher, Pool } from 'undici';
import { CouldNotRunError, EXIT, ZerodropError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { errorCodeOf } from './classify.js';
import { Http2Client } from './http2-client.js';
import { LeanHttp2Client } from './http2-lean-client.js';
import { buildDispatchOptions, buildPool, clientKindOf, parseTargetUrl } from './target.js';
import type { TargetOptions } from './target.js';

/** What the preflight request needs: the target part of LoadOptions (keepAlive is irrelevant). */
export type PreflightOptions = Omit<TargetOptions, 'keepAlive'>;

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_|HOSTNAME_MISMATCH)/;

/** Turns the error code of a failed preflight (or of any first connection to the target) into a sentence and a hint the user can act on. */
export function explainConnectError(code: string, u: URL, timeoutMs: number): { why: string; hint: string } {
  const hostPort = `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  if (code === 'ECONNREFUSED') {
    return {
      why: `connection refused by ${hostPort}`,
      hint: 'Nothing is listening there: start the service (or a port-forward to it) and check the host and port of the URL.',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return {
      why: `the host name ${u.hostname} could not be resolved (${code})`,
      hint: 'Check the host name. Cluster-internal Service names only resolve inside the cluster: use a port-forward or an ingress address from outside.',
    };
  }
  if (TLS_CODE.test(code)) {
    return {
      why: `the TLS handshake with ${hostPort} failed (${code})`,
      hint: 'Trust the CA that signed the server certificate (ca), or set insecure: true to skip verification in a test environment. Check http vs https too.',
    };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || code === 'TimeoutError') {
    return {
      why: `no answer from ${hostPort} within ${timeoutMs} ms (${code})`,
      hint: 'Check that the URL points at the service and that no firewall or network policy drops the traffic; raise the timeout if the service is slow to answer.',
    };
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { why: `${hostPort} is unreachable (${code})`, hint: 'Check the address and the network path (VPN, port-forward, cluster network).' };
  }
  if (code.startsWith('HPE_')) {
    return {
      why: `${hostPort} answered with something that is not HTTP/1.1 (${code})`,
      hint: 'Check the scheme (http vs https) and the port: a TLS port spoken to in plain HTTP often looks like this.',
    };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return {
      why: `${hostPort} closed the connection before answering (${code})`,
      hint: 'Check the scheme (http vs https) and the port: a TLS port spoken to in plain HTTP, or the reverse, often looks like this.',
    };
  }
  return { why: `the request failed (${code})`, hint: 'Check the URL, the network path and the service logs.' };
}

/**
 * Methods that ask the target to change nothing (RFC 9110, section 9.2.1): the reachability check
 * may send the scenario's own request only with one of these.
 */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * How the reachability check probes: `request` sends the scenario's request (safe methods only);
 * `connect` opens a connection (TCP, then the TLS handshake for https:, then the HTTP/2 session
 * for http2) and sends no request at all.
 */
export type ProbeKind = 'request' | 'connect';

/** The probe a method gets: a request when it is safe, else a bare connect. */
export function probeKindOf(method: string): ProbeKind {
  return SAFE_METHODS.has(method.toUpperCase()) ? 'request' : 'connect';
}

/** What the reachability check did before the run: every request it sent is counted here. */
export interface ReachabilityProbe {
  probe: ProbeKind;
  /** Tries, the last (successful) one included. */
  attempts: number;
  /** Requests written to an open connection: the target may have served every one of them. */
  requests: number;
  /** HTTP status of the answer that made the target count as reachable (`request` probes), else null. */
  lastStatus: number | null;
}

/**
 * The reachability check before the run: a request only for a safe method (GET, HEAD, OPTIONS),
 * else a bare connect. Its requests are not in `totals`: the target served totals.sent + requests.
 */
export interface ReachabilityRecord extends ReachabilityProbe {
  /** The method of the scenario (the probe's, when it sent requests). */
  method: string;
  /** The URL checked, credentials redacted. */
  url: string;
  /** Run ms (the timeline's clock) when the check began and when the target answered. */
  startMs: number;
  endMs: number;
}

/** How long to keep trying, and what stops the wait. */
export interface ReachOptions {
  /** Keep retrying (every 250 ms) for this long; 0: one try. */
  waitMs?: number;
  /** Aborts the wait (Ctrl-C): the check then throws an interrupted error (exit 130). */
  signal?: AbortSignal;
}

/** One try: the requests it wrote, the status it got, or the error it ended with. */
interface Attempt {
  requests: number;
  status: number | null;
  error: unknown;
}

const RETRY_EVERY_MS = 250;

/**
 * Checks that the target answers before the run, so an unreachable one fails fast with a clear
 * message (exit 4) instead of producing a run full of `refused`. A safe method (GET, HEAD,
 * OPTIONS) sends the scenario's request, and any HTTP answer, even a 500, counts as reachable
 * (judging answers is the run's job); any other method only connects (TCP, TLS, HTTP/2 session),
 * so a POST target gets no request the user did not ask for. With `waitMs`, retries until the
 * target answers or the time is up (then throws the last error). Returns what it sent, for the
 * report; throws an interrupted error (exit 130) when `signal` aborts it.
 */
export async function checkReachable(opts: PreflightOptions, reach: ReachOptions = {}): Promise<ReachabilityProbe> {
  const u = parseTargetUrl(opts.url);
  const signal = reach.signal ?? new AbortController().signal;
  const probe = probeKindOf(opts.method);
  const deadline = Date.now() + (reach.waitMs ?? 0);
  const result: ReachabilityProbe = { probe, attempts: 0, requests: 0, lastStatus: null };
  for (;;) {
    if (signal.aborted) throw interrupted();
    const a = probe === 'request' ? await sendRequest(opts, signal) : await connectOnly(u, opts, signal);
    result.attempts++;
    result.requests += a.requests;
    if (signal.aborted) throw interrupted();
    if (a.error === null) {
      result.lastStatus = a.status;
      return result;
    }
    if (Date.now() >= deadline) {
      const code = errorCodeOf(a.error);
      const { why, hint } = explainConnectError(code, u, opts.timeoutMs);
      throw new CouldNotRunError('E_TARGET_UNREACHABLE', `cannot reach ${redactUrl(opts.url)}: ${why}`, { hint, cause: a.error });
    }
    await sleep(Math.min(RETRY_EVERY_MS, Math.max(0, deadline - Date.now())), signal);
  }
}

function interrupted(): ZerodropError {
  return new ZerodropError('E_INTERRUPTED', 'interrupted while waiting for the target to answer, before the traffic started: no report was written', { exitCode: EXIT.interrupted });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** An error with a code, as the network layer's own errors carry one. */
function codeError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** One HTTP/2 session of the run's own client for the check (a refused stream is retried, uncounted). */
function http2ProbeClient(opts: PreflightOptions): Http2Client | LeanHttp2Client {
  const o: ConstructorParameters<typeof Http2Client>[1] = { sessions: 1, streams: 1, grow: false, connectTimeoutMs: opts.timeoutMs, onGoaway: () => undefined };
  if (opts.ca !== undefined) o.ca = opts.ca;
  if (opts.insecure === true) o.insecure = true;
  const origin = parseTargetUrl(opts.url).origin;
  return clientKindOf(opts) === 'node-http2' ? new Http2Client(origin, o) : new LeanHttp2Client(origin, o);
}

/**
 * Sends the scenario's request once on a fresh connection, on the run's kind of client: node:http(s)
 * for the lean HTTP/1.1 client (sendRequestOnNodeHttp), zerodrop's HTTP/2 client for HTTP/2 unless
 * undici was asked for, else undici. A request counts as sent once written to an open connection
 * (undici's onConnect, the socket's connect), so a refused connect sends none.
 */
async function sendRequest(opts: PreflightOptions, signal: AbortSignal): Promise<Attempt> {
  if (opts.http2 !== true && clientKindOf(opts) === 'lean') return sendRequestOnNodeHttp(opts, signal);
  // The run's own HTTP/2 client when it is zerodrop's (cleartext h2c needs it: undici would speak HTTP/1.1).
  const pool: Pick<Pool, 'dispatch' | 'destroy'> =
    opts.http2 === true && clientKindOf(opts) !== 'undici' ? http2ProbeClient(opts) : buildPool({ ...opts, keepAlive: true }, 1);
  const d: Dispatcher.DispatchOptions = { ...buildDispatchOptions({ ...opts, keepAlive: true }), headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs };
  try {
    return await new Promise<Attempt>((resolve) => {
      const a: Attempt = { requests: 0, status: null, error: null };
      let abort: ((err?: Error) => void) | null = null;
      let settled = false;
      const finish = (error: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(backstop);
        signal.removeEventListener('abort', onAbort);
        a.error = error;
        resolve(a);
      };
      const stop = (err: Error): void => {
        // undici answers the abort through onError; finish now in case it never calls back.
        abort?.(err);
        finish(err);
      };
      const onAbort = (): void => stop(codeError('ABORT_ERR', 'the check was interrupted'));
      // undici's connect, headers and body timeouts decide; this only guards against a lost callback.
      const backstop = setTimeout(() => stop(codeError('ETIMEDOUT', 'no answer in time')), 2 * opts.timeoutMs + 100);
      signal.addEventListener('abort', onAbort, { once: true });
      const handler: Dispatcher.DispatchHandler = {
        onConnect(abortRequest) {
          abort = abortRequest;
          a.requests++;
        },
        onHeaders(statusCode) {
          a.status = statusCode;
          return true;
        },
        onData: () => true,
        onComplete: () => finish(null),
        onError: (err) => finish(err),
      };
      pool.dispatch(d, handler);
    });
  } finally {
    await pool.destroy().catch(() => undefined);
  }
}

/**
 * The check's one request on node:http(s) when the run's client is zerodrop's lean HTTP/1.1
 * client (which, like node:http, runs on node:net and node:tls with the same CA, verification and
 * SNI). undici's HTTP/1.1 parser is WebAssembly: compiling it for this one request took ~20-35 MB
 * of transient memory at the start of every run (most of the CLI's peak RSS: 148 -> 128 MB at
 * full speed, measured) and a background compile, in runs that never use undici again. The
 * timeouts are undici's: the answer's head within timeoutMs of the request, then no gap in its
 * body longer than timeoutMs.
 */
function sendRequestOnNodeHttp(opts: PreflightOptions, signal: AbortSignal): Promise<Attempt> {
  const u = parseTargetUrl(opts.url);
  const d = buildDispatchOptions({ ...opts, keepAlive: true });
  const tls = u.protocol === 'https:';
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  // The same request as undici's: the scenario's headers plus Basic auth from the URL's credentials.
  const headers: Record<string, string> = {};
  const flat = d.headers as string[];
  for (let i = 0; i < flat.length; i += 2) headers[flat[i]!] = flat[i + 1]!;
  const o: RequestOptions & { ca?: string | Buffer; rejectUnauthorized?: boolean; servername?: string } = {
    host,
    port: Number(u.port || (tls ? 443 : 80)),
    method: d.method,
    path: d.path,
    headers,
    agent: false,
  };
  if (tls) {
    o.rejectUnauthorized = opts.insecure !== true;
    if (isIP(host) === 0) o.servername = host;
    if (opts.ca !== undefined) o.ca = typeof opts.ca === 'string' ? opts.ca : Buffer.from(opts.ca);
  }
  return new Promise<Attempt>((resolve) => {
    const a: Attempt = { requests: 0, status: null, error: null };
    let settled = false;
    let req: ClientRequest | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      a.error = error;
      req?.destroy();
      resolve(a);
    };
    const onAbort = (): void => finish(codeError('ABORT_ERR', 'the check was interrupted'));
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(codeError('ETIMEDOUT', 'no answer in time')), opts.timeoutMs);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm();
    req = (tls ? httpsRequest : httpRequest)(o, (res: IncomingMessage) => {
      a.status = res.statusCode ?? null;
      arm();
      res.on('data', arm);
      res.on('end', () => finish(null));
      res.on('error', finish);
    });
    // Sent once written to an open connection (as undici's onConnect): a refused connect sends none.
    req.once('socket', (socket) => socket.once(tls ? 'secureConnect' : 'connect', () => a.requests++));
    req.on('error', finish);
    req.end(d.body ?? undefined);
  });
}

/**
 * Opens a connection the way the run will (TCP; TLS with the run's CA and verification; an
 * HTTP/2 session when h2 is negotiated, up to the server's SETTINGS) and closes it: proof that
 * something answers there, without a request.
 */
function connectOnly(u: URL, opts: PreflightOptions, signal: AbortSignal): Promise<Attempt> {
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const tls = u.protocol === 'https:';
  const port = Number(u.port || (tls ? 443 : 80));
  return new Promise<Attempt>((resolve) => {
    let socket: Socket;
    let session: ReturnType<typeof h2Connect> | undefined;
    let settled = false;
    const finish = (error: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (session !== undefined) session.destroy();
      socket.destroy();
      resolve({ requests: 0, status: null, error });
    };
    const onAbort = (): void => finish(codeError('ABORT_ERR', 'the check was interrupted'));
    const timer = setTimeout(() => finish(codeError('ETIMEDOUT', 'no answer in time')), opts.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    if (!tls) {
      socket = netConnect({ host, port }, () => finish(null));
    } else {
      const t: ConnectionOptions = { host, port, rejectUnauthorized: opts.insecure !== true };
      if (isIP(host) === 0) t.servername = host;
      if (opts.ca !== undefined) t.ca = typeof opts.ca === 'string' ? opts.ca : Buffer.from(opts.ca);
      if (opts.http2 === true) t.ALPNProtocols = ['h2', 'http/1.1'];
      const tlsSocket: TLSSocket = tlsConnect(t, () => {
        if (tlsSocket.alpnProtocol !== 'h2') return finish(null);
        // The session is up once the server's SETTINGS arrive; no stream is opened.
        session = h2Connect(u.origin, { createConnection: () => tlsSocket });
        session.once('remoteSettings', () => finish(null));
        session.on('error', finish);
      });
      socket = tlsSocket;
    }
    // on, not once: finish is idempotent, and a second error must not go unhandled.
    socket.on('error', finish);
  });
}
