import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/**
 * The HTTPS benchmark (`node bench/run.mjs --only tls`, bench/engine-tls.mjs) run for real, as
 * briefly as it goes, so that it cannot rot between measurements. The numbers mean nothing here;
 * it needs nginx, wrk and openssl (it says how to install a missing one and fails).
 */
describe('the HTTPS benchmark (bench/run.mjs --only tls)', () => {
  it('runs wrk, the CLI on lean and on undici, and the engine alone against nginx over TLS, every request answered', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-tls-'));
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'run.mjs'), '--only', 'tls', '--rounds', '1', '--duration', '1', '--connections', '8', '--targets', 'node', '--no-setup', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'close');
    expect(code, stdout + stderr).toBe(0);

    const tls = JSON.parse(readFileSync(join(out, 'tls-latest.json'), 'utf8'));
    const [round] = tls.rounds;
    expect(round.lean.client).toBe('lean');
    expect(round.undici.client).toBe('undici');
    for (const c of [round.wrk, round.lean, round.undici, round.engineLean, round.engineUndici]) expect(c.rps).toBeGreaterThan(0);
    for (const c of [round.wrk, round.lean, round.undici, round.engineLean, round.engineUndici]) expect(c.failed).toBe(0);
    expect(tls.summary.leanRatioWrk).toBeCloseTo(round.lean.rps / round.wrk.rps, 6);
    expect(stdout).toMatch(/median: wrk [\d,]+\/s, lean [\d,]+\/s \(x wrk \d\.\d\d\)/);
  }, 120_000);
});
