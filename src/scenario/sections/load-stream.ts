import { formatDuration, parseDuration, parsePositive } from '../parse.js';
import type { StreamSpec } from '../types.js';
import type { ScenarioReader } from './reader.js';

/** The load kinds: `http` requests (the default), or long-lived `websocket` / `sse` connections. */
export const LOAD_KINDS = ['http', 'websocket', 'sse'] as const;

/** Defaults of a stream load (README "WebSockets and streams"). */
export const STREAM_DEFAULTS = { connections: 10, messageRate: 10, messageSize: 64, initialDelayMs: 100, maxDelayMs: 2000, promptMs: 2000 } as const;

/** The request-load fields a stream load has no use for, with what to use instead. */
const NOT_FOR_STREAMS: ReadonlyArray<[string, string]> = [
  ['load.rate', 'a stream load holds connections: give load.connections (--connections) and, for WebSocket, load.messageRate (--message-rate) per connection'],
  ['load.ramp.duration', 'a stream load holds its connections from the start; drop the ramp'],
  ['load.ramp.from', 'a stream load holds its connections from the start; drop the ramp'],
  ['load.maxInFlight', 'a stream load keeps one connection per client; drop --max-in-flight'],
  ['load.minConnections', 'a stream load holds exactly load.connections; drop --min-connections'],
  ['load.agents', 'agents generate request loads only; run a stream load from this machine'],
  ['target.http2', 'WebSocket and SSE loads use HTTP/1.1 connections; drop --http2'],
];

/**
 * `load.kind` and, for `websocket` and `sse`, the stream fields: messages per connection per
 * second, message size, answer deadline (default target.timeout), reconnect backoff and what
 * counts as a prompt reconnect. Undefined for an HTTP load (where any stream field is a problem).
 */
export function resolveStream(r: ScenarioReader, timeoutMs: number): StreamSpec | undefined {
  const { problems, label, take, optional } = r;
  const kindRaw = r.get('load.kind');
  const kind = kindRaw === undefined ? 'http' : LOAD_KINDS.find((k) => k === kindRaw);
  if (kind === undefined) problems.add(label('load.kind'), `expected one of ${LOAD_KINDS.join(', ')}, got ${JSON.stringify(kindRaw)}`);
  const streamFields = ['load.messageRate', 'load.messageSize', 'load.answerDeadline', 'load.reconnect'];
  if (kind !== 'websocket' && kind !== 'sse') {
    for (const f of streamFields) if (r.get(f) !== undefined) problems.add(label(f), `only for a WebSocket or SSE load: add --load-kind websocket (load.kind)`);
    return undefined;
  }
  for (const [path, why] of NOT_FOR_STREAMS) {
    const v = r.get(path);
    if (v !== undefined && v !== false) problems.add(label(path), `not for a ${kind} load: ${why}`);
  }
  if (kind === 'sse') {
    for (const f of ['load.messageRate', 'load.messageSize']) {
      if (r.get(f) !== undefined) problems.add(label(f), 'an SSE load sends nothing: events come at the server\'s cadence; load.answerDeadline (--answer-deadline) is the longest wait accepted for the next event');
    }
  }
  const rateRaw = r.get('load.messageRate');
  const messageRate = rateRaw === undefined ? STREAM_DEFAULTS.messageRate : (take('load.messageRate', parsePositive(rateRaw, 'the message rate (messages per second per connection)')) ?? STREAM_DEFAULTS.messageRate);
  if (messageRate > 1000) problems.add(label('load.messageRate'), `at most 1000 messages per second per connection, got ${messageRate}: add connections instead`);
  const sizeRaw = r.get('load.messageSize');
  const messageSize = sizeRaw === undefined ? STREAM_DEFAULTS.messageSize : (take('load.messageSize', parsePositive(sizeRaw, 'the message size (bytes)', true)) ?? STREAM_DEFAULTS.messageSize);
  if (messageSize < 16 || messageSize > 1_048_576) problems.add(label('load.messageSize'), `a message is 16 bytes (its id) to 1 MiB, got ${messageSize}`);
  const deadlineMs = optional('load.answerDeadline', parseDuration, timeoutMs);
  if (deadlineMs <= 0) problems.add(label('load.answerDeadline'), 'the answer deadline must be above 0, e.g. 2s');
  const initialDelayMs = optional('load.reconnect.initialDelay', parseDuration, STREAM_DEFAULTS.initialDelayMs);
  const maxDelayMs = optional('load.reconnect.maxDelay', parseDuration, STREAM_DEFAULTS.maxDelayMs);
  const promptMs = optional('load.reconnect.prompt', parseDuration, STREAM_DEFAULTS.promptMs);
  if (initialDelayMs <= 0) problems.add(label('load.reconnect.initialDelay'), 'the first reconnect delay must be above 0, e.g. 100ms (clients that retry at once hammer a restarting service)');
  if (maxDelayMs < initialDelayMs) problems.add(label('load.reconnect.maxDelay'), `the longest reconnect delay (${formatDuration(maxDelayMs)}) must be at least the first (${formatDuration(initialDelayMs)})`);
  if (promptMs < initialDelayMs) problems.add(label('load.reconnect.prompt'), `a prompt reconnect (${formatDuration(promptMs)}) cannot be shorter than the first reconnect delay (${formatDuration(initialDelayMs)})`);
  return { kind, messageRate, messageSize, deadlineMs, reconnect: { initialDelayMs, maxDelayMs, promptMs } };
}
