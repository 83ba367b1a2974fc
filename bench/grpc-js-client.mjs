// A plain @grpc/grpc-js unary loop, the baseline of the gRPC benchmark (bench/grpc.mjs): one
// channel (one client, as an application holds it), IN_FLIGHT calls kept in flight, no accounting
// beyond a count of OK and failed calls.
// Usage: node bench/grpc-js-client.mjs PORT IN_FLIGHT SECONDS
// Prints one JSON line: {callsPerSec, ok, failed, cpuSeconds}.
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';

const [port, inFlight = '64', seconds = '10'] = process.argv.slice(2);
const proto = fileURLToPath(new URL('../scenarios/apps/demo.proto', import.meta.url));
const pkg = grpc.loadPackageDefinition(loader.loadSync(proto, { keepCase: true }));
const client = new pkg.zerodrop.demo.Greeter(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
await new Promise((resolve, reject) => client.waitForReady(Date.now() + 5000, (err) => (err ? reject(err) : resolve())));

let ok = 0;
let failed = 0;
let stop = false;
let running = 0;
let finish;
const finished = new Promise((r) => (finish = r));
const request = { name: 'bench' };
function loop() {
  if (stop) {
    if (--running === 0) finish();
    return;
  }
  client.SayHello(request, { deadline: Date.now() + 2000 }, (err) => {
    if (err) failed++;
    else ok++;
    loop();
  });
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < Number(inFlight); i++) {
  running++;
  loop();
}
setTimeout(() => (stop = true), Number(seconds) * 1000);
await finished;
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ callsPerSec: (ok + failed) / elapsed, ok, failed, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
client.close();
