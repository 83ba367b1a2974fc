// The machine's own noise floor for schedule lag: an event loop with nothing to do but spin
// (setImmediate) on this core, measuring every gap between its turns. A gap is time the process
// did not run: the vCPU descheduled, an interrupt storm, another process on the core. No load
// generator on this core can start a request on time inside such a gap.
// Usage: node bench/stall-probe.mjs SECONDS. Prints one JSON line.
const seconds = Number(process.argv[2] ?? 5);
const gaps = [];
let last = performance.now();
const end = last + seconds * 1000;
function turn() {
  const now = performance.now();
  if (now - last > 1) gaps.push(now - last);
  last = now;
  if (now < end) setImmediate(turn);
  else report();
}
function report() {
  gaps.sort((a, b) => b - a);
  const beyond2 = gaps.reduce((s, g) => s + Math.max(0, g - 2), 0);
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      gapsOver1ms: gaps.length,
      stalledMsPerSecond: gaps.reduce((s, g) => s + g, 0) / seconds,
      maxGapMs: gaps[0] ?? 0,
      // Share of the time a request falling due would already be more than 2 ms late.
      shareLateBeyond2ms: beyond2 / (seconds * 1000),
    })}\n`,
  );
}
setImmediate(turn);
