import { describe, expect, it } from 'vitest';
import { REQUIREMENTS, aptCommandLine, decide, describeProbe, findMissing, versionAtLeast, type DecideInput, type PackageRow, type Probe } from '../../../scripts/system-deps.mjs';

const row = (pkg: string, program: string): PackageRow => ({ package: pkg, probe: { program }, why: `${program} is needed` });
const nft = row('nftables', 'nft');
const kubectl = row('kubernetes-client', 'kubectl');
const base: DecideInput = { command: 'bench', missing: [], isRoot: true, hasAptGet: true, noInstall: false };

describe('the requirements table', () => {
  it('names a command line for every command, a Debian package, a probe and a reason for every row', () => {
    for (const [command, needs] of Object.entries(REQUIREMENTS)) {
      for (const r of needs.packages) {
        expect(r.package, command).toMatch(/^[a-z0-9][a-z0-9.+-]+$/);
        expect(r.why.length, `${command} ${r.package}`).toBeGreaterThan(10);
        expect(describeProbe(r.probe), `${command} ${r.package}`).not.toBe('');
      }
    }
  });

  it('tests need nft, kubectl, chromium, openssl, the Python client, nginx (the emulator ingress) and root; the demo needs nothing; the bench needs nginx, wrk and taskset', () => {
    expect(REQUIREMENTS.test.packages.map((r) => r.package)).toEqual(expect.arrayContaining(['nftables', 'kubernetes-client', 'chromium', 'openssl', 'python3-kubernetes', 'nginx-light']));
    expect(REQUIREMENTS.test.root).toMatch(/nftables/);
    expect(REQUIREMENTS.demo.packages).toEqual([]);
    expect(REQUIREMENTS.demo.root).toBeUndefined();
    expect(REQUIREMENTS.bench.packages.map((r) => r.package)).toEqual(expect.arrayContaining(['nginx-light', 'wrk', 'util-linux']));
  });
});

describe('findMissing', () => {
  it('returns the rows whose probe fails, in table order', () => {
    const absent = new Set(['kubectl', 'taskset']);
    const isPresent = (p: Probe): boolean => !('program' in p && absent.has(p.program));
    expect(findMissing('test', isPresent).map((r) => r.package)).toEqual(['kubernetes-client']);
    expect(findMissing('bench', isPresent).map((r) => r.package)).toEqual(['util-linux']);
    expect(findMissing('demo', () => false)).toEqual([]);
  });

  it('marks a program found off PATH with where it is', () => {
    const missing = findMissing('test', (p) => !('program' in p && ['nft', 'kubectl'].includes(p.program)), REQUIREMENTS, (p) => (p === 'nft' ? '/usr/sbin/nft' : undefined));
    expect(missing.map((r) => [r.package, r.foundAt])).toEqual([
      ['nftables', '/usr/sbin/nft'],
      ['kubernetes-client', undefined],
    ]);
  });

  it('rejects a command the table does not know', () => {
    expect(() => findMissing('deploy', () => true)).toThrow(/unknown command 'deploy' \(expected one of test, demo, bench\)/);
  });
});

describe('describeProbe', () => {
  it.each<[string, Probe, Record<string, string>, string]>([
    ['a program', { program: 'nft' }, {}, 'nft'],
    ['a file', { file: '/usr/bin/chromium', env: 'ZERODROP_CHROMIUM' }, {}, '/usr/bin/chromium'],
    ['a file its variable overrides', { file: '/usr/bin/chromium', env: 'ZERODROP_CHROMIUM' }, { ZERODROP_CHROMIUM: '/opt/chrome' }, '/opt/chrome'],
    ['a command', { run: ['/usr/bin/python3', '-c', 'import kubernetes'] }, {}, '/usr/bin/python3 -c import kubernetes'],
  ])('%s', (_name, probe, env, expected) => {
    expect(describeProbe(probe, env)).toBe(expected);
  });
});

describe('versionAtLeast', () => {
  it.each([
    ['20.20.2', '20.19.0', true],
    ['20.19.0', '20.19.0', true],
    ['v20.18.3', '20.19.0', false],
    ['18.19.0', '20.19.0', false],
    ['22.0.0', '20.19.0', true],
    ['20.19', '20.19.0', true],
  ])('%s >= %s: %s', (v, min, expected) => {
    expect(versionAtLeast(v, min)).toBe(expected);
  });
});

describe('aptCommandLine', () => {
  it('installs every package in one apt-get call, with sudo when not root', () => {
    expect(aptCommandLine(['nftables', 'chromium'], false)).toBe('apt-get update && apt-get install -y nftables chromium');
    expect(aptCommandLine(['wrk'], true)).toBe('sudo apt-get update && sudo apt-get install -y wrk');
  });
});

describe('decide', () => {
  it.each<[string, Partial<DecideInput>, string, RegExp[]]>([
    ['nothing missing, as root', {}, 'ok', []],
    ['nothing missing, not root, no apt-get (bench needs no root)', { isRoot: false, hasAptGet: false }, 'ok', []],
    ['missing, root and apt-get: installs', { missing: [nft, kubectl] }, 'install', [/`npm run bench` needs Debian packages .* installing them with apt-get/, /- nftables \(nft\): nft is needed/, /- kubernetes-client \(kubectl\)/]],
    [
      'missing, root and apt-get, ZERODROP_NO_INSTALL: stops with the apt-get command',
      { missing: [nft], noInstall: true },
      'stop',
      [/- nftables \(nft\)/, /ZERODROP_NO_INSTALL is set, so they are not installed/, /^ {2}apt-get update && apt-get install -y nftables$/],
    ],
    [
      'missing, not root: stops with the sudo apt-get command',
      { missing: [nft, kubectl], isRoot: false },
      'stop',
      [/`npm run bench` needs Debian packages this machine does not have:/, /^ {2}sudo apt-get update && sudo apt-get install -y nftables kubernetes-client$/, /run `npm run bench` as root, which installs them itself/],
    ],
    ['missing, root, no apt-get: stops naming the programs', { missing: [kubectl], hasAptGet: false }, 'stop', [/- kubernetes-client \(kubectl\)/, /There is no apt-get here/]],
    [
      'tests, not root, nothing missing, sbin on PATH: stops asking for root',
      { command: 'test', isRoot: false, env: { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin' } },
      'stop',
      [/`npm test` must run as root: the tests of the nftables dataplane/, /^ {2}sudo env "PATH=\$PATH" npm test$/],
    ],
    [
      "tests, not root, a user's PATH without sbin: the root command adds the sbin folders (nft is in /usr/sbin)",
      { command: 'test', isRoot: false, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } },
      'stop',
      [/^ {2}sudo env "PATH=\$PATH:\/usr\/local\/sbin:\/usr\/sbin:\/sbin" npm test$/],
    ],
    [
      'tests, not root, nft installed off PATH and kubectl missing: both named, root command with /usr/sbin',
      { command: 'test', isRoot: false, missing: [{ ...nft, foundAt: '/usr/sbin/nft' }, kubectl], env: { PATH: '/usr/bin:/bin:/usr/sbin' } },
      'stop',
      [/installed but not on PATH/, /- nft is at \/usr\/sbin\/nft, not on PATH \(nftables\)/, /It also needs Debian packages/, /- kubernetes-client \(kubectl\)/, /^ {2}sudo env "PATH=\$PATH:\/usr\/local\/sbin:\/sbin" npm test$/],
    ],
    [
      'bench, not root, nginx installed in /usr/sbin off PATH: stops with the PATH to set, installs nothing',
      { missing: [{ ...row('nginx-light', 'nginx'), foundAt: '/usr/sbin/nginx' }], isRoot: false },
      'stop',
      [/- nginx is at \/usr\/sbin\/nginx, not on PATH \(nginx-light\)/, /Add \/usr\/sbin to PATH, then run `npm run bench` again/, /^ {2}export PATH="\$PATH:\/usr\/sbin"$/],
    ],
    [
      'bench, root, one off PATH and one not installed: stops with the apt-get command and the PATH',
      { missing: [{ ...row('nginx-light', 'nginx'), foundAt: '/usr/sbin/nginx' }, row('wrk', 'wrk')] },
      'stop',
      [/- wrk \(wrk\)/, /^ {2}apt-get update && apt-get install -y wrk$/, /^ {2}export PATH="\$PATH:\/usr\/sbin"$/],
    ],
    [
      'tests, not root, packages missing: root first (as root it installs them)',
      { command: 'test', isRoot: false, missing: [kubectl] },
      'stop',
      [/must run as root/, /It also needs Debian packages/, /- kubernetes-client \(kubectl\)/, /as root it installs missing packages itself/],
    ],
    ['tests, root, packages missing: installs', { command: 'test', missing: [kubectl] }, 'install', [/`npm test` needs Debian packages/]],
    ['Node older than engines: stops whatever else', { node: { version: '18.19.0', min: '20.19.0' }, missing: [nft] }, 'stop', [/needs Node.js >= 20.19.0; this is Node.js 18.19.0/, /Install a newer Node.js/]],
    ['Node recent enough', { node: { version: '20.20.2', min: '20.19.0' } }, 'ok', []],
    ['the demo needs nothing', { command: 'demo', isRoot: false, hasAptGet: false }, 'ok', []],
  ])('%s', (_name, input, action, patterns) => {
    const d = decide({ ...base, ...input });
    expect(d.action).toBe(action);
    if (d.action === 'install') expect(d.packages).toEqual((input.missing ?? []).map((r) => r.package));
    for (const p of patterns) expect(d.lines.some((l) => p.test(l)), `${p} in\n${d.lines.join('\n')}`).toBe(true);
    if (action === 'ok') expect(d.lines).toEqual([]);
  });

  it('names the file a variable points the probe at', () => {
    const chromium: PackageRow = { package: 'chromium', probe: { file: '/usr/bin/chromium', env: 'ZERODROP_CHROMIUM' }, why: 'browser tests' };
    const d = decide({ ...base, missing: [chromium], isRoot: false, env: { ZERODROP_CHROMIUM: '/opt/chrome/chrome' } });
    expect(d.lines).toContain('  - chromium (/opt/chrome/chrome): browser tests');
  });
});
