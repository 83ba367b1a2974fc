import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';

// `kubectl port-forward` (the real kubectl, v1.32: it asks for SPDY over WebSockets first, gets a
// 400 and falls back to SPDY/3.1) against the emulator, with the demo app and a TCP echo pod.

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..', '..');
const INSTALL = 'kubectl must be on the PATH (Debian: apt-get install kubernetes-client)';

let h: EmulatorHandle;
let dir: string;
let hasKubectl = true;
const children = new Set<ChildProcess>();

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', HOME: dir };
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args], { cwd: repo, env: env(), timeout: 120_000 });
  return stdout;
}

interface Forward {
  child: ChildProcess;
  localPort: number;
  stdout: () => string;
  stderr: () => string;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts `kubectl port-forward TARGET 0:PORT` and waits for "Forwarding from 127.0.0.1:N". */
async function portForward(target: string, ports: string): Promise<Forward> {
  const child = spawn('kubectl', ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(dir, 'cache'), 'port-forward', target, ports], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const localPort = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl port-forward ${target} did not start in 60 s: ${out}${err}`)), 60_000);
    const check = (): void => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward ${target} exited with ${code}: ${out}${err}`));
    });
  });
  return {
    child,
    localPort,
    stdout: () => out,
    stderr: () => err,
    stop: () => {
      child.kill('SIGINT');
      return exited(child);
    },
  };
}

/** Runs kubectl port-forward expecting it to fail; returns its exit code and stderr. */
async function portForwardFails(target: string, ports: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('kubectl', ['--kubeconfig', h.kubeconfigPath, '--cache-dir', join(dir, 'cache'), 'port-forward', target, ports], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited(child);
  clearTimeout(timer);
  children.delete(child);
  return { code, stderr: err };
}

function get(port: number, path = '/'): Promise<{ status: number; pod: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 30_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, pod: String(res.headers['x-pod-name'] ?? ''), body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** Sends `data` on a fresh connection, half-closes, and returns everything that came back. */
function echo(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(got));
    });
    s.on('error', reject);
    s.setTimeout(60_000, () => s.destroy(new Error('echo timed out')));
    s.end(data);
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function podsOf(label: string): Promise<string[]> {
  const list = JSON.parse(await kubectl('get', 'pods', '-l', label, '-o', 'json')) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((p) => p.metadata.name);
}

beforeAll(async () => {
  try {
    await run('kubectl', ['version', '--client'], { timeout: 10_000 });
  } catch {
    hasKubectl = false;
  }
  dir = await mkdtemp(join(tmpdir(), 'zd-port-forward-'));
  h = await startEmulator({
    images: {
      'zerodrop-test/echo:1': { command: [process.execPath, join(here, 'fixtures', 'tcp-echo.mjs')] },
      'zerodrop-test/exits:1': { command: [process.execPath, '-e', 'process.exit(0)'] },
    },
    dataplane: 'userspace',
    proxyDelayMs: 0,
  });
  if (!hasKubectl) return;
  await writeFile(
    join(dir, 'pods.yaml'),
    `apiVersion: v1
kind: Pod
metadata: {name: echo, labels: {app: echo}}
spec:
  containers: [{name: echo, image: zerodrop-test/echo:1, ports: [{containerPort: 7000}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: never-pulled}
spec:
  containers: [{name: app, image: zerodrop-test/no-such-image:1, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: finished}
spec:
  restartPolicy: Never
  containers: [{name: app, image: zerodrop-test/exits:1, ports: [{containerPort: 8080}]}]
`,
  );
  await kubectl('apply', '-f', 'scenarios/apps/demo-graceful.yaml', '-f', join(dir, 'pods.yaml'));
  await kubectl('rollout', 'status', 'deployment/demo-graceful', '--timeout=90s');
  await kubectl('wait', '--for=condition=Ready', 'pod/echo', '--timeout=60s');
  await kubectl('wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/finished', '--timeout=60s');
}, 180_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('kubectl port-forward against the emulator', () => {
  it('forwards to a pod: sequential and concurrent requests get that pod\'s answers, Ctrl-C stops it', async () => {
    expect(hasKubectl, INSTALL).toBe(true);
    const [name] = await podsOf('app=demo-graceful');
    expect(name).toMatch(/^demo-graceful-/);
    const pf = await portForward(`pod/${name}`, '0:8080');
    for (let i = 0; i < 5; i++) {
      const r = await get(pf.localPort);
      expect(r).toMatchObject({ status: 200, pod: name });
      expect(r.body).toContain(`pod=${name}`);
    }
    // one new connection each, all at once, some held open by the app for a while
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => get(pf.localPort, i % 3 === 0 ? '/?delayMs=300' : '/')));
    expect(answers.map((a) => a.status)).toEqual(Array(24).fill(200));
    expect(new Set(answers.map((a) => a.pod))).toEqual(new Set([name]));
    expect(pf.stdout()).toContain('Forwarding from 127.0.0.1:');
    expect(pf.stdout().match(/Handling connection for/g)?.length).toBe(29);
    expect(await pf.stop()).toBe(0);
    expect(pf.stderr()).toBe('');
  }, 120_000);

  it('forwards to a Service and to a Deployment (kubectl picks one of their pods)', async () => {
    expect(hasKubectl, INSTALL).toBe(true);
    const pods = await podsOf('app=demo-graceful');
    // svc/NAME maps Service port 80 to the pods' named targetPort (8080)
    const svc = await portForward('svc/demo-graceful', '0:80');
    expect(svc.stdout()).toMatch(/Forwarding from 127\.0\.0\.1:\d+ -> 8080/);
    const viaSvc = await Promise.all(Array.from({ length: 6 }, () => get(svc.localPort)));
    expect(viaSvc.every((r) => r.status === 200 && pods.includes(r.pod))).toBe(true);
    expect(await svc.stop()).toBe(0);

    const deploy = await portForward('deploy/demo-graceful', '0:8080');
    const viaDeploy = await get(deploy.localPort);
    expect(viaDeploy.status).toBe(200);
    expect(pods).toContain(viaDeploy.pod);
    expect(await deploy.stop()).toBe(0);
  }, 120_000);

  it('carries megabytes both ways on several connections at once, and half-closes', async () => {
    expect(hasKubectl, INSTALL).toBe(true);
    const pf = await portForward('pod/echo', '0:7000');
    const payloads = [randomBytes(4 * 1024 * 1024), randomBytes(1024 * 1024), randomBytes(1), randomBytes(300_000)];
    const back = await Promise.all(payloads.map((p) => echo(pf.localPort, p)));
    expect(back.map((b) => b.length)).toEqual(payloads.map((p) => p.length));
    expect(back.map(sha)).toEqual(payloads.map(sha));
    expect(await pf.stop()).toBe(0);
  }, 120_000);

  it.each([
    ['never-pulled', 'Pending'],
    ['finished', 'Succeeded'],
  ])('refuses pod %s with the error kubectl users know (%s), not a NotFound', async (pod, phase) => {
    expect(hasKubectl, INSTALL).toBe(true);
    const r = await portForwardFails(`pod/${pod}`, '0:8080');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`unable to forward port because pod is not running. Current status=${phase}`);
    expect(r.stderr).not.toMatch(/NotFound|not found|could not find/);
  }, 90_000);

  it('reports a port nothing listens on through the error stream, as upstream does', async () => {
    expect(hasKubectl, INSTALL).toBe(true);
    const pf = await portForward('pod/echo', '0:7999');
    // the local connection is accepted, then closed when the pod side cannot be dialled
    await echo(pf.localPort, Buffer.from('x')).catch(() => Buffer.alloc(0));
    // kubectl >= 1.23 prints the server's message, then gives up the whole forward
    const code = await exited(pf.child);
    expect(pf.stderr()).toMatch(/an error occurred forwarding \d+ -> 7999: error forwarding port 7999 to pod echo, uid [0-9a-f-]+: failed to connect to 127\.[\d.]+:7999: connect ECONNREFUSED/);
    expect(pf.stderr()).toContain('lost connection to pod');
    expect(code).toBe(1);
  }, 90_000);

  it('says a missing pod is missing', async () => {
    expect(hasKubectl, INSTALL).toBe(true);
    const r = await portForwardFails('pod/no-such-pod', '0:8080');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pods "no-such-pod" not found');
  }, 60_000);
});

describe('kubectl on pod subresources the emulator does not serve', () => {
  it.each([
    ['exec', ['exec', 'pod/echo', '--', 'ls'], 'Error from server (BadRequest): the zerodrop emulator does not serve pods/exec (kubectl exec, kubectl cp)'],
    ['cp', ['cp', 'echo:/etc/hostname', '/dev/null/never-written'], 'the zerodrop emulator does not serve pods/exec'],
    // kubectl debug read the details of a bare 404 and crashed (nil pointer); now it says why
    ['debug', ['debug', 'pod/echo', '--image=busybox', '--profile=general'], 'error: ephemeral containers are disabled for this cluster (error from server: "the zerodrop emulator does not serve pods/ephemeralcontainers'],
  ])('kubectl %s says what is not served, not that something is missing', async (_name, args, message) => {
    expect(hasKubectl, INSTALL).toBe(true);
    const err = await kubectl(...args).then(
      () => '',
      (e: { stderr?: string }) => String(e.stderr ?? e),
    );
    expect(err).toContain(message);
    expect(err).not.toMatch(/panic|not found|could not find/);
  }, 60_000);
});
