import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { reconnectDelayMs } from './backoff.js';
import type { CloseKind } from './close-kind.js';
import type { ConnectionLog } from './connection-log.js';
import { PendingMessages } from './pending-messages.js';
import type { StreamLoadOptions } from './stream-options.js';
import { connectFailureOf } from './ws-client.js';

/**
 * One server-sent-events (or any chunked streaming) client of the load: holds one streaming GET
 * open and waits for events at the server's cadence. Its unit is the event it waits for: from the
 * stream's start, and after each event, the next is expected within the deadline — answered when
 * it comes (latency: the gap), a timeout when it does not (the wait starts over), lost when the
 * stream is cut while waiting. A stream that ends cleanly (the terminating chunk) is a graceful
 * close: the wait in progress is dropped (nothing was promised after the end), and the client
 * reconnects with backoff. Events are blank-line-separated blocks (text/event-stream); with
 * another content type every chunk counts as an event.
 */
export class SseClient {
  readonly pending: PendingMessages;
  #conn = 0;
  #seq = 0;
  #sent = 0;
  #attempt = 0;
  #lost: { atMs: number; kind: CloseKind } | undefined;
  #req: http.ClientRequest | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #ended = false;
  #stopped = false;
  #waiting: number | undefined;

  constructor(
    readonly index: number,
    private readonly opts: StreamLoadOptions,
    recorder: Recorder,
    private readonly log: ConnectionLog,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.pending = new PendingMessages(recorder, opts.deadlineMs, 'EVENT_DEADLINE');
  }

  /** Events waited for (each ends answered, timed out or lost). */
  get sent(): number {
    return this.#sent;
  }

  /** Opens the stream. */
  start(): void {
    this.#connect();
  }

  /** Stops waiting for new events (the wait in progress still ends by its deadline). */
  stopSending(): void {
    this.#stopped = true;
  }

  /** Closes the stream (counted as closed by the client) and stops reconnecting. */
  end(): void {
    this.#stopped = true;
    this.#ended = true;
    clearTimeout(this.#retryTimer);
    const req = this.#req;
    this.#req = undefined;
    if (req !== undefined) {
      if (this.#openNow) this.log.closedAtEnd();
      this.#openNow = false;
      req.destroy();
    }
  }

  #openNow = false;
  #pod: string | undefined;

  /** Starts waiting for the next event on connection `conn` (unless stopping). */
  #expect(conn: number, pod: string | undefined): void {
    if (this.#stopped) return;
    // A wait that timed out meanwhile left the pending set: start another from now.
    if (this.#waiting !== undefined && this.pending.has(this.#waiting)) return;
    const id = this.#seq++;
    this.#waiting = id;
    this.pending.sent(id, this.clock.nowMs(), conn, pod);
    this.#sent++;
  }

  #connect(): void {
    if (this.#ended) return;
    const o = this.opts;
    const conn = ++this.#conn;
    const url = new URL(o.url);
    const mod = url.protocol === 'https:' ? https : http;
    let pod: string | undefined;
    let openedAtMs = 0;
    let settled = false;
    const req = mod.get(url, {
      headers: { accept: 'text/event-stream', ...o.headers },
      agent: false,
      timeout: o.connectTimeoutMs,
      ...(o.insecure === true ? { rejectUnauthorized: false } : {}),
      ...(o.ca === undefined ? {} : { ca: Buffer.from(o.ca) }),
    });
    this.#req = req;
    const failed = (reason: string): void => {
      if (settled) return;
      settled = true;
      req.destroy();
      if (this.#ended) return;
      this.log.connectFailed(this.index, this.clock.nowMs(), reason);
      this.#retry();
    };
    req.on('timeout', () => {
      if (!this.#openNow) failed('timeout');
    });
    req.on('error', (err) => {
      if (!this.#openNow) failed(connectFailureOf(err));
      else closed('cut');
    });
    const closed = (kind: CloseKind): void => {
      if (settled || this.#req !== req) return;
      settled = true;
      this.#openNow = false;
      const now = this.clock.nowMs();
      const lost = kind === 'graceful' ? 0 : this.pending.lose(conn, 'STREAM_CUT');
      // A clean end promised nothing more: the wait in progress is dropped, not judged.
      if (kind === 'graceful') this.#sent -= this.pending.drop(conn);
      this.#waiting = undefined;
      if (this.#ended) return;
      this.log.closed(this.index, now, { pod, close: kind, lost, openMs: now - openedAtMs });
      this.#lost = { atMs: now, kind };
      this.#retry();
    };
    req.on('response', (res) => {
      if (o.podHeader !== undefined) {
        const v = res.headers[o.podHeader.toLowerCase()];
        if (typeof v === 'string' && v !== '') pod = v;
      }
      const status = res.statusCode ?? 0;
      if (status < 200 || status > 299) {
        res.resume();
        failed(`http_${status}`);
        return;
      }
      req.setTimeout(0);
      const now = this.clock.nowMs();
      this.#openNow = true;
      this.#pod = pod;
      openedAtMs = now;
      this.#attempt = 0;
      const lost = this.#lost;
      this.#lost = undefined;
      this.log.opened(this.index, now, pod, lost === undefined ? undefined : { ms: now - lost.atMs, after: lost.kind });
      const eventStream = /text\/event-stream/i.test(res.headers['content-type'] ?? '');
      let buffered = '';
      this.#expect(conn, pod);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        let events = 0;
        if (eventStream) {
          buffered += chunk;
          let at: number;
          while ((at = buffered.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffered.slice(0, at);
            buffered = buffered.slice(at).replace(/^\r?\n\r?\n/, '');
            // Comment lines (": keep-alive") are not events.
            if (block.split(/\r?\n/).some((l) => l !== '' && !l.startsWith(':'))) events++;
          }
        } else {
          events = 1;
        }
        for (let k = 0; k < events; k++) {
          if (this.#waiting !== undefined) this.pending.answer(this.#waiting, this.clock.nowMs());
          this.#waiting = undefined;
          this.#expect(conn, pod);
        }
      });
      // `end`: the terminating chunk arrived; `close` without it: the stream was torn.
      res.on('end', () => closed('graceful'));
      res.on('close', () => closed(res.complete ? 'graceful' : 'cut'));
      res.on('error', () => closed('cut'));
    });
  }

  /** Called by the load's sweep: a wait that timed out starts another. */
  rearm(): void {
    if (this.#openNow && this.#waiting !== undefined && !this.pending.has(this.#waiting)) {
      this.#waiting = undefined;
      this.#expect(this.#conn, this.#pod);
    }
  }

  #retry(): void {
    if (this.#ended) return;
    const delay = reconnectDelayMs(this.#attempt++, this.opts.reconnect, this.random());
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}
