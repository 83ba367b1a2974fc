import type { LivePhase } from '../runner/execute-run.js';
import type { LoadProgress } from '../traffic/engine.js';

/** One progress line: elapsed, phase, rate, failures, p99. */
export function progressLine(phase: LivePhase, p: LoadProgress): string {
  const secs = (p.elapsedMs / 1000).toFixed(1).padStart(6);
  const rate = Math.round(p.recentRate).toString().padStart(6);
  const failedPct = p.sent > 0 ? ((100 * p.failed) / p.sent).toFixed(3) : '0.000';
  const p99 = p.recentP99Ms === null ? '   -' : `${p.recentP99Ms.toFixed(1)}ms`;
  const unsent = p.unsent > 0 ? `  unsent ${p.unsent}` : '';
  return `${secs}s  ${phase.padEnd(8)}  ${rate} req/s  sent ${p.sent}  failed ${p.failed} (${failedPct}%)  p99 ${p99}  in flight ${p.inFlight}${unsent}`;
}

/**
 * Writes progress the way the output wants it: a line rewritten in place on a terminal, a plain
 * line every few seconds otherwise (CI logs), nothing when quiet.
 */
export function progressWriter(
  out: { write(s: string): unknown; isTTY?: boolean | undefined },
  opts: { quiet: boolean; plainEveryMs?: number },
): { update(phase: LivePhase, p: LoadProgress): void; done(): void } {
  let lastPlain = -Infinity;
  let drawn = false;
  const every = opts.plainEveryMs ?? 5000;
  return {
    update(phase, p) {
      if (opts.quiet) return;
      if (out.isTTY) {
        out.write(`\r\x1b[2K${progressLine(phase, p)}`);
        drawn = true;
      } else if (p.elapsedMs - lastPlain >= every) {
        lastPlain = p.elapsedMs;
        out.write(`${progressLine(phase, p)}\n`);
      }
    },
    done() {
      if (drawn) out.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
