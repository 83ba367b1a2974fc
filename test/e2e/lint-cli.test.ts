import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, startCli } from '../helpers/cli.js';

const exec = promisify(execFile);
const fx = (name: string): string => join('test', 'fixtures', 'lint', name);

interface JsonResult {
  deployment: string;
  service?: string;
  services: string[];
  findings: Array<{ id: string; severity: string; object: string }>;
}

describe('zerodrop lint -f (offline, the built CLI)', () => {
  it('exits 0 on a Deployment and Service ready for zero-downtime rollouts', async () => {
    const r = await runCli(['lint', '-f', fx('deploy.yaml'), '-f', fx('svc.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('deployment/web (service/web): 0 errors, 0 warnings');
    expect(r.code).toBe(0);
  });

  it('exits 1 on a Service whose selector selects none of the pods, and says which label differs', async () => {
    const r = await runCli(['lint', '-f', fx('deploy.yaml'), '-f', fx('svc-typo.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('deployment/web (service/web): 1 error, 0 warnings');
    // the table wraps its cells: look for words, not phrases
    expect(r.stdout).toContain('service/web');
    expect(r.stdout).toContain('wbe');
    const json = await runCli(['lint', '-f', fx('deploy.yaml'), '-f', fx('svc-typo.yaml'), '--format', 'json']);
    expect(json.code).toBe(1);
    const message = (JSON.parse(json.stdout) as Array<{ findings: Array<{ message: string }> }>)[0]?.findings[0]?.message;
    expect(message).toContain("selects none of the Deployment's pods");
    expect(message).toContain('app is web on the pods, not wbe');
  });

  it('exits 0 on a warning, and 1 with --fail-on warning', async () => {
    const args = ['lint', '-f', fx('deploy.yaml'), '-f', fx('svc.yaml'), '-f', fx('svc-numeric-port.yaml')];
    const lenient = await runCli(args);
    expect(lenient.stdout).toContain('deployment/web (service/web, service/web-metrics): 0 errors, 1 warning');
    expect(lenient.code).toBe(0);
    const strict = await runCli([...args, '--fail-on', 'warning']);
    expect(strict.code).toBe(1);
  });

  it('writes JSON with --format json, and --service picks the Service to lint', async () => {
    const args = ['lint', '-f', fx('deploy.yaml'), '-f', fx('svc.yaml'), '-f', fx('svc-numeric-port.yaml'), '--format', 'json'];
    const all = await runCli(args);
    expect(all.code).toBe(0);
    const [web] = JSON.parse(all.stdout) as JsonResult[];
    expect(web?.services).toEqual(['web', 'web-metrics']);
    expect(web?.findings.map((f) => `${f.id} ${f.severity} ${f.object}`)).toEqual(['service-target-port warning service/web-metrics']);

    const one = await runCli([...args, '--service', 'web', '--fail-on', 'warning']);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as JsonResult[])[0]).toMatchObject({ deployment: 'web', service: 'web', services: ['web'], findings: [] });
  });

  it('exits 3 when --service names a Service that is not in the files', async () => {
    const r = await runCli(['lint', '-f', fx('deploy.yaml'), '-f', fx('svc.yaml'), '--service', 'nope']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no Service named nope in the manifests (found: web)');
    expect(r.stdout).toBe('');
  });
});

describe('zerodrop lint --deployment --service (online, against the emulator)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-lint-e2e-'));
  const kubeconfig = join(dir, 'kubeconfig');
  let emulator: ReturnType<typeof startCli>;

  const kubectl = async (...args: string[]): Promise<string> =>
    (await exec('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { cwd: repoRoot, timeout: 90_000, env: { ...process.env, HOME: dir } })).stdout;

  beforeAll(async () => {
    emulator = startCli(['emulator', 'start', '--kubeconfig', kubeconfig]);
    let output = '';
    let errors = '';
    emulator.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    emulator.child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    for (let i = 0; i < 600 && !output.includes('kubeconfig:') && emulator.child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(output, errors).toContain('zerodrop emulator is running');
    await kubectl('apply', '-f', fx('deploy.yaml'), '-f', fx('svc.yaml'));
    // the typo'd Service under another name, so both live side by side
    await kubectl('create', 'service', 'clusterip', 'web-typo', '--tcp=80:8080');
    await kubectl('set', 'selector', 'service/web-typo', 'app=wbe');
  }, 120_000);

  afterAll(async () => {
    if (emulator.child.exitCode === null) {
      emulator.child.kill('SIGINT');
      await emulator.result;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const lint = (...args: string[]) => runCli(['lint', '--kubeconfig', kubeconfig, '--deployment', 'web', ...args]);

  it('exits 0 with the Service that serves the pods', async () => {
    const r = await lint('--service', 'web');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('deployment/web (service/web): 0 errors, 0 warnings');
    expect(r.code).toBe(0);
  });

  it('honours --service: exits 1 on the Service whose selector selects none of the pods', async () => {
    const r = await lint('--service', 'web-typo', '--format', 'json');
    expect(r.code).toBe(1);
    const [res] = JSON.parse(r.stdout) as JsonResult[];
    expect(res?.services).toEqual(['web-typo']);
    expect(res?.findings.map((f) => `${f.id} ${f.severity} ${f.object}`)).toContain('service-selector-mismatch error service/web-typo');
  });

  it('without --service, lints the Services that select the pods', async () => {
    const r = await lint('--format', 'json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as JsonResult[])[0]?.services).toEqual(['web']);
  });

  it('exits 3 when --service names a Service the namespace does not have', async () => {
    const r = await lint('--service', 'nope');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/Service "nope" not found in namespace "default"; Services there: .*web-typo/);
  });
});
