import type { Clock } from '../clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { RecordingCutter, SETTLE_SLACK_MS, type RecordingDelta } from '../metrics/recording-cutter.js';
import type { EngineSpec } from './load-engine.js';

/** Where a recording's deltas go and how often (see LoadOptions.onDelta). */
export interface DeltaFeed {
  onDelta: (delta: RecordingDelta) => void;
  everyMs: number;
}

/**
 * Cuts `recorder`'s live deltas every `feed.everyMs` and hands them to `feed.onDelta`; finish()
 * stops the timer and hands over the rest (call it once the engine is done, before its result is
 * passed on, so the deltas add up to the result exactly). A cut reads only the intervals that are
 * not final yet, and encodes the latency histograms that closed since the last one (about one a
 * second): well under a millisecond of the engine's thread.
 */
export function feedDeltas(recorder: Recorder, source: string, spec: Pick<EngineSpec, 'timeoutMs' | 'lagToleranceMs' | 'intervalMs'>, clock: Clock, feed: DeltaFeed): { finish(): void } {
  // A request lands in its start's interval and ends at most a timeout later (+ the lag tolerance in the open model).
  const cutter = new RecordingCutter(recorder, source, spec.timeoutMs + spec.lagToleranceMs + SETTLE_SLACK_MS + spec.intervalMs);
  let timer: NodeJS.Timeout | undefined = setInterval(() => feed.onDelta(cutter.cut(clock.nowMs())), feed.everyMs);
  return {
    finish(): void {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      feed.onDelta(cutter.finish());
    },
  };
}
