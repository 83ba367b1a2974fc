// The send-ahead window benchmark of bench/run.mjs (`node bench/run.mjs --only window`): the
// open-model engine (bench/engine-window.mjs, one worker, 1 s warmup) at a few rates with a few
// send-ahead windows (LoadOptions.sendAheadMs, src/traffic/send-window.ts), side by side in the
// same rounds (the windows' order rotates from round to round): schedule lag p50 / p99 / max, CPU
// per request and share of a core, achieved rate, unsent, and what the target sees: nginx on the
// target core logs every request's time ($msec, ms resolution), or without nginx
// bench/arrival-target.mjs (a Node target, slower: at 20,000/s it is the bottleneck) stamps it;
// bench/arrival-shape.mjs says how evenly the arrivals fall into 1 ms and 10 ms buckets.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { arrivalShape } from './arrival-shape.mjs';
import { writeNginxConf } from './lib/nginx.mjs';

/** nginx that logs each request's time ($msec) and path: the arrivals after the last /__reset are the measured run's. */
async function startLoggingNginx(h, port) {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-bench-window-'));
  const log = join(dir, 'arrivals.log');
  const conf = writeNginxConf(dir, { listen: `127.0.0.1:${port}`, http: ["log_format stamps '$msec $uri';", `access_log ${log} stamps buffer=1m flush=100ms;`] });
  h.startDaemon(h.pin(h.TARGET_CORE, ['nginx', '-c', conf, '-p', dir]));
  await h.waitForPort(port);
  return {
    url: `http://127.0.0.1:${port}/`,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
    async shape(rate) {
      await new Promise((r) => setTimeout(r, 300)); // the log's flush
      const lines = readFileSync(log, 'utf8').split('\n');
      let from = 0;
      for (let i = lines.length - 1; i >= 0; i--) if (lines[i].endsWith(' /__reset')) { from = i + 1; break; }
      const times = [];
      for (let i = from; i < lines.length; i++) if (lines[i].length > 0) times.push(Number(lines[i].slice(0, lines[i].indexOf(' '))) * 1000);
      return arrivalShape(times, rate, 1000);
    },
  };
}

/** The Node target that stamps arrivals (bench/arrival-target.mjs). */
async function startNodeArrivals(h, port) {
  h.startDaemon(h.pin(h.TARGET_CORE, [process.execPath, join(h.ROOT, 'bench', 'arrival-target.mjs'), String(port)]));
  await h.waitForPort(port);
  const url = `http://127.0.0.1:${port}/`;
  return { url, dispose: () => {}, shape: async (rate) => (await fetch(`${url}__stats?rate=${rate}&trimMs=1000`)).json() };
}

/** Rates (requests/s; `--rates` replaces them) and windows (ms; `--windows`) compared; 0 is the tick without a window. */
const WINDOW_RATES = [100, 1000, 5000, 20000];
const WINDOWS_MS = [0, 0.5, 1, 1.5];

/**
 * Runs the benchmark with run.mjs's helpers: `h` = { ROOT, opts, pin, runMeasured, startDaemon,
 * waitForPort, save, fmt, median, TARGET_CORE, CLIENT_CORE, nginx (installed) }.
 */
export async function windowBench(h) {
  const { ROOT, opts, pin, runMeasured, save, fmt, median, TARGET_CORE, CLIENT_CORE } = h;
  const rates = opts.ratesGiven ? opts.rates : WINDOW_RATES;
  const windows = opts.windows ?? WINDOWS_MS;
  const port = 18_270;
  const target = h.nginx ? await startLoggingNginx(h, port) : await startNodeArrivals(h, port);
  const url = target.url;
  console.log(
    `\nsend-ahead window: the open-model engine (one worker, 1 s warmup, ${opts.duration} s measured) on core ${CLIENT_CORE}, windows ${windows.join(' / ')} ms side by side, ${opts.rounds} rounds; ${h.nginx ? 'nginx (access log, $msec)' : 'bench/arrival-target.mjs'} on core ${TARGET_CORE} stamps the arrivals (1 s trimmed at each end)`,
  );
  const runs = [];
  for (let round = 0; round < opts.rounds; round++) {
    for (const rate of rates) {
      for (let k = 0; k < windows.length; k++) {
        const w = windows[(k + round) % windows.length];
        const load = loadavg()[0];
        const e = await runMeasured(pin(CLIENT_CORE, [process.execPath, join(ROOT, 'bench', 'engine-window.mjs'), url, String(rate), String(opts.duration), '1', String(w)]));
        const j = JSON.parse(e.stdout.trim().split('\n').pop());
        const arrivals = await target.shape(rate);
        const x = { round, rate, windowMs: w, loadavg: load, ...j, achievedRps: j.sent / opts.duration, target: arrivals };
        runs.push(x);
        console.log(
          `  round ${round + 1} ${fmt(rate)}/s W=${w} ms: lag p50 ${fmt(j.lagP50Ms, 2)} p90 ${fmt(j.lagP90Ms, 2)} p99 ${fmt(j.lagP99Ms, 2)} max ${fmt(j.lagMaxMs, 1)} ms, ${fmt(j.usPerRequest, 1)} us/request (${fmt(j.steadyCorePct, 1)}% of a core), ${fmt(x.achievedRps)}/s, unsent ${j.unsent}; ` +
            `target 1 ms: cv ${fmt(arrivals.ms1.cv, 2)} p99 ${arrivals.ms1.p99} max ${arrivals.ms1.max} empty ${fmt(100 * arrivals.ms1.emptyShare, 0)}%; 10 ms: cv ${fmt(arrivals.ms10.cv, 3)} p1 ${arrivals.ms10.p1} p99 ${arrivals.ms10.p99} (load avg ${fmt(load, 1)})`,
        );
      }
    }
  }
  const summary = [];
  for (const rate of rates) {
    for (const w of windows) {
      const rs = runs.filter((r) => r.rate === rate && r.windowMs === w);
      const col = (f) => {
        const v = rs.map(f).filter((y) => typeof y === 'number' && Number.isFinite(y));
        return { median: median(v), min: Math.min(...v), max: Math.max(...v) };
      };
      summary.push({
        rate,
        windowMs: w,
        lagP50Ms: col((r) => r.lagP50Ms),
        lagP90Ms: col((r) => r.lagP90Ms),
        lagP99Ms: col((r) => r.lagP99Ms),
        lagMaxMs: col((r) => r.lagMaxMs),
        usPerRequest: col((r) => r.usPerRequest),
        steadyCorePct: col((r) => r.steadyCorePct),
        achievedRps: col((r) => r.achievedRps),
        unsent: col((r) => r.unsent),
        target1msCv: col((r) => r.target.ms1.cv),
        target1msP99: col((r) => r.target.ms1.p99),
        target1msEmpty: col((r) => r.target.ms1.emptyShare),
        target10msCv: col((r) => r.target.ms10.cv),
        target10msP1: col((r) => r.target.ms10.p1),
        target10msP99: col((r) => r.target.ms10.p99),
        loadavg: col((r) => r.loadavg),
      });
    }
  }
  const range = (c, d = 2) => `${fmt(c.median, d)} (${fmt(c.min, d)}-${fmt(c.max, d)})`;
  console.log('\n  | rate | window | lag p50 ms | lag p90 ms | lag p99 ms | lag max ms | us/request | share of a core | achieved/s | unsent | target 1 ms: cv, p99, empty | target 10 ms: cv, p1-p99 |');
  for (const s of summary) {
    console.log(
      `  | ${fmt(s.rate)}/s | ${s.windowMs} ms | ${range(s.lagP50Ms)} | ${range(s.lagP90Ms)} | ${range(s.lagP99Ms)} | ${range(s.lagMaxMs, 1)} | ${range(s.usPerRequest, 1)} | ${range(s.steadyCorePct, 1)}% | ${fmt(s.achievedRps.median)} | ${fmt(s.unsent.median)} | ${fmt(s.target1msCv.median, 2)}, ${fmt(s.target1msP99.median)}, ${fmt(100 * s.target1msEmpty.median, 0)}% | ${fmt(s.target10msCv.median, 3)}, ${fmt(s.target10msP1.median)}-${fmt(s.target10msP99.median)} |`,
    );
  }
  target.dispose();
  save('window', { target: h.nginx ? 'nginx' : 'node', rates, windowsMs: windows, runs, summary });
  return summary;
}
