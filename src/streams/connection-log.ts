import type { CloseKind } from './close-kind.js';

/** One thing a long-lived connection did, stamped with the run's clock (ms since t0). */
export type ConnectionEvent =
  | {
      tMs: number;
      kind: 'open';
      /** Which client (0..connections-1). */
      client: number;
      /** The pod that accepted it (from the pod header of the upgrade or stream response). */
      pod?: string;
      /** A reconnect: ms from the previous connection's end to this one's open, and how that one ended. */
      reconnectMs?: number;
      after?: CloseKind;
    }
  | {
      tMs: number;
      kind: 'close';
      client: number;
      pod?: string;
      close: CloseKind;
      /** The WebSocket close code as the client saw it (1006: no close frame); absent for streams. */
      code?: number;
      /** Messages unanswered on the connection when it was cut: lost with it. */
      lost: number;
      /** ms the connection had been open. */
      openMs: number;
    }
  | {
      tMs: number;
      kind: 'connect-failed';
      client: number;
      /** Why: `refused`, `reset`, `timeout`, `http_503`..., or an error code. */
      reason: string;
    };

/** What a long-lived-connection load recorded about its connections (report.connections is derived from it). */
export interface ConnectionRecording {
  kind: 'websocket' | 'sse';
  /** Connections the load held open at once. */
  connections: number;
  /** Messages per second per connection (sent for WebSocket, expected for SSE). */
  messageRate: number;
  /** The reconnect policy's `promptMs`: a graceful close followed by a reconnect within it is no failure. */
  promptMs: number;
  /** Every open, close and failed connect, in time order. */
  events: ConnectionEvent[];
  /** Messages sent again on a new connection after a graceful close left them unanswered (judged on that second try). */
  resent: number;
  /** Messages not sent because the client had no open connection at their time (it was reconnecting). */
  skipped: number;
  /** Connections the client closed itself at the end of the load (not counted as closes of the server). */
  closedAtEnd: number;
}

/**
 * The connection events of a load, as its clients report them. One per run (clients share it; a
 * run's clients live in one thread), kept as a list: connections are few (tens to thousands),
 * events a handful per connection, and the analysis wants each event's time.
 */
export class ConnectionLog {
  readonly #events: ConnectionEvent[] = [];
  #resent = 0;
  #skipped = 0;
  #closedAtEnd = 0;
  #open = 0;

  constructor(private readonly head: Pick<ConnectionRecording, 'kind' | 'connections' | 'messageRate' | 'promptMs'>) {}

  /** A connection opened (`reconnect` set when it replaces one that went). */
  opened(client: number, tMs: number, pod: string | undefined, reconnect?: { ms: number; after: CloseKind }): void {
    this.#open++;
    this.#events.push({ tMs, kind: 'open', client, ...(pod === undefined ? {} : { pod }), ...(reconnect === undefined ? {} : { reconnectMs: reconnect.ms, after: reconnect.after }) });
  }

  /** A connection the server (or the network) ended. */
  closed(client: number, tMs: number, e: { pod: string | undefined; close: CloseKind; code?: number; lost: number; openMs: number }): void {
    this.#open--;
    this.#events.push({ tMs, kind: 'close', client, ...(e.pod === undefined ? {} : { pod: e.pod }), close: e.close, ...(e.code === undefined ? {} : { code: e.code }), lost: e.lost, openMs: e.openMs });
  }

  /** An attempt to connect that did not get a connection. */
  connectFailed(client: number, tMs: number, reason: string): void {
    this.#events.push({ tMs, kind: 'connect-failed', client, reason });
  }

  /** Counts messages sent again after a graceful close. */
  resent(n: number): void {
    this.#resent += n;
  }

  /** Counts messages not sent for want of a connection. */
  skipped(n: number): void {
    this.#skipped += n;
  }

  /** Counts a connection the client closed at the end of the load. */
  closedAtEnd(): void {
    this.#open--;
    this.#closedAtEnd++;
  }

  /** Connections open now (opens minus closes), for the progress line. */
  get openNow(): number {
    return this.#open;
  }

  /** The recording as plain data, events in time order. */
  toRecording(): ConnectionRecording {
    return {
      ...this.head,
      events: [...this.#events].sort((a, b) => a.tMs - b.tMs),
      resent: this.#resent,
      skipped: this.#skipped,
      closedAtEnd: this.#closedAtEnd,
    };
  }
}
