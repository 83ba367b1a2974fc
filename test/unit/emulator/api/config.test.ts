import { describe, expect, it } from 'vitest';
import { parseEmulatorConfig, validateEmulatorConfig } from '../../../../src/emulator/config.js';
import { InvalidInputError } from '../../../../src/errors.js';

function problems(raw: unknown): string[] {
  try {
    validateEmulatorConfig(raw);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => p.path);
    throw err;
  }
  return [];
}

describe('emulator config', () => {
  it('parses YAML with every field', () => {
    const cfg = parseEmulatorConfig(`
images:
  "shop:*": {command: [node, shop.js], env: {PORT: "8080"}, cwd: /srv}
proxyDelayMs: 250
dataplane: userspace
nodeName: node-a
port: 0
kubeconfigPath: /tmp/kc
`);
    expect(cfg).toEqual({
      images: { 'shop:*': { command: ['node', 'shop.js'], env: { PORT: '8080' }, cwd: '/srv' } },
      proxyDelayMs: 250,
      dataplane: 'userspace',
      nodeName: 'node-a',
      port: 0,
      kubeconfigPath: '/tmp/kc',
    });
  });

  it('parses JSON and an empty document', () => {
    expect(parseEmulatorConfig('{"proxyDelayMs": 0}')).toEqual({ images: {}, proxyDelayMs: 0 });
    expect(parseEmulatorConfig('{"ingressSyncDelayMs": 500, "nginxPath": "/opt/nginx"}')).toEqual({ images: {}, ingressSyncDelayMs: 500, nginxPath: '/opt/nginx' });
    expect(parseEmulatorConfig('')).toEqual({ images: {} });
  });

  it.each([
    [{ proxyDelayMs: -1 }, ['proxyDelayMs']],
    [{ proxyDelayMs: 30001 }, ['proxyDelayMs']],
    [{ dataplane: 'iptables' }, ['dataplane']],
    [{ nodeName: 'Node_A' }, ['nodeName']],
    [{ port: 70000 }, ['port']],
    [{ kubeconfigPath: '' }, ['kubeconfigPath']],
    [{ ingressSyncDelayMs: -1 }, ['ingressSyncDelayMs']],
    [{ ingressSyncDelayMs: 60001 }, ['ingressSyncDelayMs']],
    [{ nginxPath: '' }, ['nginxPath']],
    [{ bogus: 1 }, ['bogus']],
    [{ images: { a: { command: [] } } }, ['images["a"].command']],
    [{ images: { a: { command: ['x'], env: { X: 1 }, extra: true } } }, ['images["a"].extra', 'images["a"].env.X']],
    [{ images: [] }, ['images']],
    [{ proxyDelayMs: 'x', dataplane: 1, port: 1.5 }, ['proxyDelayMs', 'dataplane', 'port']],
  ])('%j -> problems at %j', (raw, paths) => {
    expect(problems(raw)).toEqual(paths);
  });

  it('reports invalid YAML as invalid input', () => {
    expect(() => parseEmulatorConfig('images: [')).toThrow(InvalidInputError);
  });
});
