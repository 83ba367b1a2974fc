import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { nftablesSupport } from '../../src/emulator/proxy/nft-dataplane.js';
import { repoRoot, runCli } from '../helpers/cli.js';

/**
 * The naive demo (scenarios/emulator-naive.yaml, shortened) through both Service dataplanes. The
 * kernel one refuses new connections to a pod that stopped listening; the userspace proxy has
 * accepted them already and resets them. The failure classes differ, as they would between two
 * clusters; the first cause the diagnosis names must not.
 */
function scenarioFor(dataplane: 'nftables' | 'userspace', dir: string): string {
  const s = parse(readFileSync(join(repoRoot, 'scenarios/emulator-naive.yaml'), 'utf8')) as Record<string, any>;
  s['kubernetes']['emulator'] = { ...s['kubernetes']['emulator'], dataplane, manifests: [join(repoRoot, 'scenarios/apps/demo-naive.yaml')] };
  s['load'] = { ...s['load'], rate: 300, warmup: '500ms' };
  s['trigger'] = { ...s['trigger'], baseline: '1s', cooldown: '1s' };
  const file = join(dir, `naive-${dataplane}.yaml`);
  writeFileSync(file, stringify(s));
  return file;
}

describe('the naive demo names the same causes on every dataplane', () => {
  it('nftables and userspace: refused vs reset, both "no preStop delay" among the first two', async () => {
    const support = await nftablesSupport();
    if (!support.ok) throw new Error(`the nftables dataplane is needed for this test (${support.reason}); run as root with nft installed: apt-get install -y nftables`);
    const dir = mkdtempSync(join(tmpdir(), 'zerodrop-dataplanes-'));
    const reports: Record<string, any> = {};
    // One after the other: two rollouts at once on a shared 2-core machine would blur both.
    for (const dataplane of ['nftables', 'userspace'] as const) {
      const out = join(dir, dataplane);
      const r = await runCli(['run', scenarioFor(dataplane, dir), '--out', out, '--quiet']);
      expect(existsSync(join(out, 'report.json')), r.stdout + r.stderr).toBe(true);
      expect(r.code, r.stderr).toBe(1);
      reports[dataplane] = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    }
    const nft = reports['nftables'];
    const user = reports['userspace'];
    expect(nft.meta.cluster.dataplane).toBe('nftables');
    expect(user.meta.cluster.dataplane).toBe('userspace');
    // What each dataplane makes of a connection to a pod that no longer listens.
    expect(nft.failures.refused, JSON.stringify(nft.failures)).toBeGreaterThan(0);
    expect(user.failures.refused, JSON.stringify(user.failures)).toBe(0);
    expect(user.failures.reset, JSON.stringify(user.failures)).toBeGreaterThan(0);
    const ids = (r: any): string => r.diagnosis.map((d: { id: string }) => d.id).join(',');
    // The naive app has two faults, no preStop delay and no readiness probe, and the rules rank by
    // the requests they explain: on a loaded machine new pods start slowly and the readiness cause
    // can weigh more. What must hold on both dataplanes: the preStop cause is among the first two,
    // read from that dataplane's evidence. One exception, seen twice in loaded CI runs on userspace
    // and not yet explained (see the session note): requests already failing in the baseline. The
    // report must then say so itself (pre-existing-failures), and no cause is pinned on the rollout.
    const top2 = (r: any): string[] => r.diagnosis.slice(0, 2).map((d: { id: string }) => d.id);
    const preExisting = (r: any): boolean => r.diagnosis.some((d: { id: string }) => d.id === 'pre-existing-failures');
    expect(top2(nft), ids(nft)).toContain('prestop-delay');
    if (preExisting(user)) {
      expect(user.phases.find((p: { name: string }) => p.name === 'baseline')?.failed, ids(user)).toBeGreaterThan(0);
      return;
    }
    expect(top2(user), ids(user)).toContain('prestop-delay');
    const userPreStop = user.diagnosis.find((d: { id: string }) => d.id === 'prestop-delay');
    expect(userPreStop?.evidence).toMatch(/resets? on new connections that never got an answer: the userspace dataplane/);
  });
});
