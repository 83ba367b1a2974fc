import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/**
 * `npm run bench` is how the generator's targets are checked: this runs its harness for real, as
 * briefly as it goes (one round of one second against the Node target), so that the harness
 * cannot rot between the times someone measures with it. The numbers themselves mean nothing here.
 */
describe('the benchmark harness (bench/run.mjs)', () => {
  it('runs every client side by side and writes the ratios it prints', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-'));
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'run.mjs'), '--only', 'closed,concurrency,open-cost', '--rounds', '1', '--duration', '1', '--connections', '8', '--targets', 'node', '--no-setup', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'close');
    expect(code, stdout + stderr).toBe(0);

    const closed = JSON.parse(readFileSync(join(out, 'closed-model-latest.json'), 'utf8'));
    const s = closed.results.node.summary;
    expect(s.zerodropRps).toBeGreaterThan(0);
    expect(s.autocannonRps).toBeGreaterThan(0);
    expect(s.ratioAutocannon).toBeCloseTo(s.zerodropRps / s.autocannonRps, 6);
    expect(s.zerodropPeakRssMb).toBeGreaterThan(20);
    // Node's floor (bench/node-floor.mjs) ran beside them, and every client's CPU per request is known.
    expect(s.nodeFloorRps).toBeGreaterThan(0);
    expect(s.nodeFloorCpuUsPerRequest).toBeGreaterThan(0);
    expect(s.cpuRatioAutocannon).toBeCloseTo(s.autocannonCpuUsPerRequest / s.zerodropCpuUsPerRequest, 1);
    expect(stdout).toMatch(/capacity ratios \(their CPU per request over zerodrop's\): x autocannon [\d.]+/);
    expect(stdout).toMatch(/zerodrop\/autocannon \d+\.\d\d \(target >= 1\.10\)/);
    if (closed.machine.wrk) {
      expect(s.ratioWrk).toBeGreaterThan(0);
      const cost = JSON.parse(readFileSync(join(out, 'concurrency-cost-latest.json'), 'utf8'));
      expect(cost.rows.map((r: { connections: number }) => r.connections)).toEqual([2, 4, 8]);
      for (const r of cost.rows) expect(r.zerodropUsPerRequest).toBeGreaterThan(0);
    } else {
      expect(s.ratioWrk).toBeNull();
      expect(stdout).toContain('skipped, it needs wrk');
    }
    // The open-model table: the rates and 50% of the closed max just measured, beside hey.
    const open = JSON.parse(readFileSync(join(out, 'open-cost-latest.json'), 'utf8'));
    const half = Math.round((0.5 * s.zerodropRps) / 100) * 100;
    expect(open.closedMax.rps).toBe(s.zerodropRps);
    expect(open.rows.map((r: { rate: number }) => r.rate)).toEqual([100, 1000, 5000, 20000, half].sort((a, b) => a - b).filter((r, i, a) => a.indexOf(r) === i));
    for (const r of open.rows) {
      expect(r.zerodropUsPerRequest).toBeGreaterThan(0);
      expect(r.zerodropAchievedRps).toBeGreaterThan(0);
      expect(r.lagP99Ms).not.toBeNull();
      // Where wake-ups set the cost, Node's own floor runs in the same rounds.
      if (r.rate === 100 || r.rate === 1000) expect(r.nodeFloorCorePct).toBeGreaterThan(0);
      else expect(r.nodeFloorCorePct).toBeNull();
      if (closed.machine.hey) expect(r.ratioHey).toBeCloseTo(r.rounds[0].zerodrop.usPerRequest / r.rounds[0].hey.cpuUsPerRequest, 6);
      else expect(r.heyUsPerRequest).toBeNull();
    }
    expect(stdout).toContain('| rate | zerodrop CPU/req | hey CPU/req | zerodrop / hey |');
    expect(stdout).toMatch(/a run costs [\d.]+-[\d.]+% of a core per 1,000 requests\/s/);
  }, 240_000);

  it('runs the gRPC benchmark: zerodrop, its engine and a plain grpc-js loop against the demo gRPC server', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-grpc-'));
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'run.mjs'), '--only', 'grpc', '--rounds', '1', '--duration', '1', '--connections', '4', '--no-setup', '--out', out], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'close');
    expect(code, stdout + stderr).toBe(0);
    const { rounds, summary } = JSON.parse(readFileSync(join(out, 'grpc-latest.json'), 'utf8'));
    expect(rounds).toHaveLength(1);
    expect(rounds[0].zerodropFailed).toBe(0);
    expect(rounds[0].grpcJsFailed).toBe(0);
    expect(summary.zerodropCallsPerSec).toBeGreaterThan(0);
    expect(summary.engineCallsPerSec).toBeGreaterThan(0);
    expect(summary.grpcJsCallsPerSec).toBeGreaterThan(0);
    expect(summary.ratio).toBeCloseTo(summary.zerodropCallsPerSec / summary.grpcJsCallsPerSec, 6);
    expect(stdout).toMatch(/median: zerodrop CLI [\d,]+ calls\/s/);
  }, 120_000);

  it('runs the send-ahead window benchmark: each window side by side, and the target counts exactly the measured run', async () => {
    const out = mkdtempSync(join(tmpdir(), 'zerodrop-bench-window-'));
    const args = ['--only', 'window', '--rounds', '1', '--duration', '4', '--rates', '1000', '--windows', '0,1', '--no-setup', '--out', out];
    const child = spawn(process.execPath, [join(repoRoot, 'bench', 'run.mjs'), ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'close');
    expect(code, stdout + stderr).toBe(0);
    const { runs, summary } = JSON.parse(readFileSync(join(out, 'window-latest.json'), 'utf8'));
    expect(runs.map((r: { windowMs: number }) => r.windowMs).sort()).toEqual([0, 1]);
    for (const r of runs) {
      // The schedule of 4 s at 1,000/s, each request sent or unsent; the target saw every sent one.
      expect(r.sent + r.unsent).toBe(4000);
      expect(r.target.arrivals).toBe(r.sent);
      expect(r.target.ms10.buckets).toBeGreaterThan(100);
      expect(r.lagP50Ms).not.toBeNull();
    }
    expect(summary).toHaveLength(2);
    expect(stdout).toContain('| rate | window | lag p50 ms | lag p90 ms | lag p99 ms |');
  }, 120_000);
});
