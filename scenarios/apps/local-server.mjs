#!/usr/bin/env node
// A small HTTP server for zerodrop's local demo and end-to-end tests, with two ways to "release":
//   SIGHUP  -> graceful reload: the listener stays open, new config generation, no request lost
//              (what `nginx -s reload` does);
//   SIGUSR2 -> abrupt restart: every connection is cut and the port is closed for RESTART_GAP_MS
//              before the server listens again (what a naive stop/start does).
// Usage: node local-server.mjs [--port N] [--host H] [--pidfile F] [--portfile F]
// It prints "listening <port>" when ready. Dependency-free so it runs without a build.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const host = arg('host', '127.0.0.1');
let port = Number(arg('port', '0'));
const gapMs = Number(process.env.RESTART_GAP_MS ?? 1000);
let generation = 1;
const sockets = new Set();

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'text/plain');
    res.setHeader('x-generation', String(generation));
    res.end(`ok generation ${generation}\n`);
  });
});
server.keepAliveTimeout = 65_000;
server.on('connection', (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});

function listen() {
  server.listen(port, host, () => {
    port = server.address().port;
    const pf = arg('portfile');
    if (pf) writeFileSync(pf, String(port));
    console.log(`listening ${port}`);
  });
}

process.on('SIGHUP', () => {
  generation += 1;
  console.log(`reloaded gracefully: generation ${generation}`);
});
process.on('SIGUSR2', () => {
  console.log('restarting abruptly');
  server.close();
  for (const s of sockets) s.destroy();
  setTimeout(() => {
    generation += 1;
    listen();
  }, gapMs);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  for (const s of sockets) s.end();
  setTimeout(() => process.exit(0), 2000).unref();
});

const pidfile = arg('pidfile');
if (pidfile) writeFileSync(pidfile, String(process.pid));
listen();
