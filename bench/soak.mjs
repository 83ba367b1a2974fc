// Memory over a long run: the engine (dist/ build) against a URL, closed model, RSS and heap
// sampled every few seconds. Flat means the recorder keeps intervals and histograms, not requests.
// Usage: node bench/soak.mjs URL [SECONDS=120] [CONNECTIONS=64]
// Writes reports/bench/soak-latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClock } from '../dist/src/clock.js';
import { startLoad } from '../dist/src/traffic/engine.js';

const [url, seconds = '120', connections = '64'] = process.argv.slice(2);
const clock = startClock();
const handle = startLoad(
  { url, method: 'GET', headers: {}, model: 'closed', connections: Number(connections), durationMs: Number(seconds) * 1000, timeoutMs: 2000, keepAlive: true, workers: 1 },
  clock,
);
const samples = [];
const every = Math.max(1000, (Number(seconds) * 1000) / 24);
const timer = setInterval(() => {
  const m = process.memoryUsage();
  const p = handle.progress();
  const s = { tS: Math.round(clock.nowMs() / 100) / 10, sent: p.sent, rssMb: Math.round(m.rss / 1e5) / 10, heapUsedMb: Math.round(m.heapUsed / 1e5) / 10 };
  samples.push(s);
  console.log(`  t=${s.tS}s sent=${s.sent} rss=${s.rssMb} MB heapUsed=${s.heapUsedMb} MB`);
}, every);
const r = await handle.done;
clearInterval(timer);
const t = r.recorder.totals();
const rest = samples.filter((s) => s.tS > Number(seconds) / 4);
const growthMb = rest.length > 1 ? rest.at(-1).rssMb - rest[0].rssMb : 0;
console.log(`soak: ${t.sent} requests in ${seconds} s; RSS from the first quarter on: ${rest[0]?.rssMb} -> ${rest.at(-1)?.rssMb} MB (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB)`);
const out = join(fileURLToPath(new URL('..', import.meta.url)), 'reports', 'bench');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'soak-latest.json'), `${JSON.stringify({ benchmark: 'soak', at: new Date().toISOString(), seconds: Number(seconds), sent: t.sent, growthMb, samples }, null, 2)}\n`);
