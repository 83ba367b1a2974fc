// A Node target that timestamps every request's arrival, to show what an open-model client's
// pacing looks like from the far end (bench/open-window.mjs). 200 "ok" to everything, keep-alive.
// GET /__reset forgets the arrivals so far; GET /__stats?rate=R&trimMs=T answers, for the
// arrivals from T ms after the first to T ms before the last, how evenly they fall into 1 ms and
// 10 ms buckets at the expected R requests/s (bench/arrival-shape.mjs).
// Usage: node bench/arrival-target.mjs PORT   (prints "listening PORT" once ready)
import { createServer } from 'node:http';
import { arrivalShape } from './arrival-shape.mjs';

const port = Number(process.argv[2] ?? 0);
const body = Buffer.from('ok');
// Arrival times (ms, monotonic), preallocated: no allocation per request.
let at = new Float64Array(1 << 20);
let n = 0;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const server = createServer((req, res) => {
  const t = nowMs();
  req.resume();
  if (req.url.startsWith('/__')) {
    const u = new URL(req.url, 'http://x');
    let out = {};
    if (u.pathname === '/__reset') n = 0;
    else if (u.pathname === '/__stats') {
      const rate = Number(u.searchParams.get('rate'));
      const trim = Number(u.searchParams.get('trimMs') ?? 1000);
      out = arrivalShape(at.subarray(0, n), rate, trim);
    }
    const b = Buffer.from(JSON.stringify(out));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length });
    res.end(b);
    return;
  }
  if (n === at.length) {
    const bigger = new Float64Array(at.length * 2);
    bigger.set(at);
    at = bigger;
  }
  at[n++] = t;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65_000;
server.maxRequestsPerSocket = 0;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
