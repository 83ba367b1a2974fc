import type { Recorder } from '../metrics/recorder.js';
import type { ConnectionLog } from './connection-log.js';

/**
 * When a client reconnects after its connection went, as real clients do: exponential backoff
 * with jitter. Attempt n (0 for the first try after a close) waits
 * min(maxDelayMs, initialDelayMs x 2^n) x (0.5 + random/2): "equal jitter", so clients closed at
 * the same moment do not all knock at once, and the first try comes within initialDelayMs.
 */
export interface ReconnectPolicy {
  /** Delay before the first attempt, ms (jittered down to half of it). */
  initialDelayMs: number;
  /** The longest delay between attempts, ms. */
  maxDelayMs: number;
  /**
   * A graceful close (close frame 1000/1001/1012/1013, or the end of a stream) followed by a new
   * connection within this long is no failure: the client moved to a serving pod promptly.
   */
  promptMs: number;
}

/** The default reconnect policy (README "WebSockets and streams"). */
export const DEFAULT_RECONNECT: ReconnectPolicy = { initialDelayMs: 100, maxDelayMs: 2000, promptMs: 2000 };

/** What a long-lived-connection load does: how many connections, how many messages on each, how patient. */
export interface StreamLoadOptions {
  /** `websocket`: send messages, expect each answered; `sse`: expect events from the server (see sse-client.ts). */
  kind: 'websocket' | 'sse';
  /** ws:// or wss:// for WebSocket (http(s):// is turned into it), http(s):// for SSE. */
  url: string;
  headers: Record<string, string>;
  /** Connections held open at once (one client each). */
  connections: number;
  /** WebSocket: messages per second sent on each connection. SSE: events per second each stream is expected to carry (0: any cadence). */
  messageRate: number;
  /** WebSocket: bytes of each message (its id and padding). */
  messageBytes: number;
  /** How long an answer (or the next event) may take, ms: later, the message counts as a timeout. */
  deadlineMs: number;
  /** How long opening a connection may take (TCP + upgrade), ms. */
  connectTimeoutMs: number;
  reconnect: ReconnectPolicy;
  /** Response header of the upgrade (or the stream's response) that names the pod: counts per pod. */
  podHeader?: string;
  insecure?: boolean;
  ca?: string | Uint8Array;
  /** Counter interval width, ms (as LoadOptions.intervalMs). */
  intervalMs: number;
  /** Planned length of the load, ms (the run stops it earlier or at the end). */
  durationMs: number;
}

/** Where a client records: the message outcomes (one Recorder, as requests) and the connection events. */
export interface StreamSinks {
  recorder: Recorder;
  connections: ConnectionLog;
}
