import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-sweep-e2e-'));

describe('zerodrop sweep: the command line', () => {
  it('--help explains the fields, the output and the exit codes, with examples', async () => {
    const r = await runCli(['sweep', '--help']);
    expect(r.code).toBe(0);
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const text of ['--vary', '--case', '--repeat', 'preStopSeconds', 'maxUnavailable', 'strategy.rollingUpdate.maxSurge', 'sweep.json', 'Exit code', 'Examples:', 'zerodrop sweep scenarios/emulator-graceful.yaml', '--vary maxSurge=0,1,25%']) {
      expect(flat).toContain(text);
    }
  });

  it.each<[string, string[], RegExp]>([
    ['an unknown field, with a suggestion', ['scenarios/sweep-prestop.yaml', '--vary', 'maxSurj=0,1'], /did you mean "maxSurge"/],
    ['a bad value', ['scenarios/sweep-prestop.yaml', '--vary', 'maxSurge=150%'], /maxSurge: "150%"/],
    ['nothing to sweep', ['scenarios/emulator-graceful.yaml'], /nothing to sweep/],
    ['a scenario without a Deployment, and a bad --repeat, at once', ['scenarios/apps/../emulator-graceful.yaml', '--url', 'http://127.0.0.1:1/', '--deployment', '', '--vary', 'replicas=1,2', '--repeat', '0'], /kubernetes.deployment[\s\S]*--repeat|--repeat[\s\S]*kubernetes.deployment/],
    ['a scenario that does not exist', ['nope.yaml', '--vary', 'replicas=1,2'], /no scenario file/],
  ])('exits 3 on %s', async (_name, args, message) => {
    const r = await runCli(['sweep', ...args]);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(message);
  });

  it('exits 3 when every combination is invalid, listing why', async () => {
    const r = await runCli(['sweep', 'scenarios/sweep-prestop.yaml', '--vary', 'maxSurge=0', '--vary', 'maxUnavailable=0', '--vary', 'preStopSeconds=0,40', '--quiet']);
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(/both resolve to 0/);
    expect(r.stderr).toMatch(/preStop sleep \(40 s\) is longer than terminationGracePeriodSeconds \(30 s\)/);
  });

  it('Ctrl-C mid-sweep exits 130, writes the partial results and restores the Deployment', async () => {
    const out = tmp();
    const { child, result } = startCli(['sweep', 'scenarios/sweep-prestop.yaml', '--rate', '100', '--cooldown', '1s', '--out', out]);
    let stderr = '';
    let sent = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never started measuring:\n${stderr}`)), 50_000);
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!sent && stderr.includes('measuring the release under load')) {
          sent = true;
          clearTimeout(timer);
          setTimeout(() => {
            child.kill('SIGINT');
            resolve();
          }, 2500);
        }
      });
    });
    const r = await result;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT received: stopping the sweep, restoring the Deployment/);
    expect(r.stderr).not.toMatch(/received again/);
    const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    expect(sweep.aborted).toBe(true);
    expect(sweep.restore.status, r.stderr).toBe('restored');
    const first = sweep.cases.find((c: { n: number }) => c.n === 1);
    expect(first.repeats[0].aborted).toBe(true);
    expect(first.report.aborted).toBe(true);
    expect(sweep.cases.find((c: { n: number }) => c.n === 2).verdict).toBe('not-run');
    expect(existsSync(join(out, 'cases', '01-preStopSeconds-0', 'report.json'))).toBe(true);
    // A case's report is a whole audit record, like a run's: the machine and the scenario as run.
    const caseMeta = JSON.parse(readFileSync(join(out, 'cases', '01-preStopSeconds-0', 'report.json'), 'utf8')).meta;
    expect(caseMeta.machine.cpus).toBeGreaterThan(0);
    expect(caseMeta.scenario).toMatchObject({ name: expect.any(String) });
    expect(caseMeta.runId).toMatch(/-sweep-.*-01-r1$/);
    // The case's run kept its journal; the report re-derived from it agrees with report.json.
    const caseDir = join(out, 'cases', '01-preStopSeconds-0');
    expect(existsSync(join(caseDir, 'journal.ndjson'))).toBe(true);
    const check = await runCli(['report', caseDir, '--from-journal', '--format', 'json']);
    expect(check.code, check.stderr).toBe(130);
    expect(JSON.parse(check.stdout).totals).toEqual(JSON.parse(readFileSync(join(caseDir, 'report.json'), 'utf8')).totals);
    // Case 2 never ran: its folder holds no journal to rebuild a run from.
    expect(existsSync(join(out, 'cases', '02-preStopSeconds-3', 'journal.ndjson'))).toBe(false);
    expect(readFileSync(join(out, 'sweep.md'), 'utf8')).toMatch(/INTERRUPTED/);
    expect(readFileSync(join(out, 'sweep.html'), 'utf8')).toMatch(/No case was measured[\s\S]*<table>/);
  });
});
