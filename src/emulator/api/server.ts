import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { bearerAuth, unauthorized } from './auth.js';
import type { HandlerContext, PodLogProvider } from './handlers/context.js';
import { handleUpgrade } from './handlers/port-forward-upgrade.js';
import { sendError } from './http-io.js';
import type { MemoryStore } from './memory-store.js';
import { PortForwardEndpoint, rejectUpgrade, type PodPortAddress } from './port-forward.js';
import { routeRequest } from './router.js';
import { makeSelfSignedCert, type SelfSignedCert } from './tls-cert.js';

export type { PodLogProvider, PodLogRequest } from './handlers/context.js';

/** Options of the emulated API server. */
export interface ApiServerOptions {
  store: MemoryStore;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Bearer token clients must send (default: 32 random bytes, hex). */
  token?: string;
  /** Interval of BOOKMARK events on watches that allow them (default 30 s). */
  bookmarkIntervalMs?: number;
  /**
   * Serving certificate (default: a fresh self-signed one), or `false` for plain HTTP. kubectl
   * only sends bearer tokens over TLS, so plain HTTP suits in-process clients only.
   */
  tls?: SelfSignedCert | false;
  /** How pods/portforward dials a pod's port (default: the pod's IP, the port as asked). */
  podPortAddress?: PodPortAddress;
}

/** A running API server. */
export interface ApiServer {
  /** `https://127.0.0.1:PORT` (or http:// with `tls: false`) */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** PEM of the self-signed serving certificate, which is its own CA; undefined over plain HTTP. */
  readonly caPem: string | undefined;
  /** Registers (or clears) the pod log source; without one, logs are empty. */
  setPodLogProvider(fn: PodLogProvider | undefined): void;
  /** Ends watches, closes connections and stops listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the emulated Kubernetes API server on 127.0.0.1: discovery, OpenAPI v3 (enough for
 * kubectl's server-side field validation), and create/get/list/update/patch/delete/watch of the
 * emulated resources with their status, scale and log subresources, and pods/portforward. Every request needs
 * `Authorization: Bearer <token>`. Auth is in auth.ts, routing in router.ts, each verb in handlers/.
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const store = opts.store;
  const token = opts.token ?? randomBytes(32).toString('hex');
  const authorized = bearerAuth(token);
  let logProvider: PodLogProvider | undefined;
  const ctx: HandlerContext = {
    store,
    bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 30_000,
    watches: new Set<() => void>(),
    logProvider: () => logProvider,
  };
  const portForward = new PortForwardEndpoint(opts.podPortAddress === undefined ? {} : { address: opts.podPortAddress });
  let port = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!authorized(req)) {
      sendError(res, unauthorized());
      req.resume();
      return;
    }
    await routeRequest(ctx, req, res, port);
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      sendError(res, err);
      req.resume();
    });
  };
  // Upgrades (pods/portforward's SPDY/3.1) arrive here instead of onRequest; auth as for any request.
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (!authorized(req)) return rejectUpgrade(socket, unauthorized());
    handleUpgrade(store, portForward, req, socket, head);
  };
  const tls = opts.tls === undefined ? makeSelfSignedCert() : opts.tls;
  const server: Server = tls === false ? createHttpServer(onRequest) : createHttpsServer({ key: tls.keyPem, cert: tls.certPem }, onRequest);
  server.keepAliveTimeout = 60_000;
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `${tls === false ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    token,
    caPem: tls === false ? undefined : tls.certPem,
    setPodLogProvider(fn) {
      logProvider = fn;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const w of [...ctx.watches]) w();
        portForward.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
