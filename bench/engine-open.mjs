// zerodrop's open-model load engine without the CLI around it (dist/ build): CPU per request and
// schedule lag at one rate, one worker. Usage: node bench/engine-open.mjs URL RATE SECONDS [WARMUP_S]
// (env ZERODROP_DIST: another build's dist/ directory, to compare two builds side by side).
// Prints one JSON line: {rate, sent, unsent, cpuSeconds, usPerRequest, steadyCorePct (% of a core,
// 1 s after the start to 1 s before the end), lagP99Ms, lagMaxMs, eventLoopUtilization}.
import { pathToFileURL } from 'node:url';

const [url, rate = '5000', seconds = '8', warmup = '2'] = process.argv.slice(2);
const dist = process.env.ZERODROP_DIST ? pathToFileURL(`${process.env.ZERODROP_DIST}/`).href : new URL('../dist/', import.meta.url).href;
const { startClock } = await import(`${dist}src/clock.js`);
const { startLoad } = await import(`${dist}src/traffic/engine.js`);

const run = (s) =>
  startLoad({ url, method: 'GET', headers: {}, model: 'open', rate: Number(rate), durationMs: s * 1000, timeoutMs: 2000, keepAlive: true, workers: 1, client: 'lean' }, startClock()).done;
// A warmup (JIT, first connections), then the measured run: only the latter's CPU counts.
if (Number(warmup) > 0) await run(Number(warmup));
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
process.stdout.write(
  `${JSON.stringify({ rate: Number(rate), sent: t.sent, unsent: t.unsent, cpuSeconds, usPerRequest: (cpuSeconds * 1e6) / Math.max(1, t.sent), steadyCorePct: steady, lagP99Ms: r.health.scheduleLagP99Ms, lagMaxMs: r.health.scheduleLagMaxMs, eventLoopUtilization: r.health.workers.map((w) => w.eventLoopUtilization) })}\n`,
);
