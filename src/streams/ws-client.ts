import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.js';
import { reconnectDelayMs } from './backoff.js';
import { closeKindOf, type CloseKind } from './close-kind.js';
import type { ConnectionLog } from './connection-log.js';
import { PendingMessages } from './pending-messages.js';
import type { StreamLoadOptions } from './stream-options.js';
import type { Recorder } from '../metrics/recorder.js';

/** Why a connect attempt failed, in the accounting's words: `refused`, `reset`, `timeout`, `http_<status>`, or the error code. */
export function connectFailureOf(err: Error | undefined): string {
  if (err === undefined) return 'closed';
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'ETIMEDOUT' || /handshake has timed out/i.test(err.message)) return 'timeout';
  const status = /Unexpected server response: (\d{3})/.exec(err.message);
  if (status) return `http_${status[1]}`;
  return code ?? 'other';
}

/**
 * One WebSocket client of the load: holds one connection open, sends a message every
 * 1/messageRate s on it, matches each answer to its message by the message's first word (its id),
 * and when the connection goes, reconnects with backoff as a real client does. What a graceful
 * close (close frame 1000/1001/...) left unanswered is sent again on the next connection, as a
 * client that knows the server is going away does (the server never answered them, so it did not
 * process them); what a cut (no close frame, 1006) left unanswered is lost: the client cannot tell
 * whether the server acted on it.
 */
export class WsClient {
  readonly pending: PendingMessages;
  #ws: WebSocket | undefined;
  /** Connection generation: messages remember the one they went out on. */
  #conn = 0;
  #open = false;
  #openedAtMs = 0;
  #pod: string | undefined;
  #seq = 0;
  #sendTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #attempt = 0;
  /** When the previous connection ended and how (undefined: no connection has gone yet). */
  #lost: { atMs: number; kind: CloseKind } | undefined;
  #stopped = false;
  #ended = false;
  #lastError: Error | undefined;
  #sent = 0;
  readonly #padding: string;

  constructor(
    readonly index: number,
    private readonly opts: StreamLoadOptions,
    recorder: Recorder,
    private readonly log: ConnectionLog,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.pending = new PendingMessages(recorder, opts.deadlineMs);
    // The id and a space come first; the padding fills the message to its size.
    this.#padding = 'x'.repeat(Math.max(0, opts.messageBytes - 12));
  }

  /** Messages sent (first sends; a message sent again after a graceful close counts once). */
  get sent(): number {
    return this.#sent;
  }

  /** Connects, and starts sending once connected. */
  start(): void {
    this.#connect();
    const period = 1000 / this.opts.messageRate;
    // Spread the clients over the period: they do not all send in the same millisecond.
    const first = setTimeout(() => {
      this.#tick();
      this.#sendTimer = setInterval(this.#tick, period);
    }, this.random() * period);
    this.#sendTimer = first;
  }

  /** Stops sending new messages (answers to those in flight are still awaited). */
  stopSending(): void {
    this.#stopped = true;
    clearTimeout(this.#sendTimer);
    clearInterval(this.#sendTimer);
  }

  /** Closes the connection (1000, counted as closed by the client) and stops reconnecting. */
  end(): void {
    this.stopSending();
    this.#ended = true;
    clearTimeout(this.#retryTimer);
    const ws = this.#ws;
    if (ws === undefined) return;
    if (this.#open) {
      this.#open = false;
      this.log.closedAtEnd();
      ws.close(1000, 'load finished');
      // A server that never answers the close handshake must not keep the run alive.
      setTimeout(() => ws.terminate(), 1000).unref();
    } else {
      ws.terminate();
    }
  }

  readonly #tick = (): void => {
    if (this.#stopped) return;
    const ws = this.#ws;
    // CLOSING (the server's close frame arrived, the close event not yet): no data may follow, so nothing is sent.
    if (!this.#open || ws === undefined || ws.readyState !== WebSocket.OPEN) {
      this.log.skipped(1);
      return;
    }
    const id = this.#seq++;
    this.pending.sent(id, this.clock.nowMs(), this.#conn, this.#pod);
    this.#sent++;
    ws.send(`${id} ${this.#padding}`);
  };

  #connect(): void {
    if (this.#ended) return;
    const o = this.opts;
    const conn = ++this.#conn;
    this.#lastError = undefined;
    this.#pod = undefined;
    const ws = new WebSocket(o.url, {
      headers: o.headers,
      handshakeTimeout: o.connectTimeoutMs,
      perMessageDeflate: false,
      ...(o.insecure === true ? { rejectUnauthorized: false } : {}),
      ...(o.ca === undefined ? {} : { ca: Buffer.from(o.ca) }),
    });
    this.#ws = ws;
    ws.on('upgrade', (res: IncomingMessage) => {
      if (o.podHeader === undefined) return;
      const v = res.headers[o.podHeader.toLowerCase()];
      if (typeof v === 'string' && v !== '') this.#pod = v;
    });
    ws.on('open', () => {
      if (this.#ended) return;
      const now = this.clock.nowMs();
      this.#open = true;
      this.#openedAtMs = now;
      this.#attempt = 0;
      const lost = this.#lost;
      this.#lost = undefined;
      this.log.opened(this.index, now, this.#pod, lost === undefined ? undefined : { ms: now - lost.atMs, after: lost.kind });
      const again = this.pending.takeQueued(conn, this.#pod);
      if (again.length > 0) {
        this.log.resent(again.length);
        for (const id of again) ws.send(`${id} ${this.#padding}`);
      }
    });
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      const space = text.indexOf(' ');
      const id = Number(space < 0 ? text : text.slice(0, space));
      if (Number.isInteger(id)) this.pending.answer(id, this.clock.nowMs());
    });
    ws.on('error', (err: Error) => {
      this.#lastError = err;
    });
    ws.on('close', (code: number) => {
      if (this.#ws !== ws) return;
      const now = this.clock.nowMs();
      if (this.#open) {
        this.#open = false;
        const kind = closeKindOf(code, code !== 1006);
        const lost = kind === 'graceful' ? 0 : this.pending.lose(conn, kind === 'cut' ? 'WS_CLOSED_1006' : `WS_CLOSED_${code}`);
        if (kind === 'graceful') this.pending.requeue(conn);
        this.log.closed(this.index, now, { pod: this.#pod, close: kind, code, lost, openMs: now - this.#openedAtMs });
        this.#lost = { atMs: now, kind };
      } else if (!this.#ended) {
        this.log.connectFailed(this.index, now, connectFailureOf(this.#lastError));
      } else {
        return;
      }
      if (this.#ended) return;
      const delay = reconnectDelayMs(this.#attempt++, o.reconnect, this.random());
      this.#retryTimer = setTimeout(() => this.#connect(), delay);
    });
  }
}
