#!/usr/bin/env node
// zerodrop demo app: a dependency-free HTTP server whose start-up and shutdown behaviour is chosen
// by environment variables, so one program can play both the well-behaved and the naive service
// in a rollout. Plain JS on purpose: the emulator runs it as a pod without a build step.
// See README.md next to this file for every knob.
import http from 'node:http';
import net from 'node:net';
import { APP_VERSION, POD_IP, POD_NAME, env, int, log } from './app-env.mjs';


const PORT = int('PORT', 8080);
const STARTUP_DELAY_MS = int('STARTUP_DELAY_MS', 0);
const READY_DELAY_MS = int('READY_DELAY_MS', 0);
const READY_PATH = env.READY_PATH || '/ready';
const LIVE_PATH = env.LIVE_PATH || '/healthz';
const PRESTOP_PATH = env.PRESTOP_PATH || '/prestop';
const PRESTOP_DELAY_MS = int('PRESTOP_DELAY_MS', 0);
const ON_SIGTERM = env.ON_SIGTERM || 'drain';
const DRAIN_MS = int('DRAIN_MS', 0);
const DRAIN_TIMEOUT_MS = int('DRAIN_TIMEOUT_MS', 30_000);
const KEEP_ALIVE_TIMEOUT_MS = int('KEEP_ALIVE_TIMEOUT_MS', 5000);
// While draining, a keep-alive connection idle this long is closed: its client is not using it.
// Not sooner than the keep-alive timeout every response advertised (`Keep-Alive: timeout=5`):
// clients that honour the hint (undici, zerodrop) stop reusing a connection before it, so closing
// at the advertised time never races a request; closing sooner does, now and then.
const DRAIN_IDLE_MS = int('DRAIN_IDLE_MS', KEEP_ALIVE_TIMEOUT_MS);
const RESPONSE_DELAY_MS = int('RESPONSE_DELAY_MS', 0);
const POD_HEADER = (env.POD_HEADER || 'x-pod-name').toLowerCase();
const CRASH_AFTER_MS = int('CRASH_AFTER_MS', -1);
const CRASH_EXIT_CODE = int('CRASH_EXIT_CODE', 1);


let ready = false;
let draining = false;
let inFlight = 0;
let server;

function exit(code) {
  log('exiting', `code=${code}`);
  process.exit(code);
}

function handle(req, res) {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader(POD_HEADER, POD_NAME);
  res.setHeader('x-app-version', APP_VERSION);
  // Draining: tell keep-alive clients to go elsewhere for their next request.
  if (draining) res.setHeader('connection', 'close');
  if (url.pathname === READY_PATH) {
    const ok = ready && !draining;
    res.statusCode = ok ? 200 : 503;
    res.end(ok ? 'ready\n' : draining ? 'draining\n' : 'not ready\n');
    return;
  }
  if (url.pathname === LIVE_PATH) {
    res.end('ok\n');
    return;
  }
  if (url.pathname === PRESTOP_PATH) {
    log('preStop hit');
    const wait = Number(url.searchParams.get('sleepMs') ?? PRESTOP_DELAY_MS);
    setTimeout(() => res.end('ok\n'), Number.isFinite(wait) && wait > 0 ? wait : 0);
    return;
  }
  const q = url.searchParams.get('delayMs');
  const delay = q !== null && Number.isFinite(Number(q)) ? Number(q) : RESPONSE_DELAY_MS;
  inFlight++;
  const done = () => {
    inFlight--;
    if (draining) maybeFinishDrain();
  };
  const reply = () => {
    res.setHeader('content-type', 'text/plain');
    if (draining) res.setHeader('connection', 'close');
    res.end(`pod=${POD_NAME} version=${APP_VERSION}\n`, done);
  };
  if (delay > 0) setTimeout(reply, delay);
  else reply();
}

let closing = false;
let drainTimer;
/** Open connections and when each last carried a request (a connection is busy while inFlight > 0 on it). */
const sockets = new Map();
function maybeFinishDrain() {
  if (closing && inFlight === 0 && sockets.size === 0) exit(0);
}

/**
 * Graceful drain without the keep-alive race: closing an idle keep-alive connection while its
 * client is sending the next request on it makes that request fail ("other side closed"). So
 * every response now says `Connection: close` and the client closes the connection itself after
 * it; only connections idle for DRAIN_IDLE_MS (their client is not using them) are closed by us.
 * After DRAIN_MS the listener stops accepting; the process exits once every connection is gone.
 */
function startDrain() {
  draining = true;
  log('draining', `inFlight=${inFlight} connections=${sockets.size} drainMs=${DRAIN_MS}`);
  setTimeout(() => {
    closing = true;
    // Stop listening. http.Server#close would also close idle connections at once (since Node
    // 19), which is the race above; net.Server#close only stops accepting.
    if (server.listening) net.Server.prototype.close.call(server);
    log('stopped accepting', `inFlight=${inFlight} connections=${sockets.size}`);
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [socket, state] of sockets) if (state.busy === 0 && now - state.lastActive >= DRAIN_IDLE_MS) socket.destroy();
      maybeFinishDrain();
    }, 100);
    sweep.unref?.();
    drainTimer = setTimeout(() => {
      log('drain timeout', `inFlight=${inFlight} connections=${sockets.size}`);
      exit(1);
    }, DRAIN_TIMEOUT_MS);
    drainTimer.unref?.();
    maybeFinishDrain();
  }, DRAIN_MS);
}

process.on('SIGTERM', () => {
  log('got SIGTERM', `mode=${ON_SIGTERM} inFlight=${inFlight}`);
  if (ON_SIGTERM === 'exit') {
    // What a server without a handler does: die at once, in-flight requests and all.
    log('exiting', 'code=143');
    process.exit(143);
  } else if (ON_SIGTERM === 'ignore') {
    // An app (or a shell as PID 1) that swallows SIGTERM: only SIGKILL will end it.
  } else if (!draining) {
    startDrain();
  }
});
process.on('SIGINT', () => {
  log('got SIGINT');
  exit(130);
});

log('starting', `pid=${process.pid} version=${APP_VERSION} startupDelayMs=${STARTUP_DELAY_MS} onSigterm=${ON_SIGTERM}`);

setTimeout(() => {
  server = http.createServer(handle);
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('connection', (socket) => {
    sockets.set(socket, { busy: 0, lastActive: Date.now() });
    socket.on('close', () => {
      sockets.delete(socket);
      if (draining) maybeFinishDrain();
    });
  });
  server.on('request', (req, res) => {
    const state = sockets.get(req.socket);
    if (!state) return;
    state.busy++;
    state.lastActive = Date.now();
    res.on('close', () => {
      state.busy--;
      state.lastActive = Date.now();
    });
  });
  server.on('error', (err) => {
    log('listen failed', `error=${err.code ?? err.message}`);
    process.exit(1);
  });
  server.listen(PORT, POD_IP, () => {
    log('listening', `addr=${POD_IP}:${PORT}`);
    setTimeout(() => {
      ready = true;
      log('ready');
    }, READY_DELAY_MS);
  });
  if (CRASH_AFTER_MS >= 0) {
    setTimeout(() => {
      log('crashing', `code=${CRASH_EXIT_CODE}`);
      process.exit(CRASH_EXIT_CODE);
    }, CRASH_AFTER_MS);
  }
}, STARTUP_DELAY_MS);
