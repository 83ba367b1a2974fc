import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { pickRollbackTarget, templateForDeployment } from '../../../src/rollout/rollback.js';
import { deploymentFromManifest, loadPatch, resolveImageChange, rfc3339 } from '../../../src/rollout/triggers.js';

const dep = (containers: string[], inits: string[] = []): V1Deployment => ({
  metadata: { name: 'web' },
  spec: {
    selector: {},
    template: { spec: { containers: containers.map((name) => ({ name, image: `${name}:v1` })), ...(inits.length > 0 ? { initContainers: inits.map((name) => ({ name })) } : {}) } },
  },
});

describe('rfc3339', () => {
  it('drops milliseconds as kubectl does', () => {
    expect(rfc3339(new Date('2025-03-04T05:06:07.890Z'))).toBe('2025-03-04T05:06:07Z');
  });
});

describe('resolveImageChange', () => {
  it.each<[string, V1Deployment, string, { container: string; image: string; init: boolean }]>([
    ['named', dep(['app', 'sidecar']), 'app=repo/app:v2', { container: 'app', image: 'repo/app:v2', init: false }],
    ['bare image, one container', dep(['app']), 'repo/app:v2', { container: 'app', image: 'repo/app:v2', init: false }],
    ['registry with port', dep(['app']), 'app=reg:5000/app:v2', { container: 'app', image: 'reg:5000/app:v2', init: false }],
    ['init container', dep(['app'], ['migrate']), 'migrate=m:2', { container: 'migrate', image: 'm:2', init: true }],
  ])('%s', (_n, d, spec, want) => {
    expect(resolveImageChange(d, spec)).toEqual(want);
  });

  it.each<[string, V1Deployment, string, RegExp]>([
    ['unknown container lists the containers', dep(['app', 'sidecar'], ['migrate']), 'api=x:1', /container "api" not found .*app, sidecar, migrate \(init\)/],
    ['bare image, two containers', dep(['app', 'sidecar']), 'x:1', /names no container and the pod has 2 \(app, sidecar\)/],
    ['empty image', dep(['app']), 'app=', /no image/],
  ])('%s', (_n, d, spec, re) => {
    let err: unknown;
    try {
      resolveImageChange(d, spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(re);
  });
});

describe('loadPatch', () => {
  const files: Record<string, string> = { 'p.yaml': 'spec:\n  minReadySeconds: 5\n', 'ops.json': '[{"op":"replace","path":"/spec/replicas","value":3}]' };
  const read = async (p: string): Promise<string> => {
    const t = files[p];
    if (t === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    return t;
  };
  it.each<[string, Parameters<typeof loadPatch>[0], unknown]>([
    ['inline JSON', { kind: 'patch', patch: '{"spec":{"replicas":2}}' }, { spec: { replicas: 2 } }],
    ['inline object', { kind: 'patch', patch: { spec: { paused: false } }, patchType: 'merge' }, { spec: { paused: false } }],
    ['YAML file', { kind: 'patch', file: 'p.yaml' }, { spec: { minReadySeconds: 5 } }],
    ['JSON patch file', { kind: 'patch', file: 'ops.json', patchType: 'json' }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]],
  ])('%s', async (_n, spec, want) => {
    expect(await loadPatch(spec, read)).toEqual(want);
  });

  it.each<[string, Parameters<typeof loadPatch>[0], RegExp]>([
    ['missing file', { kind: 'patch', file: 'nope.yaml' }, /nope.yaml: file not found/],
    ['JSON patch that is an object', { kind: 'patch', patch: '{"spec":{}}', patchType: 'json' }, /list of operations/],
    ['merge patch that is a list', { kind: 'patch', patch: '[]' }, /is an object/],
    ['no patch at all', { kind: 'patch' }, /needs a patch/],
    ['bad YAML', { kind: 'patch', patch: '{spec: [' }, /not valid JSON or YAML/],
  ])('%s', async (_n, spec, re) => {
    await expect(loadPatch(spec, read)).rejects.toThrow(re);
  });
});

describe('deploymentFromManifest', () => {
  const manifest = `apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  template: {spec: {containers: [{name: app, image: app:v2}]}}
`;
  it('finds the Deployment among other documents', () => {
    expect(deploymentFromManifest(manifest, 'web', 'default', 'm.yaml').spec?.replicas).toBe(3);
  });
  it.each<[string, string, string, string, RegExp]>([
    ['other name', manifest, 'api', 'default', /holds no Deployment named "api" \(found Service\/web, Deployment\/web\)/],
    ['other namespace', manifest.replace('metadata: {name: web}\nspec', 'metadata: {name: web, namespace: prod}\nspec'), 'web', 'default', /namespace "prod"/],
    ['no spec', 'kind: Deployment\nmetadata: {name: web}\n', 'web', 'default', /has no spec/],
    ['bad YAML', 'kind: [', 'web', 'default', /m.yaml/],
  ])('%s', (_n, text, name, ns, re) => {
    expect(() => deploymentFromManifest(text, name, ns, 'm.yaml')).toThrow(re);
  });
});

describe('pickRollbackTarget', () => {
  const rs = (name: string, rev: string): V1ReplicaSet => ({ metadata: { name, annotations: { 'deployment.kubernetes.io/revision': rev } } });
  const all = [rs('a', '1'), rs('c', '3'), rs('b', '2'), rs('d', '10')];
  it.each<[string, string | undefined, number | undefined, string]>([
    ['previous of the current', '10', undefined, 'c'],
    ['previous of a middle revision', '3', undefined, 'b'],
    ['explicit revision', '10', 1, 'a'],
    ['current unknown: the one below the newest', undefined, undefined, 'c'],
  ])('%s', (_n, current, to, want) => {
    expect(pickRollbackTarget(all, current, to).metadata?.name).toBe(want);
  });
  it('refuses when there is nothing before', () => {
    expect(() => pickRollbackTarget([rs('a', '1')], '1')).toThrow(/no revision before 1/);
  });
  it('refuses an unknown revision and lists the known ones', () => {
    expect(() => pickRollbackTarget(all, '10', 7)).toThrow(/revision 7 not found; known revisions: 1, 2, 3, 10/);
  });
});

describe('templateForDeployment', () => {
  it('drops pod-template-hash and keeps the rest', () => {
    const t = { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'app', image: 'x' }] } };
    expect(templateForDeployment(t)).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } });
    expect(t.metadata.labels['pod-template-hash']).toBe('abc');
  });
});
