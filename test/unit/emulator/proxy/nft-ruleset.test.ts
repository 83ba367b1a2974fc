import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderRuleset, tableName, tableOwnerPid } from '../../../../src/emulator/proxy/nft-ruleset.js';

describe('nft ruleset', () => {
  it('renders kube-proxy-style maps and chains (golden)', () => {
    const text = renderRuleset(
      'zerodrop_test_p42',
      [
        { namespace: 'default', service: 'web', portName: 'http', protocol: 'TCP', clusterIP: '127.200.0.1', port: 80, endpoints: [{ ip: '127.10.0.1', port: 8080 }, { ip: '127.10.0.2', port: 8080 }] },
        { namespace: 'shop', service: 'cart', portName: '', protocol: 'TCP', clusterIP: '127.200.0.2', port: 8080, endpoints: [] },
        { namespace: 'shop', service: 'pay', portName: '', protocol: 'TCP', clusterIP: '127.200.0.3', port: 443, endpoints: [] },
      ],
      'zerodrop emulator service proxy, owner pid 42',
    );
    expect(text).toBe(readFileSync(new URL('./ruleset.golden.nft', import.meta.url), 'utf8'));
  });

  it('renders an empty ruleset without element lists', () => {
    const text = renderRuleset('zerodrop_x_p1', [], 'c');
    expect(text).not.toContain('elements');
    expect(text).toContain('map service-ips');
  });

  it.each([
    ['abc', 12, 'zerodrop_abc_p12'],
    ['a-b/c', 7, 'zerodrop_abc_p7'],
    ['', 1, 'zerodrop_x_p1'],
  ])('table name for %j, pid %d is %s, and the pid reads back', (id, pid, want) => {
    expect(tableName(id, pid)).toBe(want);
    expect(tableOwnerPid(want)).toBe(pid);
  });

  it.each([['filter'], ['zerodropx_p1'], ['kube-proxy'], ['zerodrop_noowner']])('%s is not ours', (name) => {
    expect(tableOwnerPid(name)).toBeUndefined();
  });
});
