import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../../src/emulator/api/kubeconfig.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { startApiServer, type ApiServer } from '../../../../src/emulator/api/server.js';

const run = promisify(execFile);

let dir: string;
let store: MemoryStore;
let server: ApiServer;
let hasKubectl = true;

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: dir },
    timeout: 20_000,
  });
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err);
  }
  throw new Error(`kubectl ${args.join(' ')} succeeded`);
}

function manifest(image: string, replicas = 2): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: app
          image: ${image}
          ports: [{containerPort: 8080}]
          env: [{name: A, value: "1"}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`;
}

beforeAll(async () => {
  try {
    await run('kubectl', ['version', '--client'], { timeout: 10_000 });
  } catch {
    hasKubectl = false;
  }
  dir = await mkdtemp(join(tmpdir(), 'zd-kubectl-'));
  store = new MemoryStore();
  server = await startApiServer({ store });
  await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token: server.token, caPem: server.caPem ?? '' });
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('API server with the real kubectl', () => {
  it('answers version and get', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    expect((await kubectl('version', '-o', 'json')).stdout).toContain('"minor": "32"');
    const ns = await kubectl('get', 'ns');
    expect(ns.stdout).toMatch(/^NAME\s+STATUS\s+AGE\n/);
    expect(ns.stdout).toMatch(/\ndefault\s+Active\s+/);
    expect(ns.stderr).toBe('');
    expect((await kubectl('get', 'nodes')).stdout).toMatch(/zerodrop-node\s+Ready/);
    expect((await kubectl('get', 'pods')).stderr).toContain('No resources found in default namespace.');
  });

  it('applies a Deployment and Service without --validate=false, then re-applies a change', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    const file = join(dir, 'app.yaml');
    await writeFile(file, manifest('demo:1'));
    const first = await kubectl('apply', '-f', file);
    expect(first.stdout).toBe('deployment.apps/web created\nservice/web created\n');
    expect(first.stderr).toBe('');
    expect(store.get('services', 'default', 'web')?.spec.clusterIP).toMatch(/^127\.200\./);

    await writeFile(file, manifest('demo:2'));
    const second = await kubectl('apply', '-f', file);
    expect(second.stdout).toBe('deployment.apps/web configured\nservice/web unchanged\n');
    expect(second.stderr).toBe('');
    const d = store.get('deployments', 'default', 'web');
    expect(d?.spec.template.spec.containers[0].image).toBe('demo:2');
    expect(d?.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(d?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('demo:2');

    const table = await kubectl('get', 'deploy', '-o', 'wide');
    expect(table.stdout).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    expect(table.stdout).toMatch(/\nweb\s+0\/2\s+0\s+0\s+\S+\s+app\s+demo:2\s+app=web\n/);
    expect((await kubectl('get', 'svc', 'web')).stdout).toMatch(/web\s+ClusterIP\s+127\.200\.\d+\.\d+\s+<none>\s+80\/TCP/);
    const json = JSON.parse((await kubectl('get', 'deploy', 'web', '-o', 'json')).stdout) as { kind: string; spec: { replicas: number } };
    expect(json).toMatchObject({ kind: 'Deployment', spec: { replicas: 2 } });
  });

  it('accepts the protobuf bodies of kubectl create', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    expect((await kubectl('create', 'namespace', 'team')).stdout).toBe('namespace/team created\n');
    await kubectl('-n', 'team', 'create', 'configmap', 'c', '--from-literal=a=b');
    await kubectl('-n', 'team', 'create', 'deployment', 'api', '--image=demo:1', '--replicas=0', '--port=8080');
    await kubectl('-n', 'team', 'create', 'service', 'clusterip', 'api', '--tcp=80:8080');
    expect(store.get('configmaps', 'team', 'c')?.['data']).toEqual({ a: 'b' });
    const d = store.get('deployments', 'team', 'api');
    expect(d?.spec.replicas).toBe(0);
    expect(d?.spec.template.spec.containers[0]).toMatchObject({ name: 'demo', image: 'demo:1', ports: [{ containerPort: 8080, protocol: 'TCP' }] });
    expect(store.get('services', 'team', 'api')?.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080 });
    await kubectl('delete', 'namespace', 'team');
    expect(store.get('deployments', 'team', 'api')).toBeUndefined();
  });

  it('reports invalid manifests as the API server does', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    const file = join(dir, 'bad.yaml');
    await writeFile(file, manifest('demo:1').split('---')[0]!.replace('name: web\n  labels', 'name: bad\n  labels').replace('labels: {app: web}\n    spec', 'labels: {app: other}\n    spec'));
    const err = await kubectlFails('apply', '-f', file);
    expect(err).toContain('The Deployment "bad" is invalid');
    expect(err).toContain('`selector` does not match template `labels`');
  });

  it('scales through the scale subresource, restarts, and deletes', async (ctx) => {
    expect(hasKubectl, 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)').toBe(true);
    expect((await kubectl('scale', 'deploy/web', '--replicas=5')).stdout).toBe('deployment.apps/web scaled\n');
    expect(store.get('deployments', 'default', 'web')?.spec.replicas).toBe(5);
    await kubectl('rollout', 'restart', 'deploy/web');
    expect(store.get('deployments', 'default', 'web')?.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeDefined();
    await kubectl('run', 'solo', '--image=demo:1');
    expect((await kubectl('get', 'pods')).stdout).toMatch(/solo\s+0\/1\s+Pending\s+0\s+/);
    expect((await kubectl('delete', 'pod', 'solo')).stdout).toBe('pod "solo" deleted\n');
    const del = await kubectl('delete', '-f', join(dir, 'app.yaml'));
    expect(del.stdout).toBe('deployment.apps "web" deleted\nservice "web" deleted\n');
    expect(store.get('deployments', 'default', 'web')).toBeUndefined();
    expect(store.get('services', 'default', 'web')).toBeUndefined();
  });
});
