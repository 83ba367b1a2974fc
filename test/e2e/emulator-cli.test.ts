import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startCli, type CliResult } from '../helpers/cli.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'zerodrop-emulator-e2e-'));
const kubeconfig = join(dir, 'kubeconfig');

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, ...args], { cwd: repoRoot, timeout: 90_000 });
  return stdout;
}

function get(url: string): Promise<{ status: number; pod: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, pod: res.headers['x-pod-name'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every live descendant of a process (the emulator's pod wrappers and the apps under them). */
async function descendantsOf(root: number): Promise<number[]> {
  const { stdout } = await exec('ps', ['-eo', 'pid=,ppid=']);
  const children = new Map<number, number[]>();
  for (const line of stdout.trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('zerodrop emulator start + the real kubectl', () => {
  let emulator: ReturnType<typeof startCli>;
  let output = '';

  beforeAll(async () => {
    emulator = startCli(['emulator', 'start', '--kubeconfig', kubeconfig, '--proxy-delay', '200ms']);
    let errors = '';
    emulator.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    emulator.child.stderr?.on('data', (d: Buffer) => (errors += d.toString()));
    for (let i = 0; i < 300 && !output.includes('kubeconfig:'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(output, errors).toContain('zerodrop emulator is running');
  });

  afterAll(async () => {
    if (emulator.child.exitCode === null) emulator.child.kill('SIGKILL');
  });

  it('writes a private kubeconfig', () => {
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    expect(readFileSync(kubeconfig, 'utf8')).toContain('token');
  });

  it('applies the demo manifests, serves the Service, rolls out, rolls back, scales and deletes', async () => {
    await kubectl('apply', '-f', 'scenarios/apps/demo-graceful.yaml');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=60s');
    const clusterIP = (await kubectl('get', 'svc', 'demo-graceful', '-o', 'jsonpath={.spec.clusterIP}')).trim();
    expect(clusterIP).toMatch(/^127\./);

    const pods = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await get(`http://${clusterIP}:80/`);
      expect(r.status).toBe(200);
      if (r.pod) pods.add(r.pod);
    }
    expect(pods.size).toBeGreaterThan(1); // balanced across pods, one new connection each

    const before = (await kubectl('get', 'pods', '-l', 'app=demo-graceful', '-o', 'name')).trim().split('\n').sort();
    await kubectl('rollout', 'restart', 'deployment/demo-graceful');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=90s');
    // old pods may still be terminating (preStop sleep), as on a real cluster: only live ones count
    const live = (JSON.parse(await kubectl('get', 'pods', '-l', 'app=demo-graceful', '-o', 'json')) as { items: Array<{ metadata: { name: string; deletionTimestamp?: string } }> }).items
      .filter((p) => p.metadata.deletionTimestamp === undefined)
      .map((p) => `pod/${p.metadata.name}`);
    expect(live).toHaveLength(3);
    expect(live.filter((p) => before.includes(p))).toEqual([]);

    await kubectl('set', 'image', 'deployment/demo-graceful', 'app=zerodrop/demo-app:v2');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=90s');
    expect(await kubectl('get', 'deploy', 'demo-graceful', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('zerodrop/demo-app:v2');
    await kubectl('rollout', 'undo', 'deployment/demo-graceful');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=90s');
    expect(await kubectl('get', 'deploy', 'demo-graceful', '-o', 'jsonpath={.spec.template.spec.containers[0].image}')).toBe('zerodrop/demo-app:v1');

    await kubectl('scale', 'deployment/demo-graceful', '--replicas=1');
    await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=60s');
    expect(await kubectl('get', 'deploy', 'demo-graceful', '-o', 'jsonpath={.status.readyReplicas}')).toBe('1');

    await kubectl('delete', '-f', 'scenarios/apps/demo-graceful.yaml', '--wait=true', '--timeout=60s');
    // pods are garbage-collected in the background and terminate gracefully, as on a real cluster
    await kubectl('wait', '--for=delete', 'pod', '-l', 'app=demo-graceful', '--timeout=60s');
    expect(await kubectl('get', 'rs,pods', '-l', 'app=demo-graceful', '-o', 'name')).toBe('');
  });

  it('stops on Ctrl-C and leaves no pod process behind', async () => {
    await kubectl('apply', '-f', 'scenarios/apps/demo-naive.yaml');
    await kubectl('rollout', 'status', 'deployment/demo-naive', '--timeout=60s');
    const podPids = await descendantsOf(emulator.child.pid as number);
    expect(podPids.length).toBeGreaterThanOrEqual(6); // 3 pods: a watchdog and an app each
    emulator.child.kill('SIGINT');
    const r: CliResult = await emulator.result;
    expect(r.code).toBe(0);
    expect(podPids.filter(isAlive)).toEqual([]);
  });
});
