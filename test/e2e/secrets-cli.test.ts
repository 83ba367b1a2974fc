import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-secrets-e2e-'));

function filesUnder(dir: string): Array<[string, string]> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [[path, readFileSync(path, 'utf8')] as [string, string]];
  });
}

/** A target that counts what it served and remembers every Authorization header and URL it was sent. */
async function recordingServer(): Promise<{ url: string; port: number; auth: Set<string>; urls: Set<string>; served: () => number; server: Server }> {
  const auth = new Set<string>();
  const urls = new Set<string>();
  let served = 0;
  const server = createServer((req, res) => {
    served++;
    if (req.headers.authorization !== undefined) auth.add(req.headers.authorization);
    urls.add(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, port, auth, urls, served: () => served, server };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`openssl ${args.join(' ')} failed (install it: apt-get install -y openssl): ${(err as Error).message}`);
  }
}

describe('secrets and signatures (end to end)', () => {
  let target: Awaited<ReturnType<typeof recordingServer>>;
  beforeAll(async () => {
    target = await recordingServer();
  });
  afterAll(async () => {
    target.server.closeAllConnections();
    await new Promise((r) => target.server.close(r));
  });

  it('issue case 3: --url http://alice:s3cr3t@host/ puts the password in no file of --out, nor in stdout or stderr, and sends it as Basic auth', async () => {
    const out = tmp();
    const r = await runCli(['run', '--url', `http://alice:s3cr3t@127.0.0.1:${target.port}/`, '--rate', '50', '--duration', '2s', '--out', out]);
    expect([0, 2], r.stderr + r.stdout).toContain(r.code);
    const files = filesUnder(out);
    expect(files.map(([p]) => p.slice(out.length + 1)).sort()).toEqual(['journal.ndjson', 'junit.xml', 'report.html', 'report.json', 'summary.md']);
    for (const [path, text] of [...files, ['stdout', r.stdout], ['stderr', r.stderr]] as Array<[string, string]>) expect(text.includes('s3cr3t'), `s3cr3t in ${path}`).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).meta.target.url).toBe(`http://alice:[redacted]@127.0.0.1:${target.port}/`);
    expect(target.auth).toContain(`Basic ${Buffer.from('alice:s3cr3t').toString('base64')}`);
  });

  it('--agents on the emulator: the agents get the real secrets, no output holds them', async () => {
    const dir = tmp();
    const bearer = 'agent-bearer-5c4b3a29';
    writeFileSync(
      join(dir, 'scenario.yaml'),
      [
        'kubernetes:',
        `  emulator: {manifests: [${join(repoRoot, 'scenarios', 'apps', 'demo-graceful.yaml')}]}`,
        '  deployment: demo-graceful',
        `target: {url: "http://alice:agentpw-77e6d5@127.0.0.1:${target.port}/?token=agent-tok-88f7", timeout: 1s, headers: {Authorization: "Bearer ${bearer}"}}`,
        'load: {rate: 60, duration: 2s, agents: {count: 2, startDelay: 10s}}',
      ].join('\n'),
    );
    const r = await runCli(['run', join(dir, 'scenario.yaml'), '--out', join(dir, 'out')]);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
    expect(report.agents, r.stderr).toHaveLength(2);
    expect(report.totals.sent).toBeGreaterThan(60);
    expect(target.served()).toBeGreaterThan(60);
    // The agents (and the coordinator's reachability check) sent the real secrets.
    expect(target.auth).toContain(`Bearer ${bearer}`);
    expect(target.urls).toContain('/?token=agent-tok-88f7');
    for (const [path, text] of [...filesUnder(join(dir, 'out')), ['stdout', r.stdout], ['stderr', r.stderr]] as Array<[string, string]>) {
      for (const secret of ['agentpw-77e6d5', 'agent-tok-88f7', bearer]) expect(text.includes(secret), `${secret} in ${path}`).toBe(false);
    }
    expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toMatch(/agent/i);
  }, 120_000);

  describe('signing', () => {
    const keys = tmp();
    const priv = join(keys, 'zerodrop-sign.pem');
    const pub = join(keys, 'zerodrop-sign.pub.pem');
    const otherPub = join(keys, 'other.pub.pem');
    beforeAll(() => {
      // Exactly as the README tells users to make a key pair.
      openssl(['genpkey', '-algorithm', 'ed25519', '-out', priv]);
      openssl(['pkey', '-in', priv, '-pubout', '-out', pub]);
      openssl(['genpkey', '-algorithm', 'ed25519', '-out', join(keys, 'other.pem')]);
      openssl(['pkey', '-in', join(keys, 'other.pem'), '-pubout', '-out', otherPub]);
      openssl(['genpkey', '-algorithm', 'rsa', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', join(keys, 'rsa.pem')]);
    });

    it.each([
      ['--sign-key FILE', ['--sign-key', priv], {}],
      ['ZERODROP_SIGN_KEY holding the PEM (a CI secret)', [], { ZERODROP_SIGN_KEY: '' }],
    ])('a run signed with %s: verify --key 0, edited 1, other key 1; report refuses the edit with 5', async (_name, flags, env) => {
      const out = tmp();
      const e = 'ZERODROP_SIGN_KEY' in env ? { ZERODROP_SIGN_KEY: readFileSync(priv, 'utf8') } : {};
      const r = await runCli(['run', '--url', target.url, '--rate', '50', '--duration', '1s', '--out', out, '--quiet', ...flags], { env: e });
      expect([0, 2], r.stderr).toContain(r.code);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
      expect(report.signature).toEqual({ alg: 'ed25519', keyId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), value: expect.any(String) });
      expect(JSON.stringify(report.meta)).not.toContain('PRIVATE KEY');
      // The key's path is no secret (the command line names it), but the scenario as run leaves it out.
      expect(report.meta.scenario.report.signKey).toBeUndefined();

      const ok = await runCli(['verify', out, '--key', pub]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/^intact and signed: /);
      expect((await runCli(['report', join(out, 'report.json'), '--key', pub, '--format', 'md'])).code).toBe(r.code);

      const other = await runCli(['verify', out, '--key', otherPub]);
      expect(other.code).toBe(1);
      expect(other.stdout).toMatch(/NOT SIGNED BY THIS KEY/);

      // An auditor's nightmare: the verdict edited and the (unkeyed) digest recomputed.
      const edited = { ...report, verdict: report.verdict === 'pass' ? 'fail' : 'pass' };
      delete edited.digest;
      delete edited.signature;
      const { digestOf } = await import('../../src/report/digest.js');
      writeFileSync(join(out, 'report.json'), JSON.stringify({ ...edited, digest: digestOf(edited), signature: report.signature }, null, 2));
      const forged = await runCli(['verify', out, '--key', pub]);
      expect(forged.code).toBe(1);
      expect(forged.stdout).toMatch(/BAD SIGNATURE/);
      expect((await runCli(['verify', out])).code).toBe(0); // the digest alone cannot tell
      const refused = await runCli(['report', join(out, 'report.json'), '--key', pub]);
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/signature does not check out/);
      expect(refused.stdout).toBe('');

      writeFileSync(join(out, 'report.json'), readFileSync(join(out, 'report.json'), 'utf8').replace(/"sent": (\d+)/, '"sent": 1$1'));
      const altered = await runCli(['report', join(out, 'report.json')]);
      expect(altered.code).toBe(5);
      expect(altered.stderr).toMatch(/was changed after zerodrop wrote it/);
      const anyway = await runCli(['report', join(out, 'report.json'), '--no-verify', '--format', 'md']);
      expect(anyway.code).toBe(edited.verdict === 'pass' ? 0 : 1);
      expect(anyway.stderr).toMatch(/warning: .*rendered anyway \(--no-verify\)/);
    }, 60_000);

    it.each([
      ['an RSA key', () => ['--sign-key', join(keys, 'rsa.pem')], /is an RSA key: zerodrop signs with Ed25519 keys only/],
      ['a missing key file', () => ['--sign-key', join(keys, 'nope.pem')], /--sign-key \(report\.signKey\): .*nope\.pem: no such file/],
      ['the public key', () => ['--sign-key', pub], /holds a public key: signing needs the private key/],
    ])('refuses %s with exit 3 before sending any traffic', async (_name, flags, message) => {
      const before = target.served();
      const r = await runCli(['run', '--url', target.url, '--rate', '50', '--duration', '1s', '--out', tmp(), ...flags()]);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(target.served()).toBe(before);
    });
  });
});
