// How an open-model tick can wait for its next due request, measured alone (no I/O): the CPU each
// way costs per request and how late it wakes (schedule lag p50/p99/max), at one rate.
// Usage: node bench/wake-probe.mjs RATE SECONDS  -> one JSON line per way.
//
// Ways: "timer" (what the engine does: setTimeout of whole ms, open-wake.ts, and every request
// due by the wake-up goes out), "immediate" (re-run on the next event-loop turn until due: the old
// spinning loop), "atomics" (the sub-ms rest of a wait slept in the thread with Atomics.wait on a
// SharedArrayBuffer, then back to the event loop with setImmediate so I/O is read between sends),
// "atomics-0.5" (the same, but a wake-up at most every 0.5 ms: a batch window), and "poll" (a
// timer of 0 ms: libuv's poll with its ms timeout, i.e. the next loop turn after pending I/O).
import { wakeDelayMs } from '../dist/src/traffic/open-wake.js';

const rate = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 4);
const gap = 1000 / rate;
const cell = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.now();

function run(way) {
  return new Promise((resolve) => {
    const lags = [];
    const start = now() + 50;
    const end = start + seconds * 1000;
    let next = 0;
    const window = way === 'atomics-0.5' ? 0.5 : 0;
    let lastWake = 0;
    const c0 = process.cpuUsage();
    const tick = () => {
      let t = now();
      if (t >= end) {
        const c = process.cpuUsage(c0);
        lags.sort((a, b) => a - b);
        const q = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
        resolve({ way, rate, sent: lags.length, usPerRequest: (c.user + c.system) / lags.length, corePct: (c.user + c.system) / 1e4 / seconds, lagP50Ms: q(0.5), lagP99Ms: q(0.99), lagMaxMs: lags[lags.length - 1] });
        return;
      }
      let due = start + next * gap;
      if ((way === 'atomics' || way === 'atomics-0.5') && due > t && due - t < 1) {
        // Sleep the sub-ms rest in the thread (no I/O is read meanwhile), honouring the window.
        const until = Math.max(due, lastWake + window);
        Atomics.wait(cell, 0, 0, until - t);
        t = now();
      }
      lastWake = t;
      while (due <= t) {
        lags.push(t - due);
        next++;
        due = start + next * gap;
      }
      const wait = due - t;
      if (way === 'immediate') setImmediate(tick);
      else if (way === 'poll') setTimeout(tick, 0);
      else if (way === 'atomics' || way === 'atomics-0.5') {
        if (wait < 1) setImmediate(tick);
        else setTimeout(tick, Math.floor(wait));
      } else {
        const d = wakeDelayMs(wait);
        if (d === 0) setImmediate(tick);
        else setTimeout(tick, d);
      }
    };
    setTimeout(tick, 50);
  });
}

for (const way of ['timer', 'immediate', 'atomics', 'atomics-0.5', 'poll']) {
  process.stdout.write(`${JSON.stringify(await run(way))}\n`);
}
