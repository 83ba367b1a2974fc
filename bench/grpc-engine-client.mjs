// zerodrop's load engine sending gRPC unary calls, without the CLI around it (dist/ build): the
// engine's own CPU per call, with its accounting (every call's outcome by gRPC status, latency
// histograms, per-interval counters), free of the CLI's start-up and report.
// Usage: node bench/grpc-engine-client.mjs PORT CONNECTIONS SECONDS
// Prints one JSON line: {callsPerSec, sent, failed, cpuSeconds}.
import { fileURLToPath } from 'node:url';
import { startClock } from '../dist/src/clock.js';
import { startLoad } from '../dist/src/traffic/engine.js';
import { prepareGrpcCall } from '../dist/src/traffic/grpc-message.js';

const [port, connections = '64', seconds = '10'] = process.argv.slice(2);
const proto = fileURLToPath(new URL('../scenarios/apps/demo.proto', import.meta.url));
const call = prepareGrpcCall({ protoFile: proto, method: 'zerodrop.demo.Greeter/SayHello', message: { name: 'bench' } });
const cpuBefore = process.cpuUsage();
const r = await startLoad(
  { url: `http://127.0.0.1:${port}${call.path}`, method: 'POST', headers: { 'grpc-timeout': '2000m' }, body: call.frame, grpc: true, model: 'closed', connections: Number(connections), durationMs: Number(seconds) * 1000, timeoutMs: 2000, keepAlive: true, workers: 1 },
  startClock(),
).done;
const cpu = process.cpuUsage(cpuBefore);
const t = r.recorder.totals();
process.stdout.write(`${JSON.stringify({ callsPerSec: (t.sent * 1000) / r.durationMs, sent: t.sent, failed: t.failed, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
