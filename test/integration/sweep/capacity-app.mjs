#!/usr/bin/env node
// A pod with finite capacity for the sweep tests: each request takes RESPONSE_DELAY_MS, at most
// MAX_IN_FLIGHT run at once and the rest get 503 at once (a worker pool with no queue, as a
// load-shedding server does). Readiness on /ready after STARTUP_DELAY_MS; on SIGTERM it drains:
// /ready turns 503, responses carry Connection: close, then it stops accepting and exits when idle.
import http from 'node:http';

const num = (name, dflt) => (process.env[name] === undefined || process.env[name] === '' ? dflt : Number(process.env[name]));
const PORT = num('PORT', 8080);
const POD_IP = process.env.POD_IP || '127.0.0.1';
const DELAY = num('RESPONSE_DELAY_MS', 100);
const MAX = num('MAX_IN_FLIGHT', 12);
const STARTUP = num('STARTUP_DELAY_MS', 0);
const DRAIN_MS = num('DRAIN_MS', 0);

let ready = false;
let draining = false;
let inFlight = 0;
let closing = false;

setTimeout(() => {
  const server = http.createServer((req, res) => {
    if (draining) res.setHeader('connection', 'close');
    if (req.url === '/ready') {
      res.statusCode = ready && !draining ? 200 : 503;
      res.end();
      return;
    }
    if (inFlight >= MAX) {
      res.statusCode = 503;
      res.end('busy\n');
      return;
    }
    inFlight++;
    setTimeout(() => {
      res.end('ok\n', () => {
        inFlight--;
        if (closing && inFlight === 0) process.exit(0);
      });
    }, DELAY);
  });
  server.keepAliveTimeout = 5000;
  server.listen(PORT, POD_IP, () => {
    ready = true;
  });
  process.on('SIGTERM', () => {
    draining = true;
    server.closeIdleConnections();
    setTimeout(() => {
      closing = true;
      server.close();
      server.closeIdleConnections();
      if (inFlight === 0) process.exit(0);
    }, DRAIN_MS);
  });
}, STARTUP);
