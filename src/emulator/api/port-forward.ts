import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, notFound } from './api-error.js';
import { SPDY_GOAWAY_STATUS, SPDY_RST_STATUS, SpdyFrameDecoder, SpdyFrameEncoder, type SpdyFrame, type SpdyHeaders } from './spdy-framing.js';
import type { KObject } from './store-types.js';

// `kubectl port-forward` as the API server and kubelet serve it: an HTTP upgrade to SPDY/3.1
// (subprotocol portforward.k8s.io), then, for every local connection kubectl accepts, a pair of
// client-created streams sharing a `requestid`: `streamtype: error` (the server writes why
// forwarding failed, then closes it) and `streamtype: data` (the bytes of one TCP connection to
// the pod's `port`). The emulator dials the pod itself, as the kubelet's runtime does.

/** The subprotocol of pod port-forwarding. */
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** Where a pod's port is reached from the node: host and port to dial. Throw to refuse (the message goes to the client). */
export type PodPortAddress = (pod: KObject, port: number) => { host: string; port: number };

/** The plain address: the pod's IP and the port as asked (pods listening on their own IPs). */
export const podIPAddress: PodPortAddress = (pod, port) => {
  const ip = pod.status?.podIP;
  if (typeof ip !== 'string' || ip === '') throw new Error('the pod has no IP yet');
  return { host: ip, port };
};

/** Options of {@link PortForwardEndpoint}. */
export interface PortForwardOptions {
  /** How a pod's port is dialled (default {@link podIPAddress}). */
  address?: PodPortAddress;
  /** How long a stream waits for its pair before the request fails (the kubelet's default: 30 s). */
  streamCreationTimeoutMs?: number;
}

/** The error of a pod that cannot be forwarded to: the text kubectl itself prints for it. */
export function podNotRunning(phase: string): ApiError {
  return badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
}

/** The answer to a port-forward request that is not an upgrade (curl, a proxy stripping headers). */
export function portForwardNeedsUpgrade(): ApiError {
  return badRequest('unable to upgrade: missing upgrade headers in request: pods/portforward needs `Connection: Upgrade` and `Upgrade: SPDY/3.1`, as `kubectl port-forward` sends');
}

const REASON_PHRASE: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' };

/** Answers an upgrade request with a Status and closes it (the HTTP server no longer owns the socket). */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${REASON_PHRASE[err.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-cache, private\r\nConnection: close\r\n\r\n${body}`,
  );
}

function headerTokens(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v : [v ?? ''])
    .flatMap((x) => x.split(','))
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function one(h: SpdyHeaders, name: string): string {
  return h[name]?.[0] ?? '';
}

interface StreamState {
  id: number;
  kind: 'data' | 'error';
  pair: StreamPair;
  /** We sent FIN. */
  localFin: boolean;
  /** The client reset it: nothing more may be sent on it. */
  reset: boolean;
}

interface StreamPair {
  requestId: string;
  port: number;
  data: StreamState | undefined;
  error: StreamState | undefined;
  timer: NodeJS.Timeout | undefined;
  pod: Socket | undefined;
  /** Client bytes that arrived before the pod connection existed. */
  early: Buffer[];
  /** The client finished sending before the pod connection existed. */
  earlyFin: boolean;
  done: boolean;
}

/** One upgraded connection: the SPDY session of one `kubectl port-forward` to one pod. */
export class PortForwardSession {
  private readonly decoder = new SpdyFrameDecoder();
  private readonly encoder = new SpdyFrameEncoder();
  private readonly streams = new Map<number, StreamState>();
  private readonly pairs = new Map<string, StreamPair>();
  /** Pod sockets paused because the client connection is congested. */
  private readonly paused = new Set<Socket>();
  /** Pod sockets the client writes to faster than they drain. */
  private readonly blocked = new Set<Socket>();
  private lastStreamId = 0;
  private goneAway = false;
  private closed = false;
  private readonly podName: string;
  private readonly podUid: string;

  constructor(
    private readonly socket: Duplex,
    private readonly pod: KObject,
    private readonly address: PodPortAddress,
    private readonly streamCreationTimeoutMs: number,
    private readonly onClose: () => void,
  ) {
    this.podName = pod.metadata.name ?? '';
    this.podUid = pod.metadata.uid ?? '';
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => {
      for (const s of this.paused) s.resume();
      this.paused.clear();
    });
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.teardown());
  }

  /** Feeds bytes the HTTP parser read past the upgrade request. */
  start(head: Buffer): void {
    if (head.length > 0) this.receive(head);
  }

  /** Ends the session: GOAWAY, then the connection and every pod connection close. */
  close(): void {
    if (this.closed) return;
    this.send({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: SPDY_GOAWAY_STATUS.ok });
    this.socket.end();
    // give the GOAWAY time to leave; the socket must not outlive the server (it holds its close)
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pairs.values()) {
      clearTimeout(p.timer);
      p.pod?.destroy();
    }
    this.pairs.clear();
    this.streams.clear();
    this.onClose();
  }

  private send(f: SpdyFrame): boolean {
    if (this.closed || this.socket.destroyed || !this.socket.writable) return true;
    return this.socket.write(this.encoder.encode(f));
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.decoder.push(chunk);
    } catch {
      // a malformed frame leaves the compression context unusable: the connection cannot go on
      this.send({ type: 'goAway', lastGoodStreamId: this.lastStreamId, status: SPDY_GOAWAY_STATUS.protocolError });
      this.socket.destroy();
      return;
    }
    for (const f of frames) this.handle(f);
  }

  private handle(f: SpdyFrame): void {
    switch (f.type) {
      case 'synStream':
        this.openStream(f.streamId, f.headers, f.fin);
        return;
      case 'data':
        this.data(f.streamId, f.data, f.fin);
        return;
      case 'rstStream':
        this.reset(f.streamId);
        return;
      case 'ping':
        // client pings are odd, ours would be even: answer theirs, as spdystream does
        if (f.id % 2 === 1) this.send(f);
        return;
      case 'goAway':
        this.goneAway = true;
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS, unknown control frames: spdystream keeps no flow
        // control windows and ignores them, so does this server
        return;
    }
  }

  private openStream(id: number, headers: SpdyHeaders, fin: boolean): void {
    if (id % 2 === 0 || id <= this.lastStreamId) {
      this.send({ type: 'rstStream', streamId: id, status: SPDY_RST_STATUS.protocolError });
      return;
    }
    this.lastStreamId = id;
    if (this.goneAway) {
      this.send({ type: 'rstStream', streamId: id, status: SPDY_RST_STATUS.refusedStream });
      return;
    }
    // the kubelet's checks of a new stream: a port in 1..65535 and a known stream type
    const portText = one(headers, 'port');
    const port = Number(portText);
    const kind = one(headers, 'streamtype');
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535 || (kind !== 'data' && kind !== 'error')) {
      this.send({ type: 'rstStream', streamId: id, status: SPDY_RST_STATUS.cancel });
      return;
    }
    this.send({ type: 'synReply', streamId: id, fin: false, headers: {} });
    // clients older than request ids send error then data streams back to back (ids n and n+2)
    const requestId = one(headers, 'requestid') || String(kind === 'error' ? id : id - 2);
    let pair = this.pairs.get(requestId);
    if (pair === undefined) {
      pair = { requestId, port, data: undefined, error: undefined, timer: undefined, pod: undefined, early: [], earlyFin: false, done: false };
      const p = pair;
      p.timer = setTimeout(() => {
        if (p.pod !== undefined || p.done) return;
        this.writeError(p, `(conn=${this.podName}, request=${requestId}) timed out waiting for streams`);
        this.finish(p);
      }, this.streamCreationTimeoutMs);
      p.timer.unref();
      this.pairs.set(requestId, pair);
    }
    const state: StreamState = { id, kind, pair, localFin: false, reset: false };
    this.streams.set(id, state);
    if (pair[kind] !== undefined) {
      this.writeError(pair, `error processing stream for request ${requestId}: ${kind} stream already assigned`);
      this.finStream(state);
      return;
    }
    pair[kind] = state;
    if (fin && kind === 'data') pair.earlyFin = true;
    if (pair.data !== undefined && pair.error !== undefined && pair.pod === undefined && !pair.done) this.forward(pair);
  }

  private forward(pair: StreamPair): void {
    clearTimeout(pair.timer);
    pair.timer = undefined;
    let target: { host: string; port: number };
    try {
      target = this.address(this.pod, pair.port);
    } catch (err) {
      this.writeError(pair, this.forwardError(pair, err instanceof Error ? err.message : String(err)));
      this.finish(pair);
      return;
    }
    const sock = connect({ host: target.host, port: target.port });
    pair.pod = sock;
    let connected = false;
    let failure: Error | undefined;
    sock.setNoDelay(true);
    sock.on('connect', () => (connected = true));
    sock.on('data', (d: Buffer) => {
      const data = pair.data;
      if (data === undefined || data.reset || data.localFin) return;
      if (!this.send({ type: 'data', streamId: data.id, fin: false, data: d })) {
        sock.pause();
        this.paused.add(sock);
      }
    });
    sock.on('drain', () => {
      this.blocked.delete(sock);
      if (this.blocked.size === 0) this.socket.resume();
    });
    sock.on('end', () => {
      if (pair.data !== undefined) this.finStream(pair.data);
    });
    sock.on('error', (err) => (failure = err));
    sock.on('close', () => {
      this.paused.delete(sock);
      if (this.blocked.delete(sock) && this.blocked.size === 0) this.socket.resume();
      if (failure !== undefined) {
        const why = connected ? failure.message : `failed to connect to ${target.host}:${target.port}: ${failure.message}`;
        this.writeError(pair, this.forwardError(pair, why));
      }
      this.finish(pair);
    });
    for (const b of pair.early) this.toPod(pair, b);
    pair.early = [];
    if (pair.earlyFin) sock.end();
  }

  private forwardError(pair: StreamPair, why: string): string {
    return `error forwarding port ${pair.port} to pod ${this.podName}, uid ${this.podUid}: ${why}`;
  }

  private toPod(pair: StreamPair, d: Buffer): void {
    const sock = pair.pod;
    if (sock === undefined || sock.destroyed) return;
    // the client outpaces the pod: stop reading the client, as spdystream blocks its frame loop
    if (!sock.write(d)) {
      this.blocked.add(sock);
      this.socket.pause();
    }
  }

  private data(id: number, d: Buffer, fin: boolean): void {
    const s = this.streams.get(id);
    if (s === undefined || s.reset) return;
    // the client never writes on the error stream; its FIN there only says so
    if (s.kind !== 'data') return;
    const pair = s.pair;
    if (pair.pod === undefined) {
      if (d.length > 0) pair.early.push(d);
      if (fin) pair.earlyFin = true;
      return;
    }
    if (d.length > 0) this.toPod(pair, d);
    if (fin) pair.pod.end();
  }

  private reset(id: number): void {
    const s = this.streams.get(id);
    if (s === undefined) return;
    s.reset = true;
    this.streams.delete(id);
    // kubectl resets the data stream once the local connection is done: drop the pod connection
    if (s.kind === 'data') {
      if (s.pair.pod !== undefined) s.pair.pod.destroy();
      else this.finish(s.pair);
    }
  }

  private writeError(pair: StreamPair, message: string): void {
    const e = pair.error;
    if (e === undefined || e.reset || e.localFin) return;
    this.send({ type: 'data', streamId: e.id, fin: false, data: Buffer.from(message, 'utf8') });
  }

  private finStream(s: StreamState): void {
    if (s.reset || s.localFin) return;
    s.localFin = true;
    this.send({ type: 'data', streamId: s.id, fin: true, data: Buffer.alloc(0) });
  }

  /** Closes both streams of a request (data first, then error: the client waits on the latter). */
  private finish(pair: StreamPair): void {
    if (pair.done) return;
    pair.done = true;
    clearTimeout(pair.timer);
    if (pair.data !== undefined) {
      this.finStream(pair.data);
      this.streams.delete(pair.data.id);
    }
    if (pair.error !== undefined) {
      this.finStream(pair.error);
      this.streams.delete(pair.error.id);
    }
    this.pairs.delete(pair.requestId);
  }
}

/**
 * The API server's `pods/{name}/portforward` endpoint: checks an upgrade request, answers 101
 * Switching Protocols to SPDY/3.1 and serves the session; keeps the sessions so that closing the
 * server ends them (upgraded sockets leave the HTTP server's bookkeeping).
 */
export class PortForwardEndpoint {
  private readonly sessions = new Set<PortForwardSession>();
  private readonly address: PodPortAddress;
  private readonly streamCreationTimeoutMs: number;

  constructor(opts: PortForwardOptions = {}) {
    this.address = opts.address ?? podIPAddress;
    this.streamCreationTimeoutMs = opts.streamCreationTimeoutMs ?? 30_000;
  }

  /** Handles one upgrade request for pod `name` (already authenticated); `pod` is undefined when there is none. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, name: string, pod: KObject | undefined): void {
    const upgrade = headerTokens(req.headers.upgrade).map((x) => x.toLowerCase());
    const connection = headerTokens(req.headers.connection).map((x) => x.toLowerCase());
    if (!upgrade.includes('spdy/3.1') || !connection.includes('upgrade')) {
      // kubectl >= 1.31 first asks for SPDY tunnelled in WebSockets; on any answer but 101 it
      // falls back to plain SPDY/3.1 by itself
      const asked = upgrade.join(', ') || 'none';
      rejectUpgrade(socket, badRequest(`unable to upgrade: pods/portforward is served over SPDY/3.1 only (asked: ${asked}); kubectl falls back to it by itself, other clients must send \`Upgrade: SPDY/3.1\``));
      return;
    }
    if (pod === undefined) {
      rejectUpgrade(socket, notFound('pods', '', name));
      return;
    }
    const phase = String(pod.status?.phase ?? 'Pending');
    if (phase !== 'Running') {
      rejectUpgrade(socket, podNotRunning(phase));
      return;
    }
    const offered = headerTokens(req.headers['x-stream-protocol-version']);
    if (offered.length > 0 && !offered.includes(PORT_FORWARD_PROTOCOL)) {
      rejectUpgrade(socket, new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server supports [${PORT_FORWARD_PROTOCOL}]`));
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') (socket as Socket).setNoDelay(true);
    const session: PortForwardSession = new PortForwardSession(socket, pod, this.address, this.streamCreationTimeoutMs, () => this.sessions.delete(session));
    this.sessions.add(session);
    session.start(head);
  }

  /** Ends every open session. */
  close(): void {
    for (const s of [...this.sessions]) s.close();
  }
}
