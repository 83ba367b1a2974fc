import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, startCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-agents-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
/** Agent processes still alive (the emulator runs the agent image as `node <repo>/bin/zerodrop.js agent`). */
const agentProcesses = (): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`${join(repoRoot, 'bin', 'zerodrop.js')} agent`));

describe('zerodrop run --agents on the embedded emulator', () => {
  it('scenarios/emulator-distributed.yaml: three agents, one exact report', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-distributed.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stdout + r.stderr).toBe(true);
    const report = readReport(out);
    expect(report.agents.map((a: { status: string }) => a.status), JSON.stringify(report.agents)).toEqual(['completed', 'completed', 'completed']);
    expect(report.agents.map((a: { pod: string }) => a.pod)).toEqual([expect.stringMatching(/-0-/), expect.stringMatching(/-1-/), expect.stringMatching(/-2-/)]);
    for (const a of report.agents) expect(typeof a.clockSkewMs).toBe('number');
    expect(report.totals.sent).toBe(report.agents.reduce((n: number, a: { sent: number }) => n + a.sent, 0));
    expect(report.totals.failed, JSON.stringify(report.failures)).toBe(0);
    expect(report.checks.find((c: { id: string }) => c.id === 'rollout-completed')?.status).toBe('pass');
    // 450/s over the rollout and a 5 s cooldown: more than the 2,995 requests a pass needs. A
    // loaded machine may make the generator fall behind: then inconclusive, never because of the agents.
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    expect(report.reasons.join('\n')).not.toMatch(/agent \d \(pod/);
    expect(agentProcesses()).toEqual([]);
  });

  it('three agents against a local target: the report counts equal what the target served', async () => {
    let served = 0;
    const server = createServer((_q, res) => {
      served++;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const dir = tmp();
    const scenario = join(dir, 'scenario.yaml');
    writeFileSync(
      scenario,
      [
        'kubernetes:',
        `  emulator: {manifests: [${join(repoRoot, 'scenarios', 'apps', 'demo-graceful.yaml')}]}`,
        '  deployment: demo-graceful',
        `target: {url: "${url}", timeout: 1s}`,
        'load: {rate: 150, duration: 3s, agents: {count: 3, startDelay: 10s}}',
      ].join('\n'),
    );
    try {
      const r = await runCli(['run', scenario, '--out', join(dir, 'out'), '--quiet']);
      const report = readReport(join(dir, 'out'));
      expect(report.agents, r.stderr).toHaveLength(3);
      // The coordinator's reachability check is recorded: together with the totals, exactly what the target served.
      expect(report.reachability).toMatchObject({ method: 'GET', probe: 'request', requests: 1 });
      expect(report.totals.sent + report.reachability.requests).toBe(served);
      expect(report.totals.sent).toBe(report.agents.reduce((n: number, a: { sent: number }) => n + a.sent, 0));
      expect(report.totals.sent).toBeGreaterThan(300);
      // 150/s for 3 s (450 requests) is a test of the counts, too small to ever pass: inconclusive, and it says why.
      expect(report.verdict, report.reasons.join('\n')).toBe('inconclusive');
      expect(report.checks.find((c: { id: string }) => c.id === 'failure-budget')?.message).toMatch(/^too few requests to be sure/);
      expect(r.code).toBe(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it.each<[string, NodeJS.Signals[]]>([
    ['Ctrl-C', ['SIGINT']],
    ['Ctrl-C, then SIGTERM (stop waiting for the agents)', ['SIGINT', 'SIGTERM']],
  ])('%s mid-run: exit 130, the report names the agents, no agent process is left', async (_name, signals) => {
    const out = tmp();
    const { child, result } = startCli(['run', 'scenarios/emulator-distributed.yaml', '--out', out]);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!/started 3 load agents/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Past the shared start (10 s), into the load.
    await new Promise((r) => setTimeout(r, 13_000));
    for (const [i, signal] of signals.entries()) {
      child.kill(signal);
      const taken = i === 0 ? `${signal} received: ` : `${signal} received again: `;
      const until = Date.now() + 20_000;
      while (!stderr.includes(taken) && child.exitCode === null && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    }
    const r = await result;
    expect(r.code, r.stderr).toBe(130);
    if (signals.length > 1) expect(r.stderr).toContain('received again: not waiting for requests in flight');
    const report = readReport(out);
    expect(report.aborted).toBe(true);
    expect(report.agents).toHaveLength(3);
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(agentProcesses()).toEqual([]);
  });
});
