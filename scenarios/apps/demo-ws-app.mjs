#!/usr/bin/env node
// zerodrop demo WebSocket app: echoes every WebSocket message, serves a server-sent-events stream
// on /events, and names its pod in the `x-pod-name` header of the upgrade (and of every answer).
// Its shutdown is chosen by ON_SIGTERM, so one program plays both the naive and the graceful
// service in a rollout. Plain JS (with the `ws` library zerodrop already depends on) so the
// emulator runs it as a pod without a build. See README.md next to this file for every knob.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { APP_VERSION, POD_IP, POD_NAME, env, int, log } from './app-env.mjs';


const PORT = int('PORT', 8080);
const STARTUP_DELAY_MS = int('STARTUP_DELAY_MS', 0);
const READY_PATH = env.READY_PATH || '/ready';
const LIVE_PATH = env.LIVE_PATH || '/healthz';
const EVENTS_PATH = env.EVENTS_PATH || '/events';
const EVENT_EVERY_MS = int('EVENT_EVERY_MS', 100);
const ON_SIGTERM = env.ON_SIGTERM || 'close';
const CLOSE_DELAY_MS = int('CLOSE_DELAY_MS', 0);
const CLOSE_TIMEOUT_MS = int('CLOSE_TIMEOUT_MS', 10_000);
const POD_HEADER = (env.POD_HEADER || 'x-pod-name').toLowerCase();


let ready = false;
let shuttingDown = false;
let server;
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
/** Open SSE responses, each with its timer. */
const streams = new Map();

wss.on('headers', (headers) => {
  headers.push(`${POD_HEADER}: ${POD_NAME}`, `x-app-version: ${APP_VERSION}`);
});
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    // After our close frame no data frame may follow (RFC 6455 5.5.1): the client sends it again elsewhere.
    if (ws.readyState === ws.OPEN) ws.send(data, { binary: isBinary });
  });
  ws.on('error', () => undefined);
});

function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader(POD_HEADER, POD_NAME);
  res.setHeader('x-app-version', APP_VERSION);
  if (url.pathname === READY_PATH) {
    const ok = ready && !shuttingDown;
    res.statusCode = ok ? 200 : 503;
    res.end(ok ? 'ready\n' : 'not ready\n');
    return;
  }
  if (url.pathname === LIVE_PATH) {
    res.end('ok\n');
    return;
  }
  if (url.pathname === EVENTS_PATH) {
    if (shuttingDown) {
      res.statusCode = 503;
      res.end('shutting down\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let n = 0;
    const timer = setInterval(() => res.write(`id: ${n++}\ndata: pod=${POD_NAME}\n\n`), EVENT_EVERY_MS);
    streams.set(res, timer);
    res.on('close', () => {
      clearInterval(timer);
      streams.delete(res);
    });
    return;
  }
  res.setHeader('content-type', 'text/plain');
  res.end(`pod=${POD_NAME} version=${APP_VERSION}\n`);
}

/**
 * The graceful shutdown: readiness fails at once, then (after CLOSE_DELAY_MS) every WebSocket
 * client gets close 1001 (going away) and every SSE stream ends cleanly; the process exits once
 * every client has answered the close (or after CLOSE_TIMEOUT_MS).
 */
function closeGracefully() {
  shuttingDown = true;
  log('shutting down', `clients=${wss.clients.size} streams=${streams.size} closeDelayMs=${CLOSE_DELAY_MS}`);
  setTimeout(() => {
    for (const ws of wss.clients) ws.close(1001, 'going away');
    for (const [res, timer] of streams) {
      clearInterval(timer);
      res.end();
    }
    log('sent close 1001', `clients=${wss.clients.size} streams=${streams.size}`);
    const deadline = setTimeout(() => {
      log('close timeout', `clients=${wss.clients.size}`);
      exit(1);
    }, CLOSE_TIMEOUT_MS);
    deadline.unref();
    const check = setInterval(() => {
      if (wss.clients.size > 0 || streams.size > 0) return;
      clearInterval(check);
      log('every client closed');
      server.close();
      exit(0);
    }, 20);
  }, CLOSE_DELAY_MS);
}

function exit(code) {
  log('exiting', `code=${code}`);
  process.exit(code);
}

process.on('SIGTERM', () => {
  log('got SIGTERM', `mode=${ON_SIGTERM} clients=${wss.clients.size} streams=${streams.size}`);
  if (ON_SIGTERM === 'exit') {
    // What a server without a handler does: die at once, every connection with it (no close frame).
    log('exiting', 'code=143');
    process.exit(143);
  } else if (!shuttingDown) {
    closeGracefully();
  }
});
process.on('SIGINT', () => exit(130));

log('starting', `pid=${process.pid} version=${APP_VERSION} onSigterm=${ON_SIGTERM}`);
setTimeout(() => {
  server = http.createServer(handle);
  server.on('upgrade', (req, socket, head) => {
    if (shuttingDown) {
      // A client that still reaches a pod shutting down is told to go elsewhere.
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  server.on('error', (err) => {
    log('listen failed', `error=${err.code ?? err.message}`);
    process.exit(1);
  });
  server.listen(PORT, POD_IP, () => {
    ready = true;
    log('listening', `addr=${POD_IP}:${PORT}`);
  });
}, STARTUP_DELAY_MS);
