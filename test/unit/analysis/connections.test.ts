import { describe, expect, it } from 'vitest';
import { analyzeConnections, inMessages } from '../../../src/analysis/connections.js';
import type { ConnectionEvent, ConnectionRecording } from '../../../src/streams/connection-log.js';

const open = (tMs: number, client: number, pod = 'old', reconnect?: [number, 'graceful' | 'cut' | 'error']): ConnectionEvent => ({
  tMs,
  kind: 'open',
  client,
  pod,
  ...(reconnect === undefined ? {} : { reconnectMs: reconnect[0], after: reconnect[1] }),
});
const close = (tMs: number, client: number, kind: 'graceful' | 'cut' | 'error', lost = 0, pod = 'old'): ConnectionEvent => ({
  tMs,
  kind: 'close',
  client,
  pod,
  close: kind,
  code: kind === 'graceful' ? 1001 : kind === 'cut' ? 1006 : 1011,
  lost,
  openMs: 1,
});
const failed = (tMs: number, client: number, reason = 'refused'): ConnectionEvent => ({ tMs, kind: 'connect-failed', client, reason });

function run(events: ConnectionEvent[], budget = 0.001) {
  const recording: ConnectionRecording = { kind: 'websocket', connections: 2, messageRate: 10, promptMs: 2000, events, resent: 0, skipped: 0, closedAtEnd: 2 };
  return analyzeConnections({
    recording,
    messages: { sent: 100, answered: 100, lost: 0, timedOut: 0 },
    window: { startMs: 5000, endMs: 20_000, label: 'during the rollout and cooldown' },
    endMs: 20_000,
    budget,
    events: [{ tMs: 9000, type: 'pod-terminating', object: 'pod/old' }],
  });
}

describe('analyzeConnections: the connection accounting rules', () => {
  it.each<[string, ConnectionEvent[], { held: number; cut: number; error: number; slow: number; status: string }]>([
    ['steady connections: held, none failed', [open(0, 0), open(0, 1)], { held: 2, cut: 0, error: 0, slow: 0, status: 'pass' }],
    ['graceful closes with prompt reconnects are no failures', [open(0, 0), open(0, 1), close(10_000, 0, 'graceful'), open(10_100, 0, 'new', [100, 'graceful']), close(10_000, 1, 'graceful'), open(11_900, 1, 'new', [1900, 'graceful'])], { held: 4, cut: 0, error: 0, slow: 0, status: 'pass' }],
    ['a graceful close followed by a slow reconnect is a failure', [open(0, 0), open(0, 1), close(10_000, 0, 'graceful'), failed(10_100, 0), open(12_500, 0, 'new', [2500, 'graceful'])], { held: 3, cut: 0, error: 0, slow: 1, status: 'fail' }],
    ['a graceful close never followed by a reconnect is a failure', [open(0, 0), open(0, 1), close(10_000, 0, 'graceful')], { held: 2, cut: 0, error: 0, slow: 1, status: 'fail' }],
    ['a cut is a failure', [open(0, 0), open(0, 1), close(10_000, 0, 'cut', 3), open(10_050, 0, 'new', [50, 'cut'])], { held: 3, cut: 1, error: 0, slow: 0, status: 'fail' }],
    ['an error close is a failure', [open(0, 0), open(0, 1), close(10_000, 1, 'error'), open(10_050, 1, 'new', [50, 'error'])], { held: 3, cut: 0, error: 1, slow: 0, status: 'fail' }],
    ['a cut before the window is not judged', [open(0, 0), open(0, 1), close(1000, 0, 'cut'), open(1100, 0, 'old', [100, 'cut'])], { held: 2, cut: 0, error: 0, slow: 0, status: 'pass' }],
    ['no connection at all: inconclusive', [failed(100, 0), failed(200, 1)], { held: 0, cut: 0, error: 0, slow: 0, status: 'inconclusive' }],
  ])('%s', (_name, events, want) => {
    const { report, check } = run(events);
    expect({ held: report.window.held, cut: report.window.cut, error: report.window.closedWithError, slow: report.window.slowReconnects, status: check.status }).toEqual(want);
    expect(report.window.failed).toBe(want.cut + want.error + want.slow);
  });

  it('a cut within a large budget passes', () => {
    const events = [open(0, 0), open(0, 1), close(10_000, 0, 'cut'), open(10_050, 0, 'new', [50, 'cut'])];
    expect(run(events, 0.5).check.status).toBe('pass');
  });

  it('counts reconnect times into percentiles and histogram buckets, and the per-second timeline', () => {
    const events = [open(0, 0), open(0, 1), close(10_000, 0, 'cut', 2), close(10_000, 1, 'graceful'), open(10_020, 1, 'new', [20, 'graceful']), failed(10_100, 0), open(10_700, 0, 'new', [700, 'cut'])];
    const { report } = run(events);
    expect(report.reconnect).toMatchObject({ count: 2, p50Ms: 20, p99Ms: 700, maxMs: 700, slow: 0 });
    expect(report.reconnect.histogram.filter((b) => b.count > 0)).toEqual([{ upToMs: 25, count: 1 }, { upToMs: 1000, count: 1 }]);
    expect(report.timeline).toEqual([
      { tMs: 0, opened: 2, reconnected: 0, graceful: 0, error: 0, cut: 0, connectFailed: 0, lost: 0 },
      { tMs: 10_000, opened: 2, reconnected: 2, graceful: 1, error: 0, cut: 1, connectFailed: 1, lost: 2 },
    ]);
    expect(report.closeCodes).toEqual({ '1001': 1, '1006': 1 });
    expect(report.connectFailures).toEqual({ refused: 1 });
    expect(report.pods).toEqual([
      { pod: 'new', opened: 2, closedGracefully: 0, closedWithError: 0, cut: 0, lost: 0 },
      { pod: 'old', opened: 2, closedGracefully: 1, closedWithError: 0, cut: 1, lost: 2 },
    ]);
  });

  it('names the cause and the fix in WebSocket terms: cuts on pod exit', () => {
    const { diagnosis, check } = run([open(0, 0), open(0, 1), close(10_000, 0, 'cut', 3), close(10_001, 1, 'cut', 1), open(10_050, 0, 'new', [50, 'cut']), open(10_060, 1, 'new', [59, 'cut'])]);
    expect(check.message).toContain('2 cut without a close frame');
    const d = diagnosis[0];
    expect(d?.id).toBe('websocket-cut-on-exit');
    expect(d?.cause).toContain('cut without a close frame (1006) when pods exited on SIGTERM');
    expect(d?.evidence).toContain('4 messages in flight were lost');
    expect(d?.fix).toContain('send close 1001');
  });

  it('names refused reconnects and slow reconnects', () => {
    const { diagnosis } = run([open(0, 0), open(0, 1), close(10_000, 0, 'graceful'), failed(10_100, 0), failed(10_300, 0), open(13_000, 0, 'new', [3000, 'graceful'])]);
    expect(diagnosis.map((d) => d.id)).toEqual(['reconnect-not-prompt']);
    expect(diagnosis[0]?.evidence).toContain('2 connect attempts failed (2 refused)');
  });
});

describe('inMessages', () => {
  it.each([
    ['failed requests within the 0.1% budget', 'failed messages within the 0.1% budget'],
    ['none of the 1 request failed', 'none of the 1 message failed'],
    ['requestsX stays', 'requestsX stays'],
  ])('%s -> %s', (from, to) => {
    expect(inMessages({ name: from, message: from }).message).toBe(to);
  });
});

describe('late answers', () => {
  it('names messages unanswered by the deadline on open connections', () => {
    const recording: ConnectionRecording = { kind: 'websocket', connections: 1, messageRate: 10, promptMs: 2000, events: [open(0, 0)], resent: 0, skipped: 0, closedAtEnd: 1 };
    const { diagnosis, check } = analyzeConnections({
      recording,
      messages: { sent: 100, answered: 95, lost: 0, timedOut: 5 },
      window: { startMs: 0, endMs: 10_000, label: 'during the measurement' },
      endMs: 10_000,
      budget: 0.001,
      events: [],
    });
    expect(check.status).toBe('pass');
    expect(diagnosis.map((d) => [d.id, d.evidence])).toEqual([['websocket-answers-late', '5 messages unanswered by the answer deadline (load.answerDeadline)']]);
  });
});
