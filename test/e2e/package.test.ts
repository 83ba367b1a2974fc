import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseDockerfile, runCommands, type DockerStage } from '../helpers/dockerfile.js';
import { repoRoot } from '../helpers/cli.js';

// The package as users get it, and the agent image's contents: this file runs the Dockerfile's
// steps without a docker engine. The build stage's RUN commands run verbatim in a copy of the
// build context (.dockerignore's allowlist), the runtime stage's install runs in an empty folder
// standing for its WORKDIR, and every command a user has runs from there, the agent as a non-root
// user. npm uses its cache first (--prefer-offline); the registry serves what the cache lacks.

const exec = promisify(execFile);
const dockerfileText = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const buildStage = stages[0] as DockerStage;
const runtimeStage = stages[stages.length - 1] as DockerStage;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const root = mkdtempSync(join(tmpdir(), 'zerodrop-package-e2e-'));
const context = join(root, 'context'); // the docker build context (WORKDIR /src of the build stage)
const installDir = join(root, 'opt-zerodrop'); // WORKDIR /opt/zerodrop of the runtime stage
const work = join(root, 'work'); // an empty folder a user runs zerodrop from
const zerodropBin = join(installDir, 'node_modules', '.bin', 'zerodrop');
const installedPkg = join(installDir, 'node_modules', 'zerodrop');
let tarball = '';

/** Runs a shell command as the image build would; resolves with its exit code and output. */
async function sh(command: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  const child = spawn('sh', ['-c', command], {
    cwd,
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  return { code: code as number | null, out: `$ ${command}\n${out}` };
}

/** The environment of a user's shell: no test runner variables. */
const userEnv = (): Record<string, string> => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? tmpdir(), NO_COLOR: '1' });

/** Starts the installed `zerodrop` from the user's folder. */
function startZerodrop(args: string[], prefix: string[] = []): { child: ChildProcess; result: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const argv = [...prefix, zerodropBin, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), { cwd: work, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const result = once(child, 'close').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, result };
}

/** Runs the installed agent as this user (the image's `USER node`; here `nobody`). */
const AS_NON_ROOT = ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** Processes whose command line runs the installed package's `zerodrop agent`, with their user. */
function installedAgents(): { user: string; args: string }[] {
  return execFileSync('ps', ['-eo', 'user:32,args'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^(\S+)\s+(.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] as string).includes(`${zerodropBin} agent`) && !(m[2] as string).includes('setpriv'))
    .map((m) => ({ user: m[1] as string, args: m[2] as string }));
}

beforeAll(async () => {
  chmodSync(root, 0o755); // the agent runs as nobody: it must reach the installed package
  // The build context: .dockerignore is an allowlist ("*", then "!entry" lines).
  const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  expect(ignore[0], '.dockerignore starts by excluding everything').toBe('*');
  mkdirSync(context);
  for (const entry of ignore.slice(1)) {
    expect(entry, `${entry}: the build context is an allowlist`).toMatch(/^!/);
    const name = entry.slice(1).replace(/\/$/, '');
    if (existsSync(join(repoRoot, name))) cpSync(join(repoRoot, name), join(context, name), { recursive: true });
  }
  // Build stage: its RUN commands, verbatim.
  for (const run of buildStage.instructions.filter((i) => i.op === 'RUN')) {
    const r = await sh(run.args, context, 240_000);
    expect(r.code, r.out).toBe(0);
  }
  const packed = readdirSync(context).filter((f) => /^zerodrop-.*\.tgz$/.test(f));
  expect(packed, 'the build stage leaves one zerodrop-<version>.tgz').toEqual([`zerodrop-${pkg.version}.tgz`]);
  tarball = join(context, packed[0] as string);

  // Runtime stage: the install into an empty WORKDIR; its cleanup (rm, npm cache clean) is not run
  // here, where it would empty this machine's shared npm cache.
  mkdirSync(installDir);
  // npm installs into the nearest folder above with a package.json or a node_modules: a stray
  // /tmp/node_modules once took this install. The image's WORKDIR has no such parent; here the
  // folder is made a project root of its own (npm then lists the tarball in it, as the image's would).
  writeFileSync(join(installDir, 'package.json'), '{"private": true}\n');
  mkdirSync(work);
  chmodSync(work, 0o777);
  const [install, ...cleanup] = (runCommands(runtimeStage)[0] ?? []) as string[];
  expect(install).toMatch(/^npm install --omit=dev /);
  for (const c of cleanup) expect(c).toMatch(/^(rm -f \/tmp\/zerodrop-\*\.tgz|npm cache clean --force)$/);
  const r = await sh((install as string).replace('/tmp/zerodrop-*.tgz', tarball), installDir, 180_000);
  expect(r.code, r.out).toBe(0);
  expect(existsSync(join(installDir, 'node_modules', '.bin', 'zerodrop')), `the install landed in ${installDir}: ${r.out}`).toBe(true);
  // The user's folder is a git repository of their own (its commit is not zerodrop's).
  for (const args of [['init', '-q'], ['-c', 'user.email=u@example.com', '-c', 'user.name=u', 'commit', '-q', '--allow-empty', '-m', 'user project']]) execFileSync('git', args, { cwd: installDir });
}, 600_000);

afterAll(() => {
  // Nothing this file started may outlive it; its ~250 MB of folders neither.
  expect(installedAgents()).toEqual([]);
  rmSync(root, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('builds from the checkout: npm ci, build, npm pack (no package from a registry)', () => {
    expect(stages).toHaveLength(2);
    expect(buildStage.name).toBe('build');
    expect(runCommands(buildStage)).toEqual([['npm ci --no-audit --no-fund'], ['npm run build', 'npm pack --ignore-scripts']]);
    expect(dockerfileText).not.toMatch(/ZERODROP_VERSION|zerodrop@/);
  });

  it('runtime: a slim Node of the engines major, the tarball with production dependencies only, a non-root user, `zerodrop agent` as entrypoint', () => {
    const major = /^>=\s*(\d+)\./.exec(pkg.engines.node)?.[1];
    expect(dockerfileText).toMatch(new RegExp(`^ARG NODE_VERSION=${major}$`, 'm'));
    for (const s of stages) expect(s.from).toBe('node:${NODE_VERSION}-slim');
    const op = (name: string): string[] => runtimeStage.instructions.filter((i) => i.op === name).map((i) => i.args);
    expect(op('WORKDIR')).toEqual(['/opt/zerodrop']);
    expect(op('COPY')).toEqual(['--from=build /src/zerodrop-*.tgz /tmp/']);
    expect(runCommands(runtimeStage)[0]?.[0]).toBe('npm install --omit=dev --no-audit --no-fund /tmp/zerodrop-*.tgz');
    expect(op('ENV').join(' ')).toContain('PATH=/opt/zerodrop/node_modules/.bin:$PATH');
    expect(op('USER')).toHaveLength(1);
    expect(op('USER')[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(JSON.parse(op('ENTRYPOINT')[0] as string)).toEqual(['zerodrop', 'agent']);
  });
});

describe('the packed tarball, installed into an empty folder with production dependencies only', () => {
  it('holds the CLI, its build and the demo apps; no tests, sources or benchmarks', () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    for (const f of ['bin/zerodrop.js', 'package.json', 'README.md', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/traffic/load-worker.js', 'scenarios/apps/demo-app.mjs', 'scenarios/apps/demo-graceful.yaml', 'scenarios/emulator-distributed.yaml']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(test|src|bench|scripts|reports|node_modules)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toEqual([]);
  });

  it('has every dependency and no devDependency', () => {
    const installed = new Set(readdirSync(join(installDir, 'node_modules')).flatMap((d) => (d.startsWith('@') ? readdirSync(join(installDir, 'node_modules', d)).map((s) => `${d}/${s}`) : [d])));
    for (const d of Object.keys(pkg.dependencies)) expect(installed, d).toContain(d);
    // A devDependency may be there only because a production dependency needs it too
    // (@kubernetes/client-node depends on @types/node).
    const neededBy = (d: string): string[] =>
      [...installed].filter((p) => p !== 'zerodrop' && existsSync(join(installDir, 'node_modules', p, 'package.json'))).filter((p) => {
        const manifest = JSON.parse(readFileSync(join(installDir, 'node_modules', p, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        return manifest.dependencies?.[d] !== undefined;
      });
    for (const d of Object.keys(pkg.devDependencies)) if (installed.has(d)) expect(neededBy(d), `devDependency ${d} installed, needed by no production dependency`).not.toEqual([]);
    for (const tool of ['typescript', 'vitest', 'tsx', 'playwright-core', 'autocannon', 'fast-check']) expect(installed.has(tool), tool).toBe(false);
  });

  it('zerodrop --version', async () => {
    const r = await startZerodrop(['--version']).result;
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('zerodrop run against a local server: every request answered, and no git commit claimed from the user\'s repository', async () => {
    const server = createServer((_q, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const out = join(work, 'run-out');
      const r = await startZerodrop(['run', '--url', url, '--rate', '100', '--duration', '2s', '--out', out, '--quiet']).result;
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      // A loaded machine may make the generator fall behind: then inconclusive (2), never fail.
      expect([0, 2], r.stdout + r.stderr).toContain(r.code);
      expect(report.totals.sent).toBeGreaterThan(100);
      expect(report.totals.failed).toBe(0);
      expect(report.meta.tool).toEqual({ name: 'zerodrop', version: pkg.version });
      expect(report.meta.git).toBeUndefined();
      for (const f of ['junit.xml', 'summary.md', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('zerodrop lint -f on the manifests it ships', async () => {
    const apps = join(installedPkg, 'scenarios', 'apps');
    const good = await startZerodrop(['lint', '-f', join(apps, 'demo-graceful.yaml')]).result;
    expect(good.code, good.stdout + good.stderr).toBe(0);
    expect(good.stdout).toContain('deployment/demo-graceful (service/demo-graceful): 0 errors');
    const naive = await startZerodrop(['lint', '-f', join(apps, 'demo-naive.yaml')]).result;
    expect(naive.code, naive.stdout + naive.stderr).toBe(1);
    expect(naive.stdout).toContain('no readiness probe');
  });

  it('zerodrop emulator start: kubectl reaches it; Ctrl-C stops it', async () => {
    const kubeconfig = join(work, 'kubeconfig');
    const { child, result } = startZerodrop(['emulator', 'start', '--kubeconfig', kubeconfig]);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    try {
      for (let i = 0; i < 600 && !output.includes('kubeconfig:') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
      expect(output).toContain(`kubeconfig: ${kubeconfig}`);
      const { stdout } = await exec('kubectl', ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { timeout: 60_000 });
      expect(stdout.split('\n')).toContain('namespace/default');
    } finally {
      child.kill('SIGINT');
    }
    const r = await result;
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

  it('zerodrop agent, as a non-root user, without the spec a Job gives it: says so on its record stream, exit 3', async () => {
    const r = await startZerodrop(['agent'], AS_NON_ROOT).result;
    expect(r.code, r.stderr).toBe(3);
    const record = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(record).toMatchObject({ zd: 1, type: 'error' });
    expect(record.message).toContain('ZERODROP_AGENT_SPEC: is not set');
  });

  it('zerodrop demo from an empty folder: the naive rollout fails as taught, the graceful one passes', async () => {
    const r = await startZerodrop(['demo', '--quiet']).result;
    const verdict = (name: string): { verdict: string; reasons: string[] } => JSON.parse(readFileSync(join(work, 'reports', 'demo', name, 'report.json'), 'utf8'));
    const naive = verdict('emulator-naive');
    const graceful = verdict('emulator-graceful');
    expect(naive.verdict, naive.reasons.join('\n')).toBe('fail');
    expect(r.stdout).toContain('as expected: emulator-naive -> FAIL');
    if (graceful.verdict === 'pass') {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('as expected: emulator-graceful -> PASS');
    } else {
      // A loaded machine may make the generator fall behind: inconclusive, never a fail.
      expect(graceful.verdict, graceful.reasons.join('\n')).toBe('inconclusive');
      expect(graceful.reasons.join('\n')).toMatch(/load generator/);
      expect(r.code).toBe(1);
    }
  }, 300_000);

  it("the emulator's agent image mapped to the installed package, run as a non-root user: the distributed run merges three agents", async () => {
    const scenario = parseYaml(readFileSync(join(installedPkg, 'scenarios', 'emulator-distributed.yaml'), 'utf8'));
    scenario.kubernetes.emulator.manifests = [join(installedPkg, 'scenarios', 'apps', 'demo-graceful.yaml')];
    // What the image runs: its ENTRYPOINT (zerodrop agent, found on the PATH its ENV sets) as its USER.
    scenario.kubernetes.emulator.images = { 'zerodrop/agent:*': { command: [...AS_NON_ROOT, zerodropBin, 'agent'] } };
    const file = join(work, 'distributed.yaml');
    writeFileSync(file, stringifyYaml(scenario));
    const out = join(work, 'distributed-out');
    const { result } = startZerodrop(['run', file, '--out', out, '--quiet']);
    let done = false;
    const users = new Set<string>();
    void result.then(() => (done = true));
    while (!done) {
      for (const a of installedAgents()) users.add(a.user);
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await result;
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.agents.map((a: { status: string }) => a.status), r.stderr + JSON.stringify(report.agents)).toEqual(['completed', 'completed', 'completed']);
    expect(report.totals.sent).toBe(report.agents.reduce((n: number, a: { sent: number }) => n + a.sent, 0));
    expect(report.totals.failed, JSON.stringify(report.failures)).toBe(0);
    expect(users, 'the installed agent ran, as nobody only').toEqual(new Set(['nobody']));
    if (report.verdict === 'pass') expect(r.code).toBe(0);
    else {
      expect(report.verdict, report.reasons.join('\n')).toBe('inconclusive');
      expect(report.reasons.join('\n')).not.toMatch(/agent \d \(pod/);
      expect(r.code).toBe(2);
    }
    expect(installedAgents()).toEqual([]);
  }, 300_000);
});
