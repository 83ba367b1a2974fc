#!/usr/bin/env node
// zerodrop benchmarks against peer tools, whole processes on pinned cores (see bench/README.md).
//
//   npm run bench                       # prerequisites, build, every benchmark with defaults
//   node bench/run.mjs --only closed --rounds 5 --duration 10
//   node bench/run.mjs --only open --rates 5000,20000,50000
//   node bench/run.mjs --only scaling
//   node bench/run.mjs --only journal   # the CLI with and without its journal, rounds interleaved
//   node bench/run.mjs --only open-cost # open model: CPU per request, achieved rate, lag by rate, beside hey and wrk's floor
//   node bench/run.mjs --only wake      # how the open-model tick can wait (timers, Atomics.wait, setImmediate), alone
//   node bench/run.mjs --only window    # the open model's send-ahead window: lag, CPU and the arrivals the target sees, by window (bench/open-window.mjs)
//   node bench/run.mjs --only http2     # HTTP/2 over TLS beside h2load -c 8 -m 8 (bench/http2.mjs)
//   node bench/run.mjs --only tls       # HTTPS: nginx over TLS, wrk vs the CLI on lean and on undici (bench/engine-tls.mjs; 2 rounds of 5 s unless --rounds/--duration)
//   node bench/run.mjs --only grpc      # gRPC unary calls: zerodrop vs a plain @grpc/grpc-js loop (bench/grpc.mjs)
//
// Options: --rounds N (3) --duration S (10) --connections C (64) --targets nginx,node
//          --only closed,concurrency,open,open-cost,scaling,soak,journal,wake,window,http2,tls,grpc --rates R1,R2,... --no-setup   (soak, journal, wake, window, http2, tls and grpc are not in the default set)
//          --soak-seconds S (600): the long CLI run of the soak, against a 60 s one
//          --windows W1,W2,... (0,0.5,1,1.5): the send-ahead windows (ms) the window bench compares
//          --out DIR (reports/bench): where the JSON results go
// Results: printed, and written as JSON under reports/bench/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNginxConf } from './lib/nginx.mjs';
import { cpuSeconds, has, waitForPort } from './lib/process.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---- options -----------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { rounds: 3, duration: 10, connections: 64, targets: null, only: ['closed', 'concurrency', 'open', 'open-cost', 'scaling'], rates: [5000, 20000, 50000], setup: true, soakSeconds: 600, out: join(ROOT, 'reports', 'bench') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--duration') o.duration = Number(v());
    else if (a === '--connections') o.connections = Number(v());
    else if (a === '--targets') o.targets = v().split(',');
    else if (a === '--only') o.only = v().split(',');
    else if (a === '--rates') (o.rates = v().split(',').map(Number)), (o.ratesGiven = true);
    else if (a === '--windows') o.windows = v().split(',').map(Number);
    else if (a === '--no-setup') o.setup = false;
    else if (a === '--soak-seconds') o.soakSeconds = Number(v());
    else if (a === '--out') o.out = v();
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}
const opts = parseArgs(process.argv.slice(2));
const OUT = opts.out;
/** The soak's short CLI run; the long one is --soak-seconds. */
const SOAK_SHORT_SECONDS = 60;
// A cold engine (JIT, first connections) needs ~3 s to reach its steady cost at 80% of the closed-model
// maximum (measured on the machine in bench/README.md); the warmup must cover that.
const OPEN_WARMUP_S = 5;

// ---- environment -------------------------------------------------------------------------------

// The prerequisite step `npm run bench` runs first (nginx, wrk, taskset: installed as root with
// apt-get, else it stops with the command that does); --no-setup runs without it, on what is there.
if (opts.setup) {
  const setup = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-system-deps.mjs'), 'bench'], { stdio: 'inherit' });
  if (setup.status !== 0) process.exit(setup.status ?? 1);
}
const CORES = availableParallelism();
const PIN = has('taskset') && CORES >= 2;
const TARGET_CORE = 0;
const CLIENT_CORE = 1;
const pin = (core, argv) => (PIN && core !== null ? ['taskset', '-c', String(core), ...argv] : argv);

function cpuModel() {
  const r = spawnSync('lscpu', [], { encoding: 'utf8' });
  const m = /Model name:\s*(.+)/.exec(r.stdout ?? '');
  return m ? m[1].trim() : 'unknown';
}

const machine = { cpu: cpuModel(), cores: CORES, node: process.version, pinned: PIN, nginx: has('nginx'), wrk: has('wrk'), hey: has('hey') };

// ---- processes ---------------------------------------------------------------------------------

/** A memory figure of a running process's /proc status in MB (VmHWM: peak RSS, VmRSS: RSS now), or null once it is gone. */
function procStatusMb(pid, field) {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
const vmHwmMb = (pid) => procStatusMb(pid, 'VmHWM');
const vmRssMb = (pid) => procStatusMb(pid, 'VmRSS');


/**
 * Runs a client to completion; returns its output, exit code, peak RSS and CPU seconds (sampled
 * every 50 ms), and with `sampleEveryMs` its RSS over time ({ tS, rssMb }).
 */
function runMeasured(argv, sampleEveryMs = 0, env = process.env) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const samples = [];
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // taskset execs the client in place, so the pid is the client's own.
    let cpu = 0;
    const timer = setInterval(() => {
      const v = vmHwmMb(child.pid);
      if (v !== null && v > peak) peak = v;
      cpu = cpuSeconds(child.pid) ?? cpu;
    }, 50);
    const sampler =
      sampleEveryMs > 0
        ? setInterval(() => {
            const v = vmRssMb(child.pid);
            if (v !== null) samples.push({ tS: Math.round((Date.now() - t0) / 1000), rssMb: Math.round(v * 10) / 10 });
          }, sampleEveryMs)
        : null;
    child.on('exit', (code) => {
      clearInterval(timer);
      if (sampler) clearInterval(sampler);
      // cpuSeconds: as last sampled (up to 50 ms before the exit).
      resolve({ code, stdout, stderr, peakRssMb: Math.round(peak * 10) / 10, samples, cpuSeconds: cpu });
    });
  });
}

const started = [];
function startDaemon(argv, env = process.env) {
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
  started.push(child);
  return child;
}
function stopAll() {
  for (const c of started) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});

async function startNodeTarget(port) {
  const child = startDaemon(pin(TARGET_CORE, [process.execPath, 'bench/node-target.mjs', String(port)]));
  await waitForPort(port);
  return { name: 'node', url: `http://127.0.0.1:${port}/`, pids: () => [child.pid] };
}

/** The target's processes that serve (nginx's workers, not its master). */
function nginxWorkers(dir) {
  try {
    const master = readFileSync(join(dir, 'nginx.pid'), 'utf8').trim();
    return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Runs `run` and adds the share of its core the target was busy meanwhile (`targetCorePct`): at
 * ~100% the target, not the client, set the rate, and only CPU per request still compares clients.
 */
async function withTargetLoad(target, run) {
  const pids = target.pids?.() ?? [];
  const cpu = () => pids.reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), 0);
  const c0 = cpu();
  const t0 = performance.now();
  const r = await run();
  const wallS = (performance.now() - t0) / 1000;
  return { ...r, targetCorePct: pids.length > 0 ? ((cpu() - c0) / wallS) * 100 : null };
}

async function startNginx(port) {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-bench-nginx-'));
  const conf = writeNginxConf(dir, { listen: `127.0.0.1:${port}` });
  startDaemon(pin(TARGET_CORE, ['nginx', '-c', conf, '-p', dir]));
  await waitForPort(port);
  return { name: 'nginx', url: `http://127.0.0.1:${port}/`, dir, pids: () => nginxWorkers(dir) };
}

// ---- clients -----------------------------------------------------------------------------------

const ZERODROP = [process.execPath, join(ROOT, 'bin', 'zerodrop.js')];

/** Runs the real CLI; returns the report plus the client's peak RSS (and RSS samples, see runMeasured). */
async function zerodrop(args, core = CLIENT_CORE, sampleEveryMs = 0, env = process.env) {
  const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-run-'));
  const r = await runMeasured(pin(core, [...ZERODROP, 'run', ...args, '--quiet', '--out', out]), sampleEveryMs, env);
  let report = null;
  try {
    report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  } catch {
    throw new Error(`zerodrop ${args.join(' ')} wrote no report (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  const journal = join(out, 'journal.ndjson');
  const journalBytes = existsSync(journal) ? statSync(journal).size : 0;
  rmSync(out, { recursive: true, force: true });
  const seconds = report.meta.load.durationMs / 1000;
  return { rps: report.totals.sent / seconds, report, peakRssMb: r.peakRssMb, exitCode: r.code, samples: r.samples, journalBytes, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, report.totals.sent) };
}

async function zerodropClosed(url, workers = 1, core = CLIENT_CORE, client = 'auto') {
  const z = await zerodrop(['--url', url, '--connections', String(opts.connections), '--duration', `${opts.duration}s`, '--workers', String(workers), '--client', client], core);
  return { rps: z.rps, peakRssMb: z.peakRssMb, failed: z.report.totals.failed, eventLoopDelayP99Ms: z.report.generator.eventLoopDelayP99Ms, cpuUsPerRequest: z.cpuUsPerRequest };
}

/** The engine alone (bench/engine-client.mjs): no CLI, no report; shows the engine's own RSS. */
async function engineOnly(url) {
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-client.mjs'), url, String(opts.connections), String(opts.duration), '1']));
  const j = JSON.parse(r.stdout);
  return { rps: j.rps, peakRssMb: r.peakRssMb, failed: j.failed, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, j.rps * opts.duration) };
}

/** The floor of any Node client in the closed model (bench/node-floor.mjs closed: write, read, write again; nothing parsed). */
async function nodeFloorClosed(url) {
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'node-floor.mjs'), url, 'closed', String(opts.connections), String(opts.duration)]));
  const j = JSON.parse(r.stdout);
  return { rps: j.rps, peakRssMb: r.peakRssMb, failed: 0, cpuUsPerRequest: j.usPerRequest };
}

async function autocannon(url) {
  const bin = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js');
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, bin, '-c', String(opts.connections), '-d', String(opts.duration), '-p', '1', '-j', url]));
  const j = JSON.parse(r.stdout);
  return { rps: j.requests.total / j.duration, peakRssMb: r.peakRssMb, failed: j.errors + j.non2xx, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, j.requests.total) };
}

async function wrk(url) {
  const r = await runMeasured(pin(CLIENT_CORE, ['wrk', '-t1', `-c${opts.connections}`, `-d${opts.duration}s`, url]));
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`wrk printed no rate: ${r.stdout}${r.stderr}`);
  const n = /(\d+) requests in/.exec(r.stdout);
  return { rps: Number(m[1]), peakRssMb: r.peakRssMb, failed: 0, cpuUsPerRequest: n ? (r.cpuSeconds * 1e6) / Number(n[1]) : null };
}

// ---- helpers -----------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? null : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
const fmt = (n, d = 0) => (n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
function save(name, data) {
  mkdirSync(OUT, { recursive: true });
  const body = `${JSON.stringify({ benchmark: name, at: new Date().toISOString(), machine, options: opts, ...data }, null, 2)}\n`;
  writeFileSync(join(OUT, `${name}-${stamp}.json`), body);
  writeFileSync(join(OUT, `${name}-latest.json`), body);
  console.log(`  -> ${relative(process.cwd(), join(OUT, `${name}-latest.json`)) || '.'}`);
}

// ---- benchmarks --------------------------------------------------------------------------------

/** Closed model, one worker, side by side with autocannon and wrk, rounds interleaved. */
async function closedBench(targets) {
  const results = {};
  for (const t of targets) {
    console.log(`\nclosed model against ${t.name} (${opts.connections} connections, ${opts.duration} s, ${opts.rounds} rounds interleaved; target on core ${TARGET_CORE}, clients on core ${CLIENT_CORE})`);
    // zerodrop: the CLI as users run it (the lean client on http:); zerodropUndici: the same CLI
    // on undici, to show what the lean client buys in the same rounds.
    const clients = [
      ['zerodrop', () => zerodropClosed(t.url)],
      ['zerodropUndici', () => zerodropClosed(t.url, 1, CLIENT_CORE, 'undici')],
      ['engine', () => engineOnly(t.url)],
      ['autocannon', () => autocannon(t.url)],
      // What a request costs any Node client here: zerodrop against it is what its accounting costs.
      ['nodeFloor', () => nodeFloorClosed(t.url)],
    ];
    if (machine.wrk) clients.push(['wrk', () => wrk(t.url)]);
    const rounds = [];
    // Warm the target (and the page cache of each client) once, unmeasured.
    await wrkOrAutocannonWarmup(t.url);
    for (let r = 0; r < opts.rounds; r++) {
      const round = { loadavg: loadavg()[0] };
      for (const [name, run] of clients) round[name] = await withTargetLoad(t, run);
      round.ratioAutocannon = round.zerodrop.rps / round.autocannon.rps;
      if (round.wrk) round.ratioWrk = round.zerodrop.rps / round.wrk.rps;
      // What each request cost the client's core, as a capacity ratio (autocannon's CPU per
      // request over zerodrop's): the comparison that still holds when the target sets the rate.
      round.cpuRatioAutocannon = round.autocannon.cpuUsPerRequest / round.zerodrop.cpuUsPerRequest;
      if (round.wrk?.cpuUsPerRequest) round.cpuRatioWrk = round.wrk.cpuUsPerRequest / round.zerodrop.cpuUsPerRequest;
      rounds.push(round);
      const cell = (c) => `${fmt(c.rps)}/s, ${fmt(c.cpuUsPerRequest, 1)} us/req, target ${fmt(c.targetCorePct)}%`;
      console.log(
        `  round ${r + 1}: zerodrop ${cell(round.zerodrop)} (${fmt(round.zerodrop.peakRssMb)} MB)  with undici ${cell(round.zerodropUndici)}  engine-only ${cell(round.engine)} (${fmt(round.engine.peakRssMb)} MB)  autocannon ${cell(round.autocannon)} (${fmt(round.autocannon.peakRssMb)} MB)` +
          (round.wrk ? `  wrk ${cell(round.wrk)} (${fmt(round.wrk.peakRssMb)} MB)` : '') +
          `  Node's floor ${cell(round.nodeFloor)}` +
          `  x autocannon ${fmt(round.ratioAutocannon, 2)} (CPU ${fmt(round.cpuRatioAutocannon, 2)})` +
          (round.wrk ? `  x wrk ${fmt(round.ratioWrk, 2)} (CPU ${fmt(round.cpuRatioWrk, 2)})` : '') +
          `  (load avg ${fmt(round.loadavg, 1)})`,
      );
    }
    const summary = {
      zerodropRps: median(rounds.map((r) => r.zerodrop.rps)),
      autocannonRps: median(rounds.map((r) => r.autocannon.rps)),
      wrkRps: machine.wrk ? median(rounds.map((r) => r.wrk.rps)) : null,
      ratioAutocannon: median(rounds.map((r) => r.ratioAutocannon)),
      ratioWrk: machine.wrk ? median(rounds.map((r) => r.ratioWrk)) : null,
      cpuRatioAutocannon: median(rounds.map((r) => r.cpuRatioAutocannon)),
      cpuRatioWrk: machine.wrk ? median(rounds.map((r) => r.cpuRatioWrk).filter((x) => x !== undefined)) : null,
      zerodropCpuUsPerRequest: median(rounds.map((r) => r.zerodrop.cpuUsPerRequest)),
      autocannonCpuUsPerRequest: median(rounds.map((r) => r.autocannon.cpuUsPerRequest)),
      wrkCpuUsPerRequest: machine.wrk ? median(rounds.map((r) => r.wrk.cpuUsPerRequest)) : null,
      nodeFloorRps: median(rounds.map((r) => r.nodeFloor.rps)),
      nodeFloorCpuUsPerRequest: median(rounds.map((r) => r.nodeFloor.cpuUsPerRequest)),
      targetCorePctWithZerodrop: median(rounds.map((r) => r.zerodrop.targetCorePct ?? 0)),
      zerodropPeakRssMb: Math.max(...rounds.map((r) => r.zerodrop.peakRssMb)),
      zerodropUndiciRps: median(rounds.map((r) => r.zerodropUndici.rps)),
      leanOverUndici: median(rounds.map((r) => r.zerodrop.rps / r.zerodropUndici.rps)),
      engineOnlyRps: median(rounds.map((r) => r.engine.rps)),
      engineOnlyPeakRssMb: Math.max(...rounds.map((r) => r.engine.peakRssMb)),
      autocannonPeakRssMb: Math.max(...rounds.map((r) => r.autocannon.peakRssMb)),
      wrkPeakRssMb: machine.wrk ? Math.max(...rounds.map((r) => r.wrk.peakRssMb)) : null,
    };
    console.log(
      `  median: zerodrop ${fmt(summary.zerodropRps)}/s (lean client; ${fmt(summary.leanOverUndici, 2)}x the same CLI on undici), autocannon ${fmt(summary.autocannonRps)}/s` +
        (machine.wrk ? `, wrk ${fmt(summary.wrkRps)}/s` : '') +
        `; zerodrop/autocannon ${fmt(summary.ratioAutocannon, 2)} (target >= 1.10)` +
        (machine.wrk ? `, zerodrop/wrk ${fmt(summary.ratioWrk, 2)} (target >= 0.55)` : '') +
        `; peak RSS: zerodrop CLI ${fmt(summary.zerodropPeakRssMb)} MB, engine alone ${fmt(summary.engineOnlyPeakRssMb)} MB (target < 150)`,
    );
    console.log(
      `  CPU per request (the client's core; the CLI's includes its start-up and reports): zerodrop ${fmt(summary.zerodropCpuUsPerRequest, 1)} us, autocannon ${fmt(summary.autocannonCpuUsPerRequest, 1)} us` +
        (machine.wrk ? `, wrk ${fmt(summary.wrkCpuUsPerRequest, 1)} us` : '') +
        `, Node's floor ${fmt(summary.nodeFloorCpuUsPerRequest, 1)} us (${fmt(summary.nodeFloorRps)}/s)` +
        `; capacity ratios (their CPU per request over zerodrop's): x autocannon ${fmt(summary.cpuRatioAutocannon, 2)}` +
        (machine.wrk ? `, x wrk ${fmt(summary.cpuRatioWrk, 2)}` : '') +
        `; the target's core was ${fmt(summary.targetCorePctWithZerodrop)}% busy under zerodrop (near 100%: the target set the rate, and the rate ratios understate the client)`,
    );
    results[t.name] = { rounds, summary };
  }
  save('closed-model', { results });
  return results;
}

async function wrkOrAutocannonWarmup(url) {
  const saved = opts.duration;
  opts.duration = 2;
  try {
    await (machine.wrk ? wrk(url) : autocannon(url));
  } finally {
    opts.duration = saved;
  }
}

/** Open model accuracy: achieved rate vs asked, schedule lag, one worker. */
async function openBench(target, closedMaxRps) {
  const rates = [...opts.rates];
  const eighty = closedMaxRps ? Math.round((0.8 * closedMaxRps) / 100) * 100 : null;
  if (eighty !== null && !rates.includes(eighty)) rates.push(eighty);
  rates.sort((a, b) => a - b);
  console.log(
    `\nopen model accuracy against ${target.name} (one worker on core ${CLIENT_CORE}, ${OPEN_WARMUP_S} s warmup + ${opts.duration} s measured per rate${eighty !== null ? `; ${fmt(eighty)}/s is 80% of the closed-model max` : ''})`,
  );
  // The client core's own noise floor: how much of the time an idle loop there does not run.
  const probeRun = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'stall-probe.mjs'), String(opts.duration)]));
  const noise = JSON.parse(probeRun.stdout);
  console.log(
    `  noise floor of core ${CLIENT_CORE} (an idle event loop, ${noise.seconds} s): ${fmt(noise.gapsOver1ms)} gaps > 1 ms, ${fmt(noise.stalledMsPerSecond, 1)} ms/s stalled, max ${fmt(noise.maxGapMs, 1)} ms; ` +
      `${fmt(noise.shareLateBeyond2ms * 100, 2)}% of the time a request due would already be > 2 ms late (lag p99 < 2 ms needs < 1%)`,
  );
  // After a stall the backlog drains only as fast as the generator's spare share h of the core
  // allows, so lateness lasts ~1/h times the stall: the late share grows to ~share / h, and lag
  // p99 < 2 ms needs h > share / 1% whatever the generator does per request.
  noise.minSpareForLagTarget = Math.min(1, noise.shareLateBeyond2ms / 0.01);
  console.log(`  so on this core lag p99 < 2 ms needs the generator to leave at least ${fmt(noise.minSpareForLagTarget * 100)}% of the core idle (a stall's backlog drains at the spare share's pace)`);
  const rows = [];
  for (const rate of rates) {
    // A warmup, as a real run would have: a cold start (JIT, undici's parser, first connections)
    // is not what this measures. The figures are those of the measured phase.
    const z = await zerodrop(['--url', target.url, '--rate', String(rate), '--warmup', `${OPEN_WARMUP_S}s`, '--duration', `${opts.duration}s`, '--workers', '1']);
    const g = z.report.generator;
    const m = z.report.phases.find((p) => p.name === 'measure') ?? z.report.totals;
    const t = { sent: m.sent, unsent: m.unsent, failed: m.failed };
    // The phase's scheduled requests (sent + unsent) are exactly asked x its span, so the rate
    // achieved over that span is asked x sent / scheduled: no rounding of the phase's edges
    // (phases are cut on 100 ms intervals, requests counted by their scheduled start).
    const achieved = (rate * t.sent) / Math.max(1, t.sent + t.unsent);
    const row = {
      askedRps: rate,
      achievedRps: achieved,
      errorPct: ((achieved - rate) / rate) * 100,
      scheduled: t.sent + t.unsent,
      sent: t.sent,
      unsent: t.unsent,
      failed: t.failed,
      scheduleLagP99Ms: g.scheduleLagP99Ms,
      scheduleLagMaxMs: g.scheduleLagMaxMs,
      eventLoopDelayP99Ms: g.eventLoopDelayP99Ms,
      saturated: g.saturated,
      verdict: z.report.verdict,
      peakRssMb: z.peakRssMb,
      loadavg: loadavg()[0],
    };
    rows.push(row);
    console.log(
      `  asked ${fmt(rate)}/s: achieved ${fmt(row.achievedRps)}/s (${row.errorPct >= 0 ? '+' : ''}${fmt(row.errorPct, 2)}%), unsent ${fmt(row.unsent)}, lag p99 ${fmt(row.scheduleLagP99Ms, 2)} ms, max ${fmt(row.scheduleLagMaxMs, 1)} ms, ` +
        `event-loop p99 ${fmt(row.eventLoopDelayP99Ms, 1)} ms, saturated ${row.saturated}, RSS ${fmt(row.peakRssMb)} MB (load avg ${fmt(row.loadavg, 1)})`,
    );
  }
  save('open-model', { target: target.name, closedMaxRps: closedMaxRps ?? null, noiseFloor: noise, rows });
  return rows;
}

/** Open-model rates of the cost table (requests/s): a quiet run, the issue's three; 50% of the closed max is added. */
const OPEN_COST_RATES = [100, 1000, 5000, 20000];

/** hey at `rate` for the duration: its -q is per connection, so -c C -q rate/C. */
async function hey(url, rate) {
  const c = Math.max(2, Math.round(rate / 500));
  const r = await runMeasured(pin(CLIENT_CORE, ['hey', '-z', `${opts.duration}s`, '-c', String(c), '-q', String(rate / c), url]));
  const m = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`hey printed no rate: ${r.stdout.slice(0, 300)}${r.stderr.slice(0, 300)}`);
  const rps = Number(m[1]);
  return { connections: c, rps, cpuSeconds: r.cpuSeconds, cpuUsPerRequest: (r.cpuSeconds * 1e6) / Math.max(1, rps * opts.duration) };
}

/** wrk, one thread, closed model at C connections, as fast as it goes: the floor of what a request costs at that concurrency. */
async function wrkFloor(url, c) {
  const w = await runMeasured(pin(CLIENT_CORE, ['wrk', '-t1', `-c${c}`, `-d${opts.duration}s`, url]));
  const m = /(\d+) requests in ([\d.]+)s/.exec(w.stdout);
  if (!m) throw new Error(`wrk printed no count: ${w.stdout}${w.stderr}`);
  return { connections: c, rps: Number(m[1]) / Number(m[2]), cpuUsPerRequest: (w.cpuSeconds * 1e6) / Number(m[1]) };
}

/** zerodrop's engine alone, one worker, `rate`/s after a 2 s warmup (bench/engine-open.mjs). */
async function engineOpen(url, rate) {
  const e = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-open.mjs'), url, String(rate), String(opts.duration), '2']));
  const j = JSON.parse(e.stdout);
  // The measured run schedules exactly rate x duration requests: achieved = sent over that span.
  return { ...j, achievedRps: j.sent / opts.duration, eventLoopUtilization: j.eventLoopUtilization[0] };
}

/** Rates at which the open-cost table also runs bench/node-floor.mjs: where wake-ups, not requests, set the cost. */
const NODE_FLOOR_RATES = [100, 1000];

/** The floor of any Node client at `rate` (bench/node-floor.mjs open: a timer, a write and a read a request, nothing else). */
async function nodeFloor(url, rate) {
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'node-floor.mjs'), url, 'open', String(rate), String(opts.duration)]));
  return JSON.parse(r.stdout);
}

/** The closed-model maximum of the CLI from the closed bench of this run, or measured now (engine alone, 64 connections). */
async function closedMaxOf(target, closed) {
  const fromClosed = closed?.[target.name]?.summary.zerodropRps;
  if (fromClosed) return { rps: fromClosed, from: 'the closed-model bench of this run (CLI, median)' };
  const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-client.mjs'), target.url, String(opts.connections), String(opts.duration), '1']));
  return { rps: JSON.parse(r.stdout).rps, from: `the engine alone, ${opts.connections} connections, measured now` };
}

/**
 * The open-model table: what a request costs the client's core at 100, 1,000, 5,000 and 20,000
 * requests/s and at 50% of the closed-model maximum, zerodrop's engine (one worker) beside hey
 * at the same rate and core in the same round, with wrk at 2 and 4 connections (closed model, as
 * fast as it goes) as the floor of a request's cost at the concurrency an open model runs at.
 * Rounds interleaved: every rate and client once per round.
 */
async function openCostBench(target, closed) {
  const max = await closedMaxOf(target, closed);
  const half = Math.round((0.5 * max.rps) / 100) * 100;
  const rates = [...OPEN_COST_RATES];
  if (!rates.includes(half)) rates.push(half);
  rates.sort((a, b) => a - b);
  console.log(
    `\nopen model: CPU per request by rate against ${target.name}, zerodrop (engine, one worker, 2 s warmup) beside hey` +
      (machine.wrk ? ' and wrk at 2 and 4 connections' : '') +
      `, every client on core ${CLIENT_CORE}, ${opts.duration} s a run, ${opts.rounds} rounds interleaved; ${fmt(half)}/s is 50% of the closed-model max ${fmt(max.rps)}/s (${max.from})`,
  );
  if (!machine.hey) console.log('  hey is not installed (Debian: apt-get install hey; `npm run bench` installs it as root): no hey column');
  const perRate = new Map(rates.map((r) => [r, []]));
  const floors = [];
  for (let round = 0; round < opts.rounds; round++) {
    if (machine.wrk) {
      const f = { c2: await wrkFloor(target.url, 2), c4: await wrkFloor(target.url, 4) };
      floors.push(f);
      console.log(`  round ${round + 1} floor: wrk -c2 ${fmt(f.c2.cpuUsPerRequest, 1)} us/request (${fmt(f.c2.rps)}/s), wrk -c4 ${fmt(f.c4.cpuUsPerRequest, 1)} us/request (${fmt(f.c4.rps)}/s)`);
    }
    for (const rate of rates) {
      const z = await engineOpen(target.url, rate);
      const h = machine.hey ? await hey(target.url, rate) : null;
      const nf = NODE_FLOOR_RATES.includes(rate) ? await nodeFloor(target.url, rate) : null;
      const x = { zerodrop: z, hey: h, nodeFloor: nf, ratioHey: h ? z.usPerRequest / h.cpuUsPerRequest : null, loadavg: loadavg()[0] };
      perRate.get(rate).push(x);
      console.log(
        `  round ${round + 1}, ${fmt(rate)}/s: zerodrop ${fmt(z.usPerRequest, 1)} us/request (${fmt(z.steadyCorePct ?? (z.usPerRequest * rate) / 1e4, 1)}% of a core), achieved ${fmt(z.achievedRps)}/s, lag p99 ${fmt(z.lagP99Ms, 2)} ms max ${fmt(z.lagMaxMs, 1)}, unsent ${fmt(z.unsent)}, ELU ${fmt(z.eventLoopUtilization, 2)}` +
          (h ? `; hey (-c ${h.connections}) ${fmt(h.cpuUsPerRequest, 1)} us/request, achieved ${fmt(h.rps)}/s; zerodrop / hey ${fmt(x.ratioHey, 2)}` : '') +
          (nf ? `; Node's floor ${fmt(nf.steadyCorePct, 1)}% of a core` : '') +
          ` (load avg ${fmt(x.loadavg, 1)})`,
      );
    }
  }
  const med = (xs, f) => median(xs.map(f).filter((v) => v !== null && v !== undefined));
  const floor = machine.wrk ? { c2UsPerRequest: med(floors, (f) => f.c2.cpuUsPerRequest), c4UsPerRequest: med(floors, (f) => f.c4.cpuUsPerRequest), c2Rps: med(floors, (f) => f.c2.rps), c4Rps: med(floors, (f) => f.c4.rps) } : null;
  const rows = rates.map((rate) => {
    const xs = perRate.get(rate);
    return {
      rate,
      halfOfClosedMax: rate === half,
      zerodropUsPerRequest: med(xs, (x) => x.zerodrop.usPerRequest),
      heyUsPerRequest: machine.hey ? med(xs, (x) => x.hey.cpuUsPerRequest) : null,
      ratioHey: machine.hey ? med(xs, (x) => x.ratioHey) : null,
      zerodropAchievedRps: med(xs, (x) => x.zerodrop.achievedRps),
      heyAchievedRps: machine.hey ? med(xs, (x) => x.hey.rps) : null,
      lagP99Ms: med(xs, (x) => x.zerodrop.lagP99Ms),
      lagMaxMs: med(xs, (x) => x.zerodrop.lagMaxMs),
      unsent: med(xs, (x) => x.zerodrop.unsent),
      eventLoopUtilization: med(xs, (x) => x.zerodrop.eventLoopUtilization),
      steadyCorePct: med(xs, (x) => x.zerodrop.steadyCorePct),
      nodeFloorCorePct: med(xs, (x) => x.nodeFloor?.steadyCorePct),
      rounds: xs,
    };
  });
  console.log(`\n  open model, medians of ${opts.rounds} round(s) (zerodrop: engine, one worker; CPU per request in us; ELU: event-loop utilization)`);
  console.log(`  | rate | zerodrop CPU/req | hey CPU/req | zerodrop / hey | wrk -c2 / -c4 CPU/req (floor) | zerodrop achieved | hey achieved | lag p99 | lag max | unsent | ELU | share of a core | Node's floor |`);
  console.log(`  | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`);
  for (const r of rows) {
    console.log(
      `  | ${fmt(r.rate)}/s${r.halfOfClosedMax ? ' (50% of closed max)' : ''} | ${fmt(r.zerodropUsPerRequest, 1)} | ${fmt(r.heyUsPerRequest, 1)} | ${fmt(r.ratioHey, 2)} | ${floor ? `${fmt(floor.c2UsPerRequest, 1)} / ${fmt(floor.c4UsPerRequest, 1)}` : '-'} | ` +
        `${fmt(r.zerodropAchievedRps)}/s (${fmt(((r.zerodropAchievedRps - r.rate) / r.rate) * 100, 2)}%) | ${r.heyAchievedRps === null ? '-' : `${fmt(r.heyAchievedRps)}/s (${fmt(((r.heyAchievedRps - r.rate) / r.rate) * 100, 2)}%)`} | ` +
        `${fmt(r.lagP99Ms, 2)} ms | ${fmt(r.lagMaxMs, 1)} ms | ${fmt(r.unsent)} | ${fmt(r.eventLoopUtilization, 2)} | ${fmt(r.steadyCorePct ?? (r.zerodropUsPerRequest * r.rate) / 1e4, 1)}% | ${r.nodeFloorCorePct === null ? '-' : `${fmt(r.nodeFloorCorePct, 1)}%`} |`,
    );
  }
  // CPU per request / 10 = % of a core per 1,000 requests/s (1,000 x us = ms of CPU a second).
  const perThousand = rows.filter((r) => r.rate >= 1000).map((r) => r.zerodropUsPerRequest / 10);
  const low = rows.find((r) => r.rate === 100);
  console.log(
    `  a run costs ${fmt(Math.min(...perThousand), 1)}-${fmt(Math.max(...perThousand), 1)}% of a core per 1,000 requests/s from 1,000/s up (CPU per request / 10)` +
      (low ? `; at 100/s, ${fmt(low.steadyCorePct ?? (low.zerodropUsPerRequest * 100) / 1e4, 1)}% of a core (Node's floor: ${fmt(low.nodeFloorCorePct, 1)}%)` : ''),
  );
  save('open-cost', { target: target.name, closedMax: max, floor, rows });
  return rows;
}

/** How an open-model tick can wait (bench/wake-probe.mjs, no I/O): CPU and lateness of each way, by rate, on the client core. */
async function wakeBench() {
  console.log(`\nwake-ups of the open-model tick, measured alone (no I/O; bench/wake-probe.mjs on core ${CLIENT_CORE}, ${opts.duration} s a way and rate)`);
  const rows = [];
  for (const rate of [1000, 5000, 20000]) {
    const r = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'wake-probe.mjs'), String(rate), String(opts.duration)]));
    for (const line of r.stdout.trim().split('\n')) {
      const j = JSON.parse(line);
      rows.push(j);
      console.log(`  ${fmt(rate)}/s ${j.way.padEnd(11)}: ${fmt(j.usPerRequest, 1)} us/request (${fmt(j.corePct, 1)}% of a core), lag p50 ${fmt(j.lagP50Ms, 2)} ms, p99 ${fmt(j.lagP99Ms, 2)} ms, max ${fmt(j.lagMaxMs, 1)} ms (load avg ${fmt(loadavg()[0], 1)})`);
    }
  }
  save('wake', { rows });
  return rows;
}

/** Closed model with 1..cores workers; the client may use every core but the target's. */
/**
 * What a request costs the client's core at a few concurrencies: wrk and zerodrop's engine (closed
 * model, C connections), CPU microseconds per request from /proc. With few requests in flight the
 * target idles between them and each request must wake it (and, on a VM, the wake-up of another
 * vCPU is a hypervisor exit charged to the sender's write): an open-model run at a fixed rate keeps
 * only rate x latency requests in flight, so this is the regime it runs in, for any generator.
 */
async function concurrencyBench(target) {
  const levels = [2, 4, opts.connections];
  console.log(`\ncost per request by concurrency against ${target.name} (closed model, one client thread on core ${CLIENT_CORE}, ${opts.duration} s each)`);
  const rows = [];
  for (const c of levels) {
    const w = await runMeasured(pin(CLIENT_CORE, ['wrk', '-t1', `-c${c}`, `-d${opts.duration}s`, target.url]));
    const wm = /(\d+) requests in ([\d.]+)s/.exec(w.stdout);
    const e = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-client.mjs'), target.url, String(c), String(opts.duration), '1']));
    const ej = JSON.parse(e.stdout);
    const row = {
      connections: c,
      wrkRps: wm ? Number(wm[1]) / Number(wm[2]) : null,
      wrkUsPerRequest: wm ? (w.cpuSeconds * 1e6) / Number(wm[1]) : null,
      zerodropRps: ej.rps,
      // The engine's own account (the load alone, not node's start-up); wrk starts in microseconds.
      zerodropUsPerRequest: (ej.cpuSeconds * 1e6) / ej.sent,
    };
    rows.push(row);
    console.log(`  ${String(c).padStart(3)} connections: wrk ${fmt(row.wrkRps)}/s at ${fmt(row.wrkUsPerRequest, 1)} us CPU/request; zerodrop engine ${fmt(row.zerodropRps)}/s at ${fmt(row.zerodropUsPerRequest, 1)} us CPU/request`);
  }
  save('concurrency-cost', { target: target.name, rows });
  return rows;
}

async function scalingBench(target) {
  const clientCores = PIN ? Array.from({ length: CORES }, (_, i) => i).filter((c) => c !== TARGET_CORE) : [];
  console.log(
    `\nworker scaling against ${target.name}: closed model, ${opts.connections} connections, workers 1..${CORES}; client on core(s) ${clientCores.join(',') || 'any'}` +
      (CORES <= 2 ? ' (with 2 cores, both workers share the one client core: this shows the cost of threads, not their gain)' : ''),
  );
  const rows = [];
  for (let w = 1; w <= CORES; w++) {
    const core = PIN ? clientCores.join(',') : null;
    const z = await zerodropClosed(target.url, w, core);
    rows.push({ workers: w, rps: z.rps, peakRssMb: z.peakRssMb, eventLoopDelayP99Ms: z.eventLoopDelayP99Ms, loadavg: loadavg()[0] });
    console.log(`  ${w} worker(s): ${fmt(z.rps)}/s, peak RSS ${fmt(z.peakRssMb)} MB`);
  }
  save('worker-scaling', { target: target.name, rows });
  return rows;
}

// ---- main --------------------------------------------------------------------------------------

/**
 * Memory however long the run: the CLI as users run it (full accounting, every report written),
 * closed model at full speed, peak RSS of a SOAK_SHORT_SECONDS run against a --soak-seconds one,
 * with the long run's RSS sampled over time. Flat means intervals and histograms, not requests.
 */
async function soakBench(target) {
  const long = opts.soakSeconds;
  console.log(`\nmemory: the CLI at full speed (closed model, ${opts.connections} connections, one worker) against ${target.name}, ${SOAK_SHORT_SECONDS} s vs ${long} s (core ${CLIENT_CORE})`);
  const run = (seconds) => zerodrop(['--url', target.url, '--connections', String(opts.connections), '--duration', `${seconds}s`, '--workers', '1'], CLIENT_CORE, Math.max(1000, (seconds * 1000) / 30));
  const cases = [];
  for (const seconds of [SOAK_SHORT_SECONDS, long]) {
    const z = await run(seconds);
    const c = { seconds, sent: z.report.totals.sent, rps: Math.round(z.rps), peakRssMb: z.peakRssMb, exitCode: z.exitCode, samples: z.samples };
    cases.push(c);
    console.log(`  ${String(seconds).padStart(4)} s: ${fmt(c.sent)} requests (${fmt(c.rps)}/s), peak RSS ${c.peakRssMb} MB, exit ${c.exitCode}`);
    const every = Math.max(1, Math.floor(z.samples.length / 6));
    console.log(`         RSS over the run: ${z.samples.filter((_, i) => i % every === 0).map((x) => `${x.tS}s ${x.rssMb}`).join(', ')} MB`);
  }
  const ratio = cases[1].peakRssMb / cases[0].peakRssMb;
  console.log(`  peak RSS ${long} s / ${SOAK_SHORT_SECONDS} s: ${ratio.toFixed(3)} (target: no growth, i.e. <= 1 within sampling noise)`);
  save('soak', { benchmark: 'soak', at: new Date().toISOString(), machine, target: target.name, cases, peakRssRatio: ratio });
}

/**
 * What the run journal costs the generator: the CLI as users run it, with its journal and with
 * ZERODROP_JOURNAL=off (the bench's switch, not a user option), rounds interleaved. Closed model
 * at full speed (64 connections, one worker: requests per second), and the open model at 80% of
 * that pace (schedule lag p99 and unsent requests, where a stall of the generator's thread would
 * show). The journal's write is one write(2) a second plus a delta cut every 500 ms.
 */
async function journalBench(target) {
  console.log(`\nthe run journal's cost: the CLI with and without it against ${target.name} (one worker on core ${CLIENT_CORE}, ${opts.duration} s, ${opts.rounds} rounds interleaved)`);
  const off = { ...process.env, ZERODROP_JOURNAL: 'off' };
  const closed = (env) => zerodrop(['--url', target.url, '--connections', String(opts.connections), '--duration', `${opts.duration}s`, '--workers', '1'], CLIENT_CORE, 0, env);
  await wrkOrAutocannonWarmup(target.url);
  const rounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const on = await closed(process.env);
    const without = await closed(off);
    rounds.push({ closedOn: on.rps, closedOff: without.rps, ratio: on.rps / without.rps, cpuUsOn: on.cpuUsPerRequest, cpuUsOff: without.cpuUsPerRequest, journalBytes: on.journalBytes, peakRssOn: on.peakRssMb, peakRssOff: without.peakRssMb, loadavg: loadavg()[0] });
    console.log(
      `  closed round ${r + 1}: with journal ${fmt(on.rps)}/s, ${fmt(on.cpuUsPerRequest, 1)} us CPU/request (${fmt(on.peakRssMb)} MB, journal ${fmt(on.journalBytes / 1024)} KB)  without ${fmt(without.rps)}/s, ${fmt(without.cpuUsPerRequest, 1)} us CPU/request (${fmt(without.peakRssMb)} MB)  ratio ${fmt(on.rps / without.rps, 3)}  (load avg ${fmt(loadavg()[0], 1)})`,
    );
  }
  const rate = Math.round((0.8 * median(rounds.map((x) => x.closedOff))) / 100) * 100;
  const open = (env) => zerodrop(['--url', target.url, '--rate', String(rate), '--warmup', `${OPEN_WARMUP_S}s`, '--duration', `${opts.duration}s`, '--workers', '1'], CLIENT_CORE, 0, env);
  const openRounds = [];
  for (let r = 0; r < opts.rounds; r++) {
    const row = {};
    for (const [name, env] of [['on', process.env], ['off', off]]) {
      const z = await open(env);
      const m = z.report.phases.find((p) => p.name === 'measure') ?? z.report.totals;
      row[name] = { sent: m.sent, unsent: m.unsent, scheduleLagP99Ms: z.report.generator.scheduleLagP99Ms, scheduleLagMaxMs: z.report.generator.scheduleLagMaxMs, eventLoopDelayP99Ms: z.report.generator.eventLoopDelayP99Ms };
    }
    openRounds.push(row);
    console.log(
      `  open ${fmt(rate)}/s round ${r + 1}: with journal lag p99 ${fmt(row.on.scheduleLagP99Ms, 2)} ms, unsent ${fmt(row.on.unsent)}  without lag p99 ${fmt(row.off.scheduleLagP99Ms, 2)} ms, unsent ${fmt(row.off.unsent)}`,
    );
  }
  const summary = {
    closedRpsOn: median(rounds.map((x) => x.closedOn)),
    closedRpsOff: median(rounds.map((x) => x.closedOff)),
    closedRatio: median(rounds.map((x) => x.ratio)),
    cpuUsPerRequestOn: median(rounds.map((x) => x.cpuUsOn)),
    cpuUsPerRequestOff: median(rounds.map((x) => x.cpuUsOff)),
    openRate: rate,
    openLagP99On: median(openRounds.map((x) => x.on.scheduleLagP99Ms)),
    openLagP99Off: median(openRounds.map((x) => x.off.scheduleLagP99Ms)),
    openUnsentOn: median(openRounds.map((x) => x.on.unsent)),
    openUnsentOff: median(openRounds.map((x) => x.off.unsent)),
  };
  console.log(`  median: closed ${fmt(summary.closedRpsOn)}/s with vs ${fmt(summary.closedRpsOff)}/s without (ratio ${fmt(summary.closedRatio, 3)}), CPU ${fmt(summary.cpuUsPerRequestOn, 1)} vs ${fmt(summary.cpuUsPerRequestOff, 1)} us/request; open ${fmt(rate)}/s lag p99 ${fmt(summary.openLagP99On, 2)} vs ${fmt(summary.openLagP99Off, 2)} ms, unsent ${fmt(summary.openUnsentOn)} vs ${fmt(summary.openUnsentOff)}`);
  save('journal', { target: target.name, rounds, openRounds, summary });
}

/** HTTP/2 beside h2load: bench/http2.mjs, a process of its own (it starts its own nginx with TLS and http2). */
async function http2Bench() {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'http2.mjs'), '--rounds', String(Math.min(opts.rounds, 2)), '--duration', String(Math.min(opts.duration, 5)), '--out', OUT], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/http2.mjs exited ${r.status}`);
}

/**
 * HTTPS side by side (bench/engine-tls.mjs, its own nginx over TLS on TARGET_CORE): its defaults
 * are 2 rounds of 5 s; --rounds, --duration and --connections pass through when given.
 */
function tlsBench() {
  const given = (flag) => process.argv.includes(flag);
  const args = ['--out', OUT];
  if (given('--rounds')) args.push('--rounds', String(opts.rounds));
  if (given('--duration')) args.push('--duration', String(opts.duration));
  if (given('--connections')) args.push('--connections', String(opts.connections));
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'engine-tls.mjs'), ...args], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/engine-tls.mjs exited ${r.status}`);
}

async function main() {
  console.log(`zerodrop benchmarks: ${machine.cpu}, ${CORES} cores, node ${machine.node}; pinned: ${PIN}; nginx: ${machine.nginx}; wrk: ${machine.wrk}; hey: ${machine.hey}; load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (CORES < 2) console.log('  (one core: target and client share it; the numbers say little)');
  // The gRPC benchmark starts its own server; alone, it needs no HTTP target.
  const wanted = opts.only.every((o) => o === 'grpc' || o === 'window') ? [] : (opts.targets ?? (machine.nginx ? ['nginx', 'node'] : ['node']));
  const targets = [];
  let port = 18_180;
  for (const name of wanted) {
    if (name === 'nginx' && !machine.nginx) continue;
    targets.push(name === 'nginx' ? await startNginx(port++) : await startNodeTarget(port++));
  }
  const main = targets[0];
  let closed = null;
  if (opts.only.includes('closed')) closed = await closedBench(targets);
  if (opts.only.includes('concurrency')) {
    if (machine.wrk) await concurrencyBench(main);
    else console.log('\ncost per request by concurrency: skipped, it needs wrk (Debian: apt-get install wrk; `npm run bench` installs it as root)');
  }
  if (opts.only.includes('open')) await openBench(main, closed?.[main.name]?.summary.zerodropRps ?? null);
  // open-cpu: the earlier name of open-cost.
  if (opts.only.includes('open-cost') || opts.only.includes('open-cpu')) await openCostBench(main, closed);
  if (opts.only.includes('wake')) await wakeBench();
  if (opts.only.includes('window')) {
    const { windowBench } = await import('./open-window.mjs');
    await windowBench({ ROOT, opts, pin, runMeasured, startDaemon, waitForPort, save, fmt, median, TARGET_CORE, CLIENT_CORE, nginx: machine.nginx });
  }
  if (opts.only.includes('scaling')) await scalingBench(main);
  if (opts.only.includes('soak')) await soakBench(main);
  if (opts.only.includes('journal')) await journalBench(main);
  if (opts.only.includes('http2')) await http2Bench();
  if (opts.only.includes('tls')) tlsBench();
  if (opts.only.includes('grpc')) {
    const { grpcBench } = await import('./grpc.mjs');
    await grpcBench({ ROOT, opts, pin, runMeasured, startDaemon, waitForPort, zerodrop, save, fmt, median, TARGET_CORE, CLIENT_CORE });
  }
  console.log(`\nload avg at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} (a shared machine skews absolute numbers; ratios come from interleaved rounds)`);
  stopAll();
  for (const t of targets) if (t.dir) rmSync(t.dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  stopAll();
  process.exit(1);
});
