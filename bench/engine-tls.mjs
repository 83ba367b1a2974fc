#!/usr/bin/env node
// HTTPS side by side: nginx over TLS (a self-signed certificate made at start) pinned to core 0,
// each client pinned to core 1 in turn, closed model: wrk, the zerodrop CLI with its lean client
// and the same CLI on undici, then the engine alone on each (dist/, no CLI: its CPU a request
// without node's start-up), rounds interleaved. Prints requests/s and the ratios to wrk, and
// writes reports/bench/tls-latest.json. Run by `node bench/run.mjs --only tls`, or alone:
//
//   node bench/engine-tls.mjs [--rounds 2] [--duration 5] [--connections 64] [--out reports/bench]
//
// Needs nginx (with its ssl module: Debian's nginx-light has it), wrk, openssl and taskset
// (`node scripts/ensure-system-deps.mjs bench` installs them), and a built dist/ (npm run build).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSelfSignedCert, writeNginxConf } from './lib/nginx.mjs';
import { cpuSeconds, has, waitForPort } from './lib/process.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Child mode: the engine alone (dist/, no CLI, no start-up in its CPU figure) over TLS, one worker.
//   node bench/engine-tls.mjs --engine URL CA_FILE CLIENT CONNECTIONS SECONDS
if (process.argv[2] === '--engine') {
  const [url, caFile, client, connections, seconds] = process.argv.slice(3);
  const { startClock } = await import('../dist/src/clock.js');
  const { startLoad } = await import('../dist/src/traffic/engine.js');
  const before = process.cpuUsage();
  const load = { url, method: 'GET', headers: {}, model: 'closed', connections: Number(connections), durationMs: Number(seconds) * 1000, timeoutMs: 2000, keepAlive: true, workers: 1, client, ca: readFileSync(caFile, 'utf8') };
  const r = await startLoad(load, startClock()).done;
  const cpu = process.cpuUsage(before);
  const t = r.recorder.totals();
  process.stdout.write(`${JSON.stringify({ rps: (t.sent * 1000) / r.durationMs, sent: t.sent, failed: t.failed, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, t.sent) })}\n`);
  process.exit(0);
}

const opts = { rounds: 2, duration: 5, connections: 64, out: join(ROOT, 'reports', 'bench'), port: 18_443 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === '--rounds') opts.rounds = Number(v());
  else if (a === '--duration') opts.duration = Number(v());
  else if (a === '--connections') opts.connections = Number(v());
  else if (a === '--out') opts.out = v();
  else if (a === '--port') opts.port = Number(v());
  else throw new Error(`unknown option ${a}`);
}

for (const tool of ['nginx', 'wrk', 'openssl']) {
  if (!has(tool)) {
    console.error(`the TLS bench needs ${tool}: node scripts/ensure-system-deps.mjs bench (or apt-get install nginx-light wrk openssl)`);
    process.exit(1);
  }
}
const CORES = availableParallelism();
const PIN = has('taskset') && CORES >= 2;
const TARGET_CORE = 0;
const CLIENT_CORE = 1;
const pin = (core, argv) => (PIN ? ['taskset', '-c', String(core), ...argv] : argv);
const cpuModel = /Model name:\s*(.+)/.exec(spawnSync('lscpu', [], { encoding: 'utf8' }).stdout ?? '')?.[1]?.trim() ?? 'unknown';
const machine = { cpu: cpuModel, cores: CORES, node: process.version, pinned: PIN, openssl: spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim() };

/** Runs a client to completion: its output and the CPU seconds it used (sampled every 50 ms). */
function runMeasured(argv) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setInterval(() => (cpu = cpuSeconds(child.pid) ?? cpu), 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, cpuSeconds: cpu });
    });
  });
}

// ---- the target: nginx over TLS -----------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), 'zerodrop-bench-tls-'));
let nginx = null;
function stop() {
  if (nginx !== null && nginx.exitCode === null) nginx.kill('SIGTERM');
}
process.on('exit', () => {
  stop();
  rmSync(dir, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

makeSelfSignedCert(dir, 'DNS:localhost,IP:127.0.0.1');
const nginxArgv = pin(TARGET_CORE, ['nginx', '-c', writeNginxConf(dir, { listen: `127.0.0.1:${opts.port} ssl`, tls: true }), '-p', dir]);
nginx = spawn(nginxArgv[0], nginxArgv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
await waitForPort(opts.port);
// An IP address, as the other benches use (no resolver in the loop; the certificate names it too).
const url = `https://127.0.0.1:${opts.port}/`;
const ca = join(dir, 'cert.pem');

// ---- clients ------------------------------------------------------------------------------------

async function wrk() {
  const r = await runMeasured(pin(CLIENT_CORE, ['wrk', '-t1', `-c${opts.connections}`, `-d${opts.duration}s`, url]));
  const m = /(\d+) requests in ([\d.]+)s/.exec(r.stdout);
  if (!m) throw new Error(`wrk printed no count: ${r.stdout}${r.stderr}`);
  // wrk counts failures apart: socket errors (connect, read, write, timeout) and non-2xx/3xx answers.
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(r.stdout);
  const failed = (errors ? errors.slice(1).reduce((n, x) => n + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return { rps: Number(m[1]) / Number(m[2]), failed, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Number(m[1]) };
}

/** The CLI as users run it, closed model, one worker, trusting the bench's CA. */
async function zerodrop(client) {
  const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-tls-run-'));
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bin', 'zerodrop.js'), 'run', '--url', url, '--ca', ca, '--client', client, '--connections', String(opts.connections), '--duration', `${opts.duration}s`, '--workers', '1', '--quiet', '--out', out]));
  let report;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  } catch {
    throw new Error(`zerodrop --client ${client} wrote no report (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  rmSync(out, { recursive: true, force: true });
  const sent = report.totals.sent;
  return { rps: sent / (report.meta.load.durationMs / 1000), failed: report.totals.failed, client: report.meta.load.client, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, sent) };
}

/** The engine alone (child mode above), pinned like the others. */
async function engine(client) {
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-tls.mjs'), '--engine', url, ca, client, String(opts.connections), String(opts.duration)]));
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`the engine (${client}) printed no result (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

console.log(
  `\nHTTPS, closed model against nginx over TLS (${machine.openssl}; ${opts.connections} connections, ${opts.duration} s, ${opts.rounds} rounds interleaved; nginx on core ${TARGET_CORE}, clients on core ${CLIENT_CORE}; pinned: ${PIN}; load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')})`,
);
// Warm nginx and the page cache once, unmeasured.
await runMeasured(pin(CLIENT_CORE, ['wrk', '-t1', `-c${opts.connections}`, '-d1s', url]));
const rounds = [];
for (let i = 0; i < opts.rounds; i++) {
  const round = { loadavg: loadavg()[0], wrk: await wrk(), lean: await zerodrop('lean'), undici: await zerodrop('undici'), engineLean: await engine('lean'), engineUndici: await engine('undici') };
  round.leanRatio = round.lean.rps / round.wrk.rps;
  round.undiciRatio = round.undici.rps / round.wrk.rps;
  rounds.push(round);
  console.log(
    `  round ${i + 1}: wrk ${fmt(round.wrk.rps)}/s (${fmt(round.wrk.cpuUsPerRequest, 1)} us CPU/request)  zerodrop lean ${fmt(round.lean.rps)}/s (${fmt(round.lean.cpuUsPerRequest, 1)} us, ${fmt(round.lean.failed)} failed) x wrk ${fmt(round.leanRatio, 2)}` +
      `  zerodrop undici ${fmt(round.undici.rps)}/s (${fmt(round.undici.cpuUsPerRequest, 1)} us, ${fmt(round.undici.failed)} failed) x wrk ${fmt(round.undiciRatio, 2)}` +
      `  engine alone: lean ${fmt(round.engineLean.rps)}/s (${fmt(round.engineLean.cpuUsPerRequest, 1)} us), undici ${fmt(round.engineUndici.rps)}/s (${fmt(round.engineUndici.cpuUsPerRequest, 1)} us)  (load avg ${fmt(round.loadavg, 1)})`,
  );
}
const summary = {
  wrkRps: median(rounds.map((r) => r.wrk.rps)),
  leanRps: median(rounds.map((r) => r.lean.rps)),
  undiciRps: median(rounds.map((r) => r.undici.rps)),
  leanRatioWrk: median(rounds.map((r) => r.leanRatio)),
  undiciRatioWrk: median(rounds.map((r) => r.undiciRatio)),
  leanOverUndici: median(rounds.map((r) => r.lean.rps / r.undici.rps)),
  wrkCpuUsPerRequest: median(rounds.map((r) => r.wrk.cpuUsPerRequest)),
  engineLeanRps: median(rounds.map((r) => r.engineLean.rps)),
  engineUndiciRps: median(rounds.map((r) => r.engineUndici.rps)),
  engineLeanCpuUsPerRequest: median(rounds.map((r) => r.engineLean.cpuUsPerRequest)),
  engineUndiciCpuUsPerRequest: median(rounds.map((r) => r.engineUndici.cpuUsPerRequest)),
};
console.log(
  `  median: wrk ${fmt(summary.wrkRps)}/s, lean ${fmt(summary.leanRps)}/s (x wrk ${fmt(summary.leanRatioWrk, 2)}), undici ${fmt(summary.undiciRps)}/s (x wrk ${fmt(summary.undiciRatioWrk, 2)}); lean / undici ${fmt(summary.leanOverUndici, 2)}; ` +
    `CPU a request: wrk ${fmt(summary.wrkCpuUsPerRequest, 1)} us, engine lean ${fmt(summary.engineLeanCpuUsPerRequest, 1)} us, engine undici ${fmt(summary.engineUndiciCpuUsPerRequest, 1)} us`,
);
mkdirSync(opts.out, { recursive: true });
const body = `${JSON.stringify({ benchmark: 'tls', at: new Date().toISOString(), machine, options: opts, rounds, summary }, null, 2)}\n`;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(opts.out, `tls-${stamp}.json`), body);
writeFileSync(join(opts.out, 'tls-latest.json'), body);
console.log(`  -> ${relative(process.cwd(), join(opts.out, 'tls-latest.json'))}`);
// nginx's handle would keep this process alive: stop it (the exit handler removes its folder).
process.exit(0);
