// The gRPC benchmark of bench/run.mjs (`node bench/run.mjs --only grpc`): gRPC unary calls per
// second and CPU per call of `zerodrop run` with its full accounting (exact outcomes by status,
// latency histograms, the journal and the report), side by side with a plain @grpc/grpc-js loop
// against the same server: the demo gRPC app (scenarios/apps/demo-grpc.mjs, grpc-js) pinned to
// the target core, each client pinned to the client core, rounds interleaved.
import { join } from 'node:path';
import { loadavg } from 'node:os';

/**
 * Runs the benchmark with run.mjs's helpers: `h` = { ROOT, opts, pin, runMeasured, startDaemon,
 * waitForPort, zerodrop, save, fmt, median, TARGET_CORE, CLIENT_CORE }.
 */
export async function grpcBench(h) {
  const { ROOT, opts, pin, runMeasured, startDaemon, waitForPort, zerodrop, save, fmt, median, TARGET_CORE, CLIENT_CORE } = h;
  const port = 18_250;
  // The demo app reads its settings from the environment.
  startDaemon(pin(TARGET_CORE, [process.execPath, join(ROOT, 'scenarios', 'apps', 'demo-grpc.mjs')]), { ...process.env, PORT: String(port), HEALTH_PORT: String(port + 1), POD_IP: '127.0.0.1', POD_NAME: 'bench' });
  await waitForPort(port);
  const inFlight = opts.connections;
  console.log(`\ngRPC unary calls: zerodrop (full accounting, one worker) vs a plain @grpc/grpc-js loop, ${inFlight} calls in flight, server grpc-js on core ${TARGET_CORE}, clients on core ${CLIENT_CORE}, ${opts.duration} s, ${opts.rounds} rounds interleaved`);
  const args = ['--url', `grpc://127.0.0.1:${port}`, '--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--proto', join(ROOT, 'scenarios', 'apps', 'demo.proto'), '--data', '{"name":"bench"}', '--connections', String(inFlight), '--duration', `${opts.duration}s`, '--workers', '1'];
  // Warm the server's JIT before the first measured round.
  await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'grpc-js-client.mjs'), String(port), String(inFlight), '2']));
  const rounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const z = await zerodrop(args);
    const e = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'grpc-engine-client.mjs'), String(port), String(inFlight), String(opts.duration)]));
    const engine = JSON.parse(e.stdout.trim().split('\n').pop());
    const g = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'grpc-js-client.mjs'), String(port), String(inFlight), String(opts.duration)]));
    const plain = JSON.parse(g.stdout.trim().split('\n').pop());
    const row = {
      zerodropCallsPerSec: z.rps,
      zerodropFailed: z.report.totals.failed,
      // The CLI's process CPU includes its start-up and report; the engine's alone is the per-call cost.
      zerodropCliCpuUsPerCall: z.cpuUsPerRequest,
      engineCallsPerSec: engine.callsPerSec,
      zerodropCpuUsPerCall: (engine.cpuSeconds * 1e6) / Math.max(1, engine.sent),
      grpcJsCallsPerSec: plain.callsPerSec,
      grpcJsFailed: plain.failed,
      grpcJsCpuUsPerCall: (plain.cpuSeconds * 1e6) / Math.max(1, plain.ok + plain.failed),
      loadavg: loadavg()[0],
    };
    rounds.push(row);
    console.log(
      `  round ${r + 1}: zerodrop CLI ${fmt(row.zerodropCallsPerSec)} calls/s (failed ${fmt(row.zerodropFailed)}), its engine ${fmt(row.engineCallsPerSec)} calls/s at ${fmt(row.zerodropCpuUsPerCall, 1)} us CPU/call  grpc-js ${fmt(row.grpcJsCallsPerSec)} calls/s, ${fmt(row.grpcJsCpuUsPerCall, 1)} us CPU/call (failed ${fmt(row.grpcJsFailed)})  (load avg ${fmt(row.loadavg, 1)})`,
    );
  }
  const summary = {
    inFlight,
    zerodropCallsPerSec: median(rounds.map((x) => x.zerodropCallsPerSec)),
    engineCallsPerSec: median(rounds.map((x) => x.engineCallsPerSec)),
    grpcJsCallsPerSec: median(rounds.map((x) => x.grpcJsCallsPerSec)),
    zerodropCpuUsPerCall: median(rounds.map((x) => x.zerodropCpuUsPerCall)),
    grpcJsCpuUsPerCall: median(rounds.map((x) => x.grpcJsCpuUsPerCall)),
  };
  summary.ratio = summary.zerodropCallsPerSec / summary.grpcJsCallsPerSec;
  // Calls per second one client core could carry at the measured CPU cost per call.
  summary.zerodropCallsPerCoreSec = 1e6 / summary.zerodropCpuUsPerCall;
  summary.grpcJsCallsPerCoreSec = 1e6 / summary.grpcJsCpuUsPerCall;
  console.log(
    `  median: zerodrop CLI ${fmt(summary.zerodropCallsPerSec)} calls/s, engine ${fmt(summary.engineCallsPerSec)} calls/s (${fmt(summary.zerodropCpuUsPerCall, 1)} us CPU/call, ${fmt(summary.zerodropCallsPerCoreSec)} calls per core-second) vs grpc-js ${fmt(summary.grpcJsCallsPerSec)} calls/s (${fmt(summary.grpcJsCpuUsPerCall, 1)} us CPU/call, ${fmt(summary.grpcJsCallsPerCoreSec)} per core-second): ratio ${fmt(summary.ratio, 2)}`,
  );
  save('grpc', { rounds, summary });
}
