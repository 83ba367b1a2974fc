#!/usr/bin/env node
// zerodrop demo gRPC app: the Greeter service of demo.proto (one unary method answering with the
// pod's name, in its reply and in the x-pod-name response metadata), and server reflection, with a naive or a graceful
// shutdown chosen by environment variables, so one program plays both services of a gRPC rollout.
// Plain JS on purpose: the emulator runs it as a pod without a build step. See README.md here.
//
// Probes: the emulator (like many clusters' tooling) probes over HTTP, so the app also serves
// HEALTH_PORT: /ready (200 while serving, 503 once shutting down), /healthz, /prestop.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { APP_VERSION, POD_IP, POD_NAME, env, int, log } from './app-env.mjs';


const PORT = int('PORT', 50051);
const HEALTH_PORT = int('HEALTH_PORT', 8081);
const STARTUP_DELAY_MS = int('STARTUP_DELAY_MS', 0);
const PRESTOP_DELAY_MS = int('PRESTOP_DELAY_MS', 0);
// exit: die at once on SIGTERM (every call on every connection is cut, no GOAWAY);
// graceful: stop accepting, send GOAWAY, let the calls in flight finish, then exit.
const ON_SIGTERM = env.ON_SIGTERM || 'graceful';
const DRAIN_TIMEOUT_MS = int('DRAIN_TIMEOUT_MS', 20_000);
const RESPONSE_DELAY_MS = int('RESPONSE_DELAY_MS', 0);
const POD_KEY = (env.POD_HEADER || 'x-pod-name').toLowerCase();
const PROTO = env.PROTO || fileURLToPath(new URL('./demo.proto', import.meta.url));
// on: serve server reflection (grpc.reflection.v1 and v1alpha), so a client needs no .proto.
const REFLECTION = env.REFLECTION || 'on';


let ready = false;
let shuttingDown = false;
let inFlight = 0;
let served = 0;

// keepCase: the request's fields by their declared names (delay_ms).
const def = loader.loadSync(PROTO, { keepCase: true });
const pkg = grpc.loadPackageDefinition(def);
const server = new grpc.Server();
if (REFLECTION === 'on') new ReflectionService(def).addToServer(server);
server.addService(pkg.zerodrop.demo.Greeter.service, {
  SayHello(call, callback) {
    inFlight++;
    const md = new grpc.Metadata();
    md.set(POD_KEY, POD_NAME);
    md.set('x-app-version', APP_VERSION);
    call.sendMetadata(md);
    const delay = call.request.delay_ms || RESPONSE_DELAY_MS;
    const reply = () => {
      inFlight--;
      served++;
      callback(null, { message: `hello ${call.request.name || 'world'} from ${POD_NAME} (${APP_VERSION})`, pod: POD_NAME });
    };
    if (delay > 0) setTimeout(reply, delay);
    else reply();
  },
});

const health = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  res.setHeader(POD_KEY, POD_NAME);
  if (url.pathname === '/ready') {
    const ok = ready && !shuttingDown;
    res.statusCode = ok ? 200 : 503;
    res.end(ok ? 'ready\n' : 'not ready\n');
  } else if (url.pathname === '/healthz') {
    res.end('ok\n');
  } else if (url.pathname === '/prestop') {
    log('preStop hit');
    setTimeout(() => res.end('ok\n'), PRESTOP_DELAY_MS);
  } else {
    res.statusCode = 404;
    res.end();
  }
});

function exit(code) {
  log('exiting', `code=${code} served=${served}`);
  process.exit(code);
}

process.on('SIGTERM', () => {
  log('got SIGTERM', `mode=${ON_SIGTERM} inFlight=${inFlight}`);
  if (ON_SIGTERM === 'exit') {
    // What a server without a handler does: die at once, calls in flight and all.
    log('exiting', `code=143 served=${served}`);
    process.exit(143);
  }
  if (shuttingDown) return;
  shuttingDown = true;
  // tryShutdown: no new connections; each HTTP/2 session is closed gracefully (GOAWAY: clients
  // open new connections, through the Service, to pods still serving), calls in flight finish.
  server.tryShutdown((err) => {
    if (err) log('shutdown error', String(err));
    exit(0);
  });
  log('stopped accepting', `inFlight=${inFlight}`);
  setTimeout(() => {
    log('drain timeout', `inFlight=${inFlight}`);
    server.forceShutdown();
    exit(1);
  }, DRAIN_TIMEOUT_MS).unref();
});
process.on('SIGINT', () => exit(130));

log('starting', `pid=${process.pid} version=${APP_VERSION} onSigterm=${ON_SIGTERM} reflection=${REFLECTION}`);
setTimeout(() => {
  health.listen(HEALTH_PORT, POD_IP);
  server.bindAsync(`${POD_IP.includes(':') ? `[${POD_IP}]` : POD_IP}:${PORT}`, grpc.ServerCredentials.createInsecure(), (err) => {
    if (err) {
      log('listen failed', `error=${err.message}`);
      process.exit(1);
    }
    log('listening', `grpc=${POD_IP}:${PORT} health=${POD_IP}:${HEALTH_PORT}`);
    ready = true;
    log('ready');
  });
}, STARTUP_DELAY_MS);
