#!/usr/bin/env node
// HTTP/2 throughput beside h2load (see bench/README.md, "HTTP/2"): nginx with TLS and http2 pinned
// to core 0, every client pinned to core 1, the same requests in flight, rounds interleaved:
//
//   h2load -c S -m M                                   (nghttp2-client)
//   node bench/h2-bare.mjs                             (node:http2 itself: the same loop, no accounting)
//   node bench/h2-lean-probe.mjs                       (raw HTTP/2 frames on node:tls: what a lean client could cost)
//   zerodrop run --http2 --connections S --streams M   (zerodrop's lean frames client on node:tls, the default)
//   zerodrop run --http2 --connections S --streams M --client node-http2   (zerodrop's client on node:http2)
//   zerodrop run --http2 --connections S --streams M --client undici   (undici's Pool, tuned: pipelining M)
//   zerodrop run --http2 --connections S*M --client undici             (before: one stream per session)
//
//   node bench/http2.mjs [--rounds N (2)] [--duration S (5)] [--sessions S (8)] [--streams M (8)] [--out DIR]
//
// Run by `node bench/run.mjs --only http2` (which passes --rounds and --duration on). Results are
// printed and written as JSON under reports/bench/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSelfSignedCert, writeNginxConf } from './lib/nginx.mjs';
import { cpuSeconds, has, waitForPort } from './lib/process.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function parseArgs(argv) {
  const o = { rounds: 2, duration: 5, sessions: 8, streams: 8, out: join(ROOT, 'reports', 'bench') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--duration') o.duration = Number(v());
    else if (a === '--sessions') o.sessions = Number(v());
    else if (a === '--streams') o.streams = Number(v());
    else if (a === '--out') o.out = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const inFlight = opts.sessions * opts.streams;

for (const [cmd, pkg] of [['nginx', 'nginx-light'], ['h2load', 'nghttp2-client'], ['openssl', 'openssl']]) {
  if (!has(cmd)) {
    console.error(`bench http2 needs ${cmd}: apt-get install -y ${pkg} (or node scripts/ensure-system-deps.mjs bench as root)`);
    process.exit(1);
  }
}
const PIN = has('taskset') && availableParallelism() >= 2;
const pin = (core, argv) => (PIN ? ['taskset', '-c', String(core), ...argv] : argv);

/** A port nothing listens on now (another session's bench may hold a fixed one). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}


/** Runs a client to completion; its output and CPU seconds (sampled every 50 ms; taskset execs in place, so the pid is the client's). */
function run(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    const timer = setInterval(() => (cpu = cpuSeconds(child.pid) ?? cpu), 50);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, cpuSeconds: cpu });
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'zerodrop-bench-h2-'));
let nginx = null;
const cleanup = () => {
  if (nginx !== null && nginx.exitCode === null) nginx.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function startNginx(port) {
  makeSelfSignedCert(dir, 'IP:127.0.0.1');
  const conf = writeNginxConf(dir, { listen: `127.0.0.1:${port} ssl http2`, tls: true });
  nginx = spawn(...(([c, ...a]) => [c, a])(pin(0, ['nginx', '-c', conf, '-p', dir])), { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return `https://127.0.0.1:${port}/`;
}

async function h2load(url) {
  const r = await run(pin(1, ['h2load', '-c', String(opts.sessions), '-m', String(opts.streams), '-D', String(opts.duration), url]));
  const m = /finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(r.stdout);
  const f = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(r.stdout);
  if (!m) throw new Error(`h2load printed no rate: ${r.stdout}${r.stderr}`);
  const done = f ? Number(/requests: \d+ total, \d+ started, (\d+) done/.exec(r.stdout)[1]) : 0;
  return { rps: Number(m[1]), failed: f ? Number(f[2]) : null, cpuUsPerRequest: done > 0 ? (r.cpuSeconds * 1e6) / done : null };
}

async function zerodrop(url, extra) {
  const out = mkdtempSync(join(dir, 'run-'));
  const r = await run(pin(1, [process.execPath, join(ROOT, 'bin', 'zerodrop.js'), 'run', '--url', url, '--http2', '--insecure', '--workers', '1', '--duration', `${opts.duration}s`, '--quiet', '--format', 'json', '--out', out, ...extra]));
  let report;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  } catch {
    throw new Error(`zerodrop wrote no report (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  rmSync(out, { recursive: true, force: true });
  // CPU per request includes the CLI's start-up and reports (a fixed ~0.5 s): a floor, not the engine's own cost.
  return { rps: report.totals.sent / (report.meta.load.durationMs / 1000), failed: report.totals.failed, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, report.totals.sent) };
}

async function bare(url) {
  const r = await run(pin(1, [process.execPath, join(ROOT, 'bench', 'h2-bare.mjs'), url, String(opts.sessions), String(opts.streams), String(opts.duration)]));
  const j = JSON.parse(r.stdout);
  return { rps: j.rps, failed: 0, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, j.requests) };
}

async function leanProbe(url) {
  const r = await run(pin(1, [process.execPath, join(ROOT, 'bench', 'h2-lean-probe.mjs'), url, String(opts.sessions), String(opts.streams), String(opts.duration)]));
  const j = JSON.parse(r.stdout);
  return { rps: j.rps, failed: j.resets, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, j.requests) };
}

const CLIENTS = [
  ['h2load', `h2load -c ${opts.sessions} -m ${opts.streams}`, (url) => h2load(url)],
  ['nodeBare', `node:http2 bare loop (no accounting) -c ${opts.sessions} -m ${opts.streams}`, (url) => bare(url)],
  ['leanProbe', `raw HTTP/2 frames on node:tls (lean probe, no decoding) -c ${opts.sessions} -m ${opts.streams}`, (url) => leanProbe(url)],
  ['zerodrop', `zerodrop (lean) --connections ${opts.sessions} --streams ${opts.streams}`, (url) => zerodrop(url, ['--connections', String(opts.sessions), '--streams', String(opts.streams)])],
  ['nodeHttp2', `zerodrop --client node-http2 --connections ${opts.sessions} --streams ${opts.streams}`, (url) => zerodrop(url, ['--connections', String(opts.sessions), '--streams', String(opts.streams), '--client', 'node-http2'])],
  ['undiciTuned', `zerodrop --client undici --connections ${opts.sessions} --streams ${opts.streams}`, (url) => zerodrop(url, ['--connections', String(opts.sessions), '--streams', String(opts.streams), '--client', 'undici'])],
  ['undiciBefore', `zerodrop --client undici --connections ${inFlight} (before: 1 stream per session)`, (url) => zerodrop(url, ['--connections', String(inFlight), '--client', 'undici'])],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

async function main() {
  console.log(`\nHTTP/2 over TLS (nginx, http2) beside h2load: ${inFlight} in flight (${opts.sessions} sessions x ${opts.streams} streams), ${opts.duration} s, ${opts.rounds} rounds interleaved; pinned: ${PIN}; load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const url = await startNginx(await freePort());
  const rounds = [];
  for (let k = 0; k < opts.rounds; k++) {
    const round = {};
    for (const [key, label, fn] of CLIENTS) {
      round[key] = await fn(url);
      console.log(`  round ${k + 1}: ${label.padEnd(72)} ${fmt(round[key].rps).padStart(9)} req/s  CPU ${fmt(round[key].cpuUsPerRequest, 1).padStart(6)} us/req  failed ${fmt(round[key].failed)}`);
    }
    rounds.push(round);
  }
  const summary = {};
  for (const [key] of CLIENTS) {
    summary[key] = median(rounds.map((r) => r[key].rps));
    summary[`${key}CpuUsPerRequest`] = median(rounds.map((r) => r[key].cpuUsPerRequest));
  }
  summary.zerodropVsH2load = summary.zerodrop / summary.h2load;
  summary.nodeBareVsH2load = summary.nodeBare / summary.h2load;
  summary.leanProbeVsH2load = summary.leanProbe / summary.h2load;
  summary.zerodropVsNodeBare = summary.zerodrop / summary.nodeBare;
  summary.nodeHttp2VsH2load = summary.nodeHttp2 / summary.h2load;
  summary.zerodropVsLeanProbe = summary.zerodrop / summary.leanProbe;
  summary.undiciTunedVsH2load = summary.undiciTuned / summary.h2load;
  summary.undiciBeforeVsH2load = summary.undiciBefore / summary.h2load;
  console.log(`  median: h2load ${fmt(summary.h2load)}/s; node:http2 bare ${fmt(summary.nodeBare)}/s (${fmt(summary.nodeBareVsH2load, 2)}x); lean probe ${fmt(summary.leanProbe)}/s (${fmt(summary.leanProbeVsH2load, 2)}x); zerodrop lean ${fmt(summary.zerodrop)}/s (${fmt(summary.zerodropVsH2load, 2)}x); zerodrop node-http2 ${fmt(summary.nodeHttp2)}/s (${fmt(summary.nodeHttp2VsH2load, 2)}x); undici tuned ${fmt(summary.undiciTuned)}/s (${fmt(summary.undiciTunedVsH2load, 2)}x); undici before ${fmt(summary.undiciBefore)}/s (${fmt(summary.undiciBeforeVsH2load, 2)}x)`);
  mkdirSync(opts.out, { recursive: true });
  const file = join(opts.out, `http2-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ opts, pinned: PIN, loadavg: loadavg(), rounds, summary }, null, 2));
  console.log(`  written: ${file}`);
}

// The nginx child keeps the loop alive: exit (the exit hook stops it).
main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
