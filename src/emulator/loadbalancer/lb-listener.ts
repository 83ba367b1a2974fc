import http from 'node:http';
import type net from 'node:net';
import type { TargetGroup } from './target-group.js';

/** The Server header of the load balancer's own answers, as an ALB sends it. */
export const LB_SERVER_HEADER = 'awselb/2.0';

/** Why the load balancer answered on its own. */
export type LbErrorStatus = 502 | 503 | 504;

const REASONS: Record<LbErrorStatus, string> = { 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

// Hop-by-hop headers (RFC 9110, section 7.6.1): each side of the proxy has its own connection.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** Counts of the load balancer's own answers (ALB's HTTPCode_ELB_5XX_Count, by code). */
export interface ListenerCounters {
  502: number;
  503: number;
  504: number;
  /** Requests forwarded to a target. */
  forwarded: number;
}

/**
 * One listener of the load balancer: an HTTP server that forwards each request to a target of its
 * group over kept-alive connections and answers on its own, as an ALB does, with 503 when no
 * target may serve, 502 when the target refused, reset or closed the connection without a
 * complete answer, and 504 when the target did not answer within the idle timeout. Its own
 * answers carry `Server: awselb/2.0` and no header of the app.
 */
export class LbListener {
  private readonly server: http.Server;
  private readonly sockets = new Set<net.Socket>();
  /** The answers this listener gave on its own, and the requests it forwarded. */
  readonly counters: ListenerCounters = { 502: 0, 503: 0, 504: 0, forwarded: 0 };

  constructor(private readonly group: TargetGroup) {
    this.server = http.createServer((req, res) => this.forward(req, res));
    // The client side keeps its connections as long as an ALB's idle timeout allows.
    this.server.keepAliveTimeout = group.current().idleTimeoutMs;
    this.server.headersTimeout = group.current().idleTimeoutMs + 1000;
    this.server.requestTimeout = 0;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Listens on host:port (0: any) and resolves with the address it got. */
  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port });
      });
    });
  }

  /** Stops listening and cuts every client connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (this.server.listening) await new Promise<void>((r) => this.server.close(() => r()));
  }

  private answer(res: http.ServerResponse, status: LbErrorStatus): void {
    this.counters[status]++;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const title = `${status} ${REASONS[status]}`;
    const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(status, { server: LB_SERVER_HEADER, 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = this.group.pick();
    if (target === undefined) {
      req.resume();
      this.answer(res, 503);
      return;
    }
    this.counters.forwarded++;
    const { ip, port } = target.address;
    const client = req.socket;
    const headers = endToEnd(req.headers);
    const xff = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = xff === undefined ? String(client.remoteAddress ?? '') : `${String(xff)}, ${String(client.remoteAddress ?? '')}`;
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-port'] = String(client.localPort ?? '');
    const upstream = http.request({ host: ip, port, method: req.method, path: req.url, headers, agent: target.agent });
    this.group.track(target, upstream);
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      upstream.destroy();
      this.answer(res, 504);
    }, this.group.current().idleTimeoutMs);
    upstream.on('response', (up) => {
      if (settled) {
        up.resume();
        return;
      }
      res.writeHead(up.statusCode ?? 502, endToEnd(up.headers));
      up.pipe(res);
      up.on('end', () => {
        settled = true;
        clearTimeout(timer);
      });
      // The target went away mid-body (reset, or its drain ended): the client's answer is cut too.
      const cut = (): void => {
        settled = true;
        clearTimeout(timer);
        res.destroy();
      };
      up.on('aborted', cut);
      up.on('error', cut);
    });
    upstream.on('error', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.answer(res, 502);
    });
    res.on('close', () => {
      if (!res.writableFinished && !settled) {
        // The client gave up: the load balancer drops its request to the target.
        settled = true;
        clearTimeout(timer);
        upstream.destroy();
      }
    });
    req.pipe(upstream);
  }
}
