// The floor of any Node.js HTTP/1.1 client: keep-alive connections that write one prebuilt GET and
// count the answers' bytes, nothing parsed, recorded or timed. What it costs is Node's own: the
// event loop, a write and a read a request, and in the open model a timer wake-up of an idle
// thread. zerodrop's engine against it says how much of a request's cost is zerodrop's.
//   node bench/node-floor.mjs URL open RATE SECONDS         one connection, a timer per request
//   node bench/node-floor.mjs URL closed CONNECTIONS SECONDS each connection sends again on each answer
// Prints one JSON line: {mode, rate or connections, requests, rps, usPerRequest, steadyCorePct}
// measured from 1 s in to the end (the first second connects and warms the JIT; a run under 3 s
// is measured whole, for the harness's own test). The closed mode
// assumes one answer per read, which holds for small answers on loopback (nginx's `return 200`).
import { connect } from 'node:net';

const [url, mode = 'open', nArg = '100', seconds = '8'] = process.argv.slice(2);
const n = Number(nArg);
const target = new URL(url);
const port = Number(target.port || 80);
const request = Buffer.from(`GET ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\n\r\n`);
const endMs = Number(seconds) * 1000;

function open(onData) {
  const socket = connect(port, target.hostname);
  socket.setNoDelay(true);
  socket.on('data', onData);
  return new Promise((resolve, reject) => socket.once('connect', () => resolve(socket)).once('error', reject));
}

let answers = 0;
const t0 = performance.now();
const mark = () => ({ cpu: process.cpuUsage(), answers, t: performance.now() });
let steady = mark();
if (endMs >= 3000) setTimeout(() => (steady = mark()), 1000);
const sockets = [];
if (mode === 'closed') {
  let stopped = false;
  for (let i = 0; i < n; i++) {
    const s = await open(() => {
      answers++;
      if (!stopped) s.write(request);
    });
    sockets.push(s);
    s.write(request);
  }
  await new Promise((r) => setTimeout(r, endMs - (performance.now() - t0)));
  stopped = true;
} else {
  const socket = await open((d) => (answers += d.length > 0 ? 1 : 0));
  sockets.push(socket);
  const gapMs = 1000 / n;
  let sent = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now() - t0;
      while (sent * gapMs <= now && sent * gapMs < endMs) {
        socket.write(request);
        sent++;
      }
      if (now >= endMs) return resolve();
      setTimeout(tick, Math.max(1, Math.ceil(sent * gapMs - now)));
    };
    tick();
  });
}
const cpu = process.cpuUsage(steady.cpu);
const spanS = (performance.now() - steady.t) / 1000;
const requests = answers - steady.answers;
const cpuS = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({ mode, [mode === 'closed' ? 'connections' : 'rate']: n, requests, rps: requests / spanS, usPerRequest: (cpuS * 1e6) / Math.max(1, requests), steadyCorePct: (cpuS / spanS) * 100 })}\n`,
);
for (const s of sockets) s.destroy();
