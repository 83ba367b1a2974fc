import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeltaTracker } from '../../../src/metrics/delta-tracker.js';
import { deltaToEncoded, type RecorderSettings } from '../../../src/agents/protocol.js';
import { Recorder, mergeRecorders } from '../../../src/metrics/recorder.js';
import type { OutcomeCode } from '../../../src/metrics/outcome.js';

const settings: RecorderSettings = { intervalMs: 100, latencyIntervalMs: 1000, maxLatencyMs: 2000 };

/** One thing an agent records: a request (at its start time) or an unsent one, then maybe a cut. */
interface Ev {
  startMs: number;
  outcome: number;
  latencyMs: number;
  status: number;
  errorCode: string | undefined;
  unsent: boolean;
  cutAtRow: number | undefined;
}

const event: fc.Arbitrary<Ev> = fc.record({
  startMs: fc.integer({ min: 0, max: 3999 }),
  outcome: fc.integer({ min: 0, max: 6 }),
  latencyMs: fc.oneof(fc.constant(-1), fc.double({ min: 0.001, max: 1999, noNaN: true })),
  status: fc.constantFrom(0, 200, 204, 404, 503, 1000),
  errorCode: fc.option(fc.constantFrom('ECONNREFUSED', 'UND_ERR_SOCKET'), { nil: undefined }),
  unsent: fc.boolean(),
  /** Cut the deltas after this event, up to this row (a late record may land in a row already sent). */
  cutAtRow: fc.option(fc.integer({ min: 0, max: 45 }), { nil: undefined }),
});

function record(r: Recorder, ev: Ev): void {
  if (ev.unsent) r.recordUnsent(ev.startMs);
  else r.record(ev.startMs, ev.outcome as OutcomeCode, ev.latencyMs, ev.status, ev.errorCode);
}

/** What the coordinator rebuilds from one agent's records: every delta merged, then its histograms. */
function agentThroughWire(events: readonly Ev[], whole: Recorder): Recorder {
  const own = new Recorder(settings);
  const tracker = new DeltaTracker();
  const received = new Recorder(settings);
  const apply = (d: ReturnType<DeltaTracker['cut']>): void => {
    // Through JSON, as it crosses the pod log.
    const wire = JSON.parse(JSON.stringify(d)) as typeof d;
    received.merge(Recorder.fromJSON(deltaToEncoded(settings, wire)));
  };
  for (const e of events) {
    record(own, e);
    record(whole, e);
    const cut = e.cutAtRow;
    if (cut !== undefined) apply(tracker.cut(own.intervals(), Math.max(tracker.sentRows, cut), own.statusCodes(), own.errorCodes()));
  }
  apply(tracker.finish(own.intervals(), own.statusCodes(), own.errorCodes()));
  received.merge(Recorder.fromJSON(deltaToEncoded(settings, { histograms: own.toJSON().histograms })));
  expect(received.totals()).toEqual(own.totals());
  return received;
}

describe('distributed merge exactness', () => {
  it('agents\' records merged by the coordinator equal recording every request in one recorder', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 40 }), { minLength: 1, maxLength: 4 }), (agents) => {
        const whole = new Recorder(settings);
        const merged = mergeRecorders(agents.map((events) => agentThroughWire(events, whole)));
        const a = merged.toJSON();
        const b = whole.toJSON();
        expect(a.counts).toEqual(b.counts);
        expect(a.statusCodes).toEqual(b.statusCodes);
        expect(a.errorCodes).toEqual(b.errorCodes);
        expect(merged.p99Series()).toEqual(whole.p99Series());
        expect(merged.summarize(0, Number.POSITIVE_INFINITY)).toEqual(whole.summarize(0, Number.POSITIVE_INFINITY));
      }),
      { numRuns: 40 },
    );
  });

  it('a row changed after it was sent is corrected with the difference', () => {
    const own = new Recorder(settings);
    const t = new DeltaTracker();
    own.record(50, 0, 1, 200, undefined);
    const first = t.cut(own.intervals(), 5, own.statusCodes(), own.errorCodes());
    expect(first.rows).toEqual([{ fromRow: 0, counts: [1, 0, 0, 0, 0, 0, 0, 0] }]);
    own.record(60, 3, 1, 0, 'ETIMEDOUT'); // a very late timeout in row 0
    const last = t.finish(own.intervals(), own.statusCodes(), own.errorCodes());
    expect(last.rows).toEqual([{ fromRow: 0, counts: [0, 0, 0, 1, 0, 0, 0, 0] }]);
    expect(last.errorCodes).toEqual({ ETIMEDOUT: 1 });
    expect(last.statusCodes).toEqual({});
  });

  it('empty rows are not sent', () => {
    const own = new Recorder(settings);
    own.record(1250, 0, 1, 200, undefined);
    const d = new DeltaTracker().cut(own.intervals(), 20, own.statusCodes(), own.errorCodes());
    expect(d.rows).toEqual([{ fromRow: 12, counts: [1, 0, 0, 0, 0, 0, 0, 0] }]);
  });
});
