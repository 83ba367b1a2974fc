import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { makeSelfSignedCert } from '../../../../src/emulator/api/tls-cert.js';
import { applyManifests } from '../../../../src/emulator/apply-manifests.js';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';

// The official Python client, as Debian ships it (python3-kubernetes, for /usr/bin/python3: the
// python3 first on PATH may be another interpreter without it), against the real emulator.

const PYTHON = '/usr/bin/python3';
const INSTALL = 'sudo apt-get install -y python3 python3-kubernetes';
const script = fileURLToPath(new URL('../../../fixtures/python/k8s_client.py', import.meta.url));
const demo = fileURLToPath(new URL('../../../../scenarios/apps/demo-graceful.yaml', import.meta.url));
const NS = 'default';
const NAME = 'demo-graceful';

let h: EmulatorHandle;
let dir: string;
let apps: AppsV1Api;
let core: CoreV1Api;
const children = new Set<ChildProcess>();

interface Line {
  event: string;
  [k: string]: unknown;
}

/** Runs the Python script; its JSON lines as they come, and its exit. */
function py(...args: string[]): { lines: Line[]; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(PYTHON, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', HOME: dir, PYTHONDONTWRITEBYTECODE: '1' } });
  children.add(child);
  const lines: Line[] = [];
  let buf = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)) as Line);
      buf = buf.slice(i + 1);
    }
  });
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = once(child, 'close').then(([code]) => {
    children.delete(child);
    return code as number | null;
  });
  return { lines, stderr: () => err, exit };
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  try {
    execFileSync(PYTHON, ['-c', 'import kubernetes'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`the Python client test needs ${PYTHON} with the kubernetes package (Debian: python3-kubernetes); install it with: ${INSTALL}\n(${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`);
  }
  dir = await mkdtemp(join(tmpdir(), 'zd-python-'));
  h = await startEmulator({ images: {}, dataplane: 'userspace', proxyDelayMs: 0 });
  applyManifests(h.store, await readFile(demo, 'utf8'), demo, NS);
  const kc = new KubeConfig();
  kc.loadFromFile(h.kubeconfigPath);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  // expect.poll is for tests only: a bounded poll by hand
  for (let i = 0; ; i++) {
    if (((await apps.readNamespacedDeployment({ name: NAME, namespace: NS })).status?.availableReplicas ?? 0) === 3) break;
    if (i >= 300) throw new Error(`${NAME} did not become available within 60 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('the Python kubernetes client against the emulator', () => {
  it('trusts the kubeconfig\'s certificate-authority-data, and only that CA', async () => {
    const ok = py(h.kubeconfigPath, 'version');
    expect(await ok.exit, ok.stderr()).toBe(0);
    expect(ok.lines).toEqual([expect.objectContaining({ event: 'version', gitVersion: expect.stringMatching(/^v1\./), verifySsl: true, caFile: true, host: h.url })]);

    // the same kubeconfig with another CA: the client must refuse the server's certificate
    const other = parse(await readFile(h.kubeconfigPath, 'utf8')) as { clusters: Array<{ cluster: Record<string, string> }> };
    const cluster = other.clusters[0]?.cluster;
    if (cluster === undefined) throw new Error('the kubeconfig has no cluster');
    cluster['certificate-authority-data'] = Buffer.from(makeSelfSignedCert().certPem).toString('base64');
    const wrong = join(dir, 'wrong-ca.kubeconfig');
    await writeFile(wrong, stringify(other), { mode: 0o600 });
    const refused = py(wrong, 'version');
    expect(await refused.exit).toBe(2);
    expect(refused.lines[0]).toMatchObject({ event: 'error', message: expect.stringMatching(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/i) });
  }, 60_000);

  it('follows a rollout to completion with Watch().stream (the client sends watch=True)', async () => {
    const p = py(h.kubeconfigPath, 'rollout', NS, NAME, '240');
    // the first event is the Deployment as it is (ADDED): the watch is open
    await expect.poll(() => p.lines.some((l) => l.event === 'watch'), { timeout: 60_000, interval: 100 }).toBe(true);
    expect(p.lines[0]).toMatchObject({ event: 'start' });
    expect(p.lines[1]).toMatchObject({ event: 'watch', type: 'ADDED', done: true });

    // kubectl rollout restart, through client-node
    await apps.patchNamespacedDeployment(
      { name: NAME, namespace: NS, body: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const code = await p.exit;
    expect(code, `${p.stderr()}\n${JSON.stringify(p.lines)}`).toBe(0);

    const watched = p.lines.filter((l) => l.event === 'watch');
    const start = p.lines[0]?.['generation'] as number;
    // every intermediate state kubectl would print, seen live on MODIFIED events
    const messages = watched.map((l) => l['message'] as string);
    expect(watched.slice(1).every((l) => l['type'] === 'MODIFIED')).toBe(true);
    expect(messages.some((m) => /new replicas have been updated|old replicas are pending termination|updated replicas are available/.test(m))).toBe(true);
    // the controller's revision annotation bumps the generation again, as upstream's strategy does
    const last = watched.at(-1);
    expect(last).toMatchObject({ done: true, observedGeneration: last?.['generation'], updatedReplicas: 3, availableReplicas: 3 });
    expect(last?.['generation']).toBeGreaterThan(start);
    expect(p.lines.at(-1)).toEqual({ event: 'complete', message: `deployment "${NAME}" successfully rolled out` });
    // resourceVersions only go forward
    const rvs = watched.map((l) => Number(l['resourceVersion']));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
  }, 300_000);

  it('streams a pod log with follow=True: a line written after the call started arrives', async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${NAME}` })).items.filter((x) => x.metadata?.deletionTimestamp === undefined && x.status?.podIP);
    const pod = pods[0];
    if (pod === undefined) throw new Error('no running pod');
    const p = py(h.kubeconfigPath, 'log', NS, pod.metadata?.name ?? '', 'preStop hit', '60');
    await expect.poll(() => p.lines.map((l) => l.event), { timeout: 30_000, interval: 100 }).toEqual(['following']);
    // the call has returned its headers and is still open: now the pod writes the line
    await new Promise((r) => setTimeout(r, 300));
    expect(p.lines.map((l) => l.event)).toEqual(['following']);
    expect(await httpGet(`http://${pod.status?.podIP ?? ''}:8080/prestop?sleepMs=0`)).toBe(200);
    expect(await p.exit, `${p.stderr()}\n${JSON.stringify(p.lines)}`).toBe(0);
    expect(p.lines.map((l) => l.event)).toEqual(['following', 'line']);
    expect(p.lines[1]?.['line']).toMatch(new RegExp(`${pod.metadata?.name ?? ''} preStop hit$`));
  }, 120_000);
});
