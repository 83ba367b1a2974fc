import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

// The prerequisite step of `npm test`, `npm run demo` and `npm run bench`, run as npm runs it,
// on a PATH that holds only the programs a case gives it. Non-root cases really run as `nobody`
// (setpriv), so this file runs as root, as `npm test` must.
const script = join(repoRoot, 'scripts', 'ensure-system-deps.mjs');

interface Result {
  code: number | null;
  out: string;
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A folder for PATH holding links to the given programs (found in /usr/bin or /usr/sbin). */
function pathWith(programs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'zerodrop-deps-path-'));
  made.push(dir);
  chmodSync(dir, 0o755);
  for (const p of programs) {
    const target = ['/usr/bin', '/usr/sbin'].map((d) => join(d, p)).find((f) => existsSync(f));
    if (target === undefined) throw new Error(`${p} is not installed here: run \`node scripts/ensure-system-deps.mjs test\` as root`);
    symlinkSync(target, join(dir, p));
  }
  return dir;
}

async function ensure(command: string, opts: { path: string; asNobody?: boolean; env?: Record<string, string> }): Promise<Result> {
  const argv = [process.execPath, script, command];
  const [cmd, ...args] = opts.asNobody ? ['/usr/bin/setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...argv] : argv;
  const env: Record<string, string> = { PATH: opts.path, HOME: tmpdir(), ...opts.env };
  const child = spawn(cmd as string, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'close');
  return { code: code as number | null, out };
}

describe('scripts/ensure-system-deps.mjs', () => {
  it('runs as root here (npm test must: the nftables tests write kernel rules)', () => {
    expect(process.getuid?.(), 'run the tests as root: sudo env "PATH=$PATH" npm test').toBe(0);
  });

  it('not root, kubectl missing, nft off PATH: `npm test` stops before anything, asking for root and naming what is missing', async () => {
    const path = pathWith(['openssl', 'apt-get']);
    const r = await ensure('test', { path, asNobody: true });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('`npm test` must run as root: the tests of the nftables dataplane write kernel rules');
    expect(r.out).toContain('- nft is at /usr/sbin/nft, not on PATH (nftables): ');
    expect(r.out).toContain('- kubernetes-client (kubectl): kubectl drives the emulator');
    expect(r.out).not.toContain('- openssl');
    expect(r.out).toContain('sudo env "PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin" npm test');
    expect(r.out).toContain('stopped before running `npm test`');
  });

  it('not root, wrk missing: `npm run bench` stops with the sudo apt-get command', async () => {
    const r = await ensure('bench', { path: pathWith(['nginx', 'taskset', 'hey', 'h2load', 'openssl', 'apt-get']), asNobody: true });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('- wrk (wrk): the C reference client');
    expect(r.out).toContain('sudo apt-get update && sudo apt-get install -y wrk\n');
    expect(r.out).not.toContain('nginx-light');
  });

  it("not root, nginx installed in /usr/sbin but a user's PATH without it: `npm run bench` says to fix PATH, not to install", async () => {
    const r = await ensure('bench', { path: pathWith(['wrk', 'taskset', 'hey', 'h2load', 'openssl', 'apt-get']), asNobody: true });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('- nginx is at /usr/sbin/nginx, not on PATH (nginx-light)');
    expect(r.out).toContain('export PATH="$PATH:/usr/sbin"');
    expect(r.out).not.toContain('apt-get install');
  });

  it('not root, nothing on PATH: `npm run demo` needs nothing and says nothing', async () => {
    const r = await ensure('demo', { path: pathWith([]), asNobody: true });
    expect(r).toEqual({ code: 0, out: '' });
  });

  it('root with ZERODROP_NO_INSTALL=1: reports and stops with the apt-get command, installs nothing', async () => {
    const path = pathWith(['nft', 'openssl']);
    const log = join(path, 'apt-get.log');
    writeFileSync(join(path, 'apt-get'), `#!/bin/sh\necho "$*" >> ${log}\n`, { mode: 0o755 });
    const r = await ensure('test', { path, env: { ZERODROP_NO_INSTALL: '1' } });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('ZERODROP_NO_INSTALL is set, so they are not installed');
    expect(r.out).toContain('  apt-get update && apt-get install -y kubernetes-client\n');
    expect(existsSync(log)).toBe(false);
  });

  it('root with apt-get: runs apt-get update once, then one noninteractive install, and goes on', async () => {
    const path = pathWith(['nft', 'openssl']);
    const log = join(path, 'apt-get.log');
    // Stands in for apt-get: records its call, and "installs" kubectl when asked for kubernetes-client.
    writeFileSync(
      join(path, 'apt-get'),
      `#!/bin/sh\necho "$DEBIAN_FRONTEND $*" >> ${log}\ncase "$*" in *kubernetes-client*) printf '#!/bin/sh\\n' > ${join(path, 'kubectl')}; /bin/chmod 755 ${join(path, 'kubectl')};; esac\n`,
      { mode: 0o755 },
    );
    const r = await ensure('test', { path });
    expect(r.code, r.out).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('noninteractive update -qq\nnoninteractive install -y -qq kubernetes-client\n');
    expect(r.out).toContain('`npm test` needs Debian packages this machine does not have; installing them with apt-get:');
    expect(r.out).toContain('- kubernetes-client (kubectl): kubectl drives the emulator');
    expect(r.out).toContain('installed kubernetes-client.');
  });

  it('root, apt-get succeeds but the program is still missing: stops', async () => {
    const path = pathWith(['nft', 'openssl']);
    writeFileSync(join(path, 'apt-get'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const r = await ensure('test', { path });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('installed, but still missing: kubernetes-client');
  });

  it('root, apt-get fails: stops, naming what cannot be had', async () => {
    const path = pathWith(['nft', 'openssl']);
    writeFileSync(join(path, 'apt-get'), '#!/bin/sh\necho "E: Unable to locate package" >&2\nexit 100\n', { mode: 0o755 });
    const r = await ensure('test', { path });
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('E: Unable to locate package');
    expect(r.out).toContain('apt-get failed (see above): `npm test` cannot run without kubernetes-client');
  });

  it('npm test, npm run demo, npm run bench and .ci/run all start with this step', () => {
    const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    for (const c of ['test', 'demo', 'bench']) expect(scripts[c]).toMatch(new RegExp(`^node scripts/ensure-system-deps\\.mjs ${c} && `));
    const ci = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm test$/m);
    expect(ci).not.toMatch(/^[^#]*apt-get/m);
  });
});
