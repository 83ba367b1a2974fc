/**
 * Entry point of one load worker thread (started by worker-pool.ts): runs one LoadEngine on its
 * share of the load, on a clock aligned with the parent's, and posts its recording back encoded.
 * Messages in: {type: 'start', startMs}, {type: 'stop'}, {type: 'abandon'}. Out: 'ready', 'delta'
 * every deltaEveryMs (when asked for), then 'done' with the result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ZerodropError } from '../errors.js';
import { LoadEngine } from './load-engine.js';
import { liveSlot } from './live-counters.js';
import { alignedClock } from './worker-clock.js';
import { feedDeltas } from './delta-feed.js';
import { encodeEngineResult } from './worker-protocol.js';
import type { ParentMessage, WorkerInit, WorkerMessage } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new ZerodropError('E_INTERNAL', 'load-worker must run in a worker thread');
const init = workerData as WorkerInit;
const clock = alignedClock(init.offsetMs, init.t0EpochMs);
const live = liveSlot(new Float64Array(init.live), init.spec.stride.index);
const engine = new LoadEngine(init.spec, clock, live, { publishP99: true });
let startTimer: NodeJS.Timeout | null = null;

const post = (m: WorkerMessage): void => port.postMessage(m);
const feed = init.deltaEveryMs === undefined ? undefined : feedDeltas(engine.recorder, `worker-${init.spec.stride.index}`, init.spec, clock, { everyMs: init.deltaEveryMs, onDelta: (delta) => post({ type: 'delta', delta }) });

port.on('message', (m: ParentMessage) => {
  if (m.type === 'start') {
    // Every worker waits for the same instant of the same clock (the handover), then runs its
    // share of the schedule anchored at the load's start.
    const wait = m.atMs - clock.nowMs();
    startTimer = setTimeout(() => {
      startTimer = null;
      engine.start(m.startMs, m.fromIndex);
    }, Math.max(0, Math.floor(wait)));
  } else if (m.type === 'stop' || m.type === 'abandon') {
    if (startTimer !== null) clearTimeout(startTimer);
    startTimer = null;
    if (m.type === 'abandon') engine.abandon();
    else engine.stop();
  } else if (m.type === 'probe') {
    post({ type: 'probe', nowMs: clock.nowMs() });
  }
});

engine.done.then(
  (r) => {
    feed?.finish();
    post({ type: 'done', result: encodeEngineResult(r) });
    port.close();
  },
  (err: unknown) => post({ type: 'error', message: String(err) }),
);

post({ type: 'ready', nowMs: clock.nowMs() });
