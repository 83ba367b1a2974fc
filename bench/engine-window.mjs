// The open-model load engine of one worker (dist/ build; the engine startLoad runs in-thread for
// `workers: 1`) at one rate and send-ahead window, for bench/open-window.mjs. Usage:
//   node bench/engine-window.mjs URL RATE SECONDS WARMUP_S SEND_AHEAD_MS
// After the warmup run it calls the target's /__reset (bench/arrival-target.mjs), so the target's
// arrivals are the measured run's. Prints one JSON line: {rate, windowMs, sent, unsent,
// cpuSeconds, usPerRequest, steadyCorePct (% of a core, 1 s in to 1 s before the end), lagP50Ms,
// lagP90Ms, lagP99Ms, lagMaxMs, eventLoopUtilization}.
import { get } from 'node:http';

const [url, rate, seconds, warmup, sendAhead] = process.argv.slice(2);
const dist = new URL('../dist/', import.meta.url).href;
const { startClock } = await import(`${dist}src/clock.js`);
const { splitLoad } = await import(`${dist}src/traffic/engine.js`);
const { LoadEngine } = await import(`${dist}src/traffic/load-engine.js`);
const { allocLiveCounters } = await import(`${dist}src/traffic/live-counters.js`);

const clock = startClock();
const run = (s) => {
  const spec = splitLoad({ url, method: 'GET', headers: {}, model: 'open', rate: Number(rate), durationMs: s * 1000, timeoutMs: 2000, keepAlive: true, workers: 1, client: 'lean', sendAheadMs: Number(sendAhead) }, 1)[0];
  const engine = new LoadEngine(spec, clock, allocLiveCounters(1, false));
  engine.start(clock.nowMs());
  return engine.done;
};
if (Number(warmup) > 0) await run(Number(warmup));
// node:http, not fetch: fetch loads undici's WebAssembly parser, whose tier-up compiles on this
// pinned core during the measured run (lag p99 5-20 ms at 20,000/s, against ~1 ms without).
await new Promise((resolve, reject) => get(new URL('/__reset', url), (res) => res.resume().on('end', resolve)).on('error', reject));
const cpuBefore = process.cpuUsage();
// The steady state alone (no start-up, no end-of-run merge): CPU between 1 s in and 1 s before the end.
let steady = null;
if (Number(seconds) > 3) {
  setTimeout(() => {
    const from = process.cpuUsage();
    setTimeout(() => {
      const c = process.cpuUsage(from);
      steady = (c.user + c.system) / 1e4 / (Number(seconds) - 2);
    }, (Number(seconds) - 2) * 1000);
  }, 1000);
}
const r = await run(Number(seconds));
const cpu = process.cpuUsage(cpuBefore);
const t = r.recorder.totals();
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const lag = r.lag.summary();
process.stdout.write(
  `${JSON.stringify({ rate: Number(rate), windowMs: Number(sendAhead), sent: t.sent, unsent: t.unsent, cpuSeconds, usPerRequest: (cpuSeconds * 1e6) / Math.max(1, t.sent), steadyCorePct: steady, lagP50Ms: r.lag.percentileMs(50), lagP90Ms: r.lag.percentileMs(90), lagP99Ms: lag.p99Ms, lagMaxMs: lag.maxMs, eventLoopUtilization: r.health.eventLoopUtilization ?? null })}\n`,
);
