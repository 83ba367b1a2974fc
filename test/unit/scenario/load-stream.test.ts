import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';

const ctx = { readText: (): string => '', resolvePath: (p: string) => p };

function problemsOf(file: unknown, flags: ScenarioFlags = {}): string[] {
  try {
    resolveScenario(file, flags, ctx);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('load.kind websocket / sse', () => {
  it('defaults: 10 connections, 10 messages/s of 64 bytes, the deadline of target.timeout, reconnect 100 ms..2 s, prompt 2 s', () => {
    const s = resolveScenario({ target: { url: 'ws://127.0.0.1:8080/', timeout: '3s' }, load: { kind: 'websocket' } }, {}, ctx);
    expect(s.load.connections).toBe(10);
    expect(s.load.model).toBe('closed');
    expect(s.load.stream).toEqual({ kind: 'websocket', messageRate: 10, messageSize: 64, deadlineMs: 3000, reconnect: { initialDelayMs: 100, maxDelayMs: 2000, promptMs: 2000 } });
  });

  it('takes every field from the file and the flags (flags win)', () => {
    const s = resolveScenario(
      { target: { url: 'http://a/' }, load: { kind: 'websocket', connections: 4, messageRate: 5, messageSize: 128, answerDeadline: '1s', reconnect: { initialDelay: '50ms', maxDelay: '5s', prompt: '3s' } } },
      { messageRate: 50, reconnectPrompt: '4s' },
      ctx,
    );
    expect(s.load.connections).toBe(4);
    expect(s.load.stream).toEqual({ kind: 'websocket', messageRate: 50, messageSize: 128, deadlineMs: 1000, reconnect: { initialDelayMs: 50, maxDelayMs: 5000, promptMs: 4000 } });
  });

  it('--load-kind sse', () => {
    const s = resolveScenario(undefined, { url: 'http://a/events', loadKind: 'sse', connections: 3 }, ctx);
    expect(s.load.stream?.kind).toBe('sse');
    expect(s.load.connections).toBe(3);
  });

  it.each<[string, unknown, ScenarioFlags, string[]]>([
    ['an unknown kind', { target: { url: 'http://a/' }, load: { kind: 'grpc' } }, {}, ['load.kind: expected one of http, websocket, sse, got "grpc"']],
    ['a rate', { target: { url: 'http://a/' }, load: { kind: 'websocket', rate: 100 } }, {}, ['load.rate: not for a websocket load: a stream load holds connections: give load.connections (--connections) and, for WebSocket, load.messageRate (--message-rate) per connection']],
    ['a ramp, an in-flight cap, a connection floor and agents', { target: { url: 'http://a/' }, load: { kind: 'websocket', ramp: { duration: '5s' }, maxInFlight: 5, minConnections: 4, agents: 2 } }, {}, [
      'load.ramp.duration: not for a websocket load: a stream load holds its connections from the start; drop the ramp',
      'load.maxInFlight: not for a websocket load: a stream load keeps one connection per client; drop --max-in-flight',
      'load.minConnections: not for a websocket load: a stream load holds exactly load.connections; drop --min-connections',
      'load.agents: not for a websocket load: agents generate request loads only; run a stream load from this machine',
    ]],
    ['HTTP/2', { target: { url: 'http://a/' }, load: { kind: 'sse' } }, { http2: true }, ['--http2 (target.http2): not for a sse load: WebSocket and SSE loads use HTTP/1.1 connections; drop --http2']],
    ['stream fields on an HTTP load', { target: { url: 'http://a/' }, load: { messageRate: 5 } }, { answerDeadline: '1s' }, [
      'load.messageRate: only for a WebSocket or SSE load: add --load-kind websocket (load.kind)',
      '--answer-deadline (load.answerDeadline): only for a WebSocket or SSE load: add --load-kind websocket (load.kind)',
    ]],
    ['a message rate on SSE', { target: { url: 'http://a/' }, load: { kind: 'sse', messageRate: 5 } }, {}, ["load.messageRate: an SSE load sends nothing: events come at the server's cadence; load.answerDeadline (--answer-deadline) is the longest wait accepted for the next event"]],
    ['a bad message rate and size', { target: { url: 'http://a/' }, load: { kind: 'websocket' } }, { messageRate: 0, messageSize: 8 }, [
      '--message-rate (load.messageRate): the message rate (messages per second per connection) must be a positive number, got 0',
      '--message-size (load.messageSize): a message is 16 bytes (its id) to 1 MiB, got 8',
    ]],
    ['a message rate too high', { target: { url: 'http://a/' }, load: { kind: 'websocket', messageRate: 5000 } }, {}, ['load.messageRate: at most 1000 messages per second per connection, got 5000: add connections instead']],
    ['a reconnect policy that contradicts itself', { target: { url: 'http://a/' }, load: { kind: 'websocket', reconnect: { initialDelay: '1s', maxDelay: '500ms', prompt: '200ms' } } }, {}, [
      'load.reconnect.maxDelay: the longest reconnect delay (500ms) must be at least the first (1s)',
      'load.reconnect.prompt: a prompt reconnect (200ms) cannot be shorter than the first reconnect delay (1s)',
    ]],
    ['a zero first delay', { target: { url: 'http://a/' }, load: { kind: 'websocket', reconnect: { initialDelay: 0 } } }, {}, ['load.reconnect.initialDelay: the first reconnect delay must be above 0, e.g. 100ms (clients that retry at once hammer a restarting service)']],
    ['a ws:// URL on an HTTP load', { target: { url: 'ws://a/' } }, {}, ['target.url: only http://, https://, grpc:// and grpcs:// (and ws://, wss:// for --load-kind websocket) targets are supported, got ws:']],
    ['an unknown reconnect field', { target: { url: 'http://a/' }, load: { kind: 'websocket', reconnect: { jitter: 1 } } }, {}, []],
  ])('%s is refused with a clear problem', (_name, file, flags, want) => {
    const got = problemsOf(file, flags);
    if (want.length === 0) expect(got.some((p) => p.includes('jitter'))).toBe(true);
    else expect(got).toEqual(want);
  });
});
