import { afterEach, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { DeltaSum } from '../../../src/metrics/delta-sum.js';
import type { RecordingDelta } from '../../../src/metrics/recording-cutter.js';
import { startLoad, type LoadOptions } from '../../../src/traffic/engine.js';
import { startFaultServer, type FaultServer } from '../../fixtures/fault-server.js';

let server: FaultServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const TIMEOUT_MS = 1500;

describe('LoadOptions.onDelta: the live deltas the journal writes', () => {
  it.each([
    ['in-thread', 1],
    ['two worker threads and the bridge', 2],
  ] as const)('%s: the deltas handed over before `done` add up to the result exactly', async (_name, workers) => {
    server = await startFaultServer({
      rules: [
        { every: 10, action: { kind: 'status' as const, status: 503 } },
        { every: 23, action: { kind: 'drop' as const, rst: true } },
        { every: 31, action: { kind: 'slow' as const, delayMs: TIMEOUT_MS * 2 } },
      ],
    });
    const deltas: RecordingDelta[] = [];
    let resolved = false;
    const opts: LoadOptions = {
      url: `${server.url}/d`,
      method: 'GET',
      headers: {},
      model: 'open',
      rate: 200,
      // Long enough that worker threads (booting from the TypeScript sources here) take over.
      durationMs: 5000,
      timeoutMs: TIMEOUT_MS,
      keepAlive: true,
      workers,
      deltaEveryMs: 200,
      onDelta: (d) => {
        expect(resolved).toBe(false);
        deltas.push(JSON.parse(JSON.stringify(d)) as RecordingDelta);
      },
    };
    const run = startLoad(opts, startClock());
    const r = await run.done;
    resolved = true;
    const sources = new Set(deltas.map((d) => d.source));
    expect([...sources].sort()).toEqual(workers === 1 ? ['main'] : ['bridge', 'worker-0', 'worker-1']);
    // Live deltas arrived during the run, not only at the end.
    expect(deltas.filter((d) => d.rows.length > 0).length).toBeGreaterThan(5);
    const sum = new DeltaSum();
    for (const d of deltas) sum.add(d);
    const got = sum.toRecorder(r.recorder);
    expect(got.toJSON().counts).toEqual(r.recorder.toJSON().counts);
    expect(got.statusCodes()).toEqual(r.recorder.statusCodes());
    expect(got.errorCodes()).toEqual(r.recorder.errorCodes());
    expect(got.p99Series()).toEqual(r.recorder.p99Series());
    expect(got.totals().sent).toBe(server.counts.received);
  }, 60_000);
});
