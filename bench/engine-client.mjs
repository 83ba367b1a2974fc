// zerodrop's load engine without the CLI around it (dist/ build): what the engine itself costs in
// CPU and memory. Usage: node bench/engine-client.mjs URL CONNECTIONS SECONDS [WORKERS] [CLIENT]
// Prints one JSON line: {rps, sent, failed, eventLoopDelayP99Ms, eventLoopUtilization, cpuSeconds}.
import { startClock } from '../dist/src/clock.js';
import { startLoad } from '../dist/src/traffic/engine.js';

const [url, connections = '64', seconds = '10', workers = '1', client = 'lean'] = process.argv.slice(2);
const cpuBefore = process.cpuUsage();
const handle = startLoad(
  { url, method: 'GET', headers: {}, model: 'closed', connections: Number(connections), durationMs: Number(seconds) * 1000, timeoutMs: 2000, keepAlive: true, workers: Number(workers), client },
  startClock(),
);
const r = await handle.done;
// CPU of the load alone (all threads), without the process's start-up and imports.
const cpu = process.cpuUsage(cpuBefore);
const t = r.recorder.totals();
const w = r.health.workers;
process.stdout.write(
  `${JSON.stringify({ rps: (t.sent * 1000) / r.durationMs, sent: t.sent, failed: t.failed, eventLoopDelayP99Ms: r.health.eventLoopDelayP99Ms, eventLoopUtilization: w.map((x) => x.eventLoopUtilization), cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`,
);
