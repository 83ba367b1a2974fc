import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { RecordingDelta } from '../../../src/metrics/recording-cutter.js';
import { DeltaSum } from '../../../src/metrics/delta-sum.js';
import { startH2FaultServer, type H2FaultServer } from '../../fixtures/h2-fault-server.js';

let server: H2FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('HTTP/2 across worker threads', () => {
  it.each([['lean'], ['node-http2']] as const)('%s client: splits sessions over workers, and the retries and GOAWAYs reach the merged result and the deltas exactly', async (client) => {
    server = await startH2FaultServer({ tls: false, goawayAtStream: 21, policy: (n) => (n % 9 === 0 ? 'refuse' : 'ok') });
    const deltas: RecordingDelta[] = [];
    const r = await startLoad(
      { url: server.url, client, method: 'GET', headers: {}, model: 'closed', connections: 4, streams: 2, durationMs: 1500, timeoutMs: 2000, keepAlive: true, http2: true, workers: 2, onDelta: (d) => deltas.push(d), deltaEveryMs: 100 },
      startClock(),
    ).done;
    const t = r.recorder.totals();
    const c = server.counts;
    for (let i = 0; i < 500 && c.served !== t.succeeded; i++) await new Promise((res) => setTimeout(res, 10));
    expect(t.succeeded).toBe(c.served);
    expect(t.sent).toBe(t.succeeded + t.failed);
    const retried = r.recorder.retried();
    expect(retried.byReason['goaway'] ?? 0).toBeGreaterThan(0);
    expect(retried.byReason['refused_stream'] ?? 0).toBeGreaterThan(0);
    // Every REFUSED_STREAM the server sent is a retry, or (a retry refused again) a failure with that code;
    // a retry that a GOAWAY refused again fails as HTTP2_GOAWAY_REFUSED: both are refused.
    const codes = r.recorder.errorCodes();
    expect((retried.byReason['refused_stream'] ?? 0) + (codes['HTTP2_REFUSED_STREAM'] ?? 0)).toBe(c.refused);
    expect(t.failures.refused).toBe((codes['HTTP2_REFUSED_STREAM'] ?? 0) + (codes['HTTP2_GOAWAY_REFUSED'] ?? 0));
    expect(t.failed).toBe(t.failures.refused);
    expect(r.recorder.goaways()).toHaveLength(c.goaways);
    const sum = new DeltaSum();
    for (const d of deltas) sum.add(d);
    const back = sum.toRecorder({ intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 4000 });
    expect(back.retried()).toEqual(retried);
    expect(back.goaways()).toEqual(r.recorder.goaways());
  });
});
