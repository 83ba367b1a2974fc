import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../../src/emulator/api/kubeconfig.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { startApiServer, type ApiServer } from '../../../../src/emulator/api/server.js';
import { type Cluster, startCluster } from './harness.js';

/* The rollout commands of the real kubectl against the API server, the real controllers and the
 * fake kubelet: `rollout status` reads the status the controller writes, `rollout history` and
 * `rollout undo` read the ReplicaSets' revision annotations and templates. */

const run = promisify(execFile);
let dir: string;
let server: ApiServer | undefined;
let cluster: Cluster | undefined;
let hasKubectl = true;

async function kubectl(...args: string[]): Promise<string> {
  const out = await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: dir },
    timeout: 30_000,
  });
  return out.stdout;
}

beforeAll(async () => {
  try {
    await run('kubectl', ['version', '--client'], { timeout: 10_000 });
  } catch {
    hasKubectl = false;
  }
  dir = await mkdtemp(join(tmpdir(), 'zd-ctl-kubectl-'));
  const store = new MemoryStore();
  server = await startApiServer({ store });
  await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token: server.token, caPem: server.caPem ?? '' });
  cluster = startCluster({ readyAfterMs: 30, goneAfterMs: 30 }, store);
});

afterAll(async () => {
  await cluster?.stop();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('kubectl rollout against the controllers', () => {
  it('status, set image, history, undo and undo --to-revision', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    const file = join(dir, 'web.yaml');
    await writeFile(
      file,
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "demo:v1", ports: [{containerPort: 8080}]}]
`,
    );
    await kubectl('apply', '-f', file);
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatch(/successfully rolled out/);

    await kubectl('set', 'image', 'deployment/web', 'app=demo:v2');
    await kubectl('annotate', 'deployment/web', 'kubernetes.io/change-cause=v2 please');
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatch(/successfully rolled out/);
    const history = await kubectl('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+v2 please$/m);

    await kubectl('rollout', 'undo', 'deployment/web');
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatch(/successfully rolled out/);
    expect(await kubectl('get', 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('demo:v1 3');
    const after = await kubectl('rollout', 'history', 'deployment/web');
    expect(after).toMatch(/^2\s+v2 please$/m);
    expect(after).toMatch(/^3\s+<none>$/m);
    expect(after).not.toMatch(/^1\s/m);

    await kubectl('rollout', 'undo', 'deployment/web', '--to-revision=2');
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatch(/successfully rolled out/);
    expect(await kubectl('get', 'deployment/web', '-o', 'jsonpath={.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('demo:v2 4');
    const rs = await kubectl('get', 'rs', '-l', 'app=web', '-o', 'jsonpath={range .items[*]}{.spec.replicas}/{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {end}');
    expect(rs.trim().split(' ').sort()).toEqual(['0/3', '3/4']);

    await kubectl('rollout', 'restart', 'deployment/web');
    expect(await kubectl('rollout', 'status', 'deployment/web', '--timeout=20s')).toMatch(/successfully rolled out/);
    expect(await kubectl('get', 'deployment/web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}')).toBe('5');
  });
});
