import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { applyJsonPatch, applyMergePatch, applyPatch, applyStrategicMergePatch, patchTypeOf, PATCH_TYPES } from '../../../../src/emulator/api/patch.js';

const doc = { a: 1, b: { c: [1, 2, 3], d: 'x' }, 'k/e~y': true };

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof ApiError ? err.code : -1;
  }
  return undefined;
}

describe('JSON patch (RFC 6902)', () => {
  it.each([
    ['add a key', [{ op: 'add', path: '/z', value: 9 }], { ...doc, z: 9 }],
    ['add into an array', [{ op: 'add', path: '/b/c/1', value: 9 }], { ...doc, b: { c: [1, 9, 2, 3], d: 'x' } }],
    ['append with -', [{ op: 'add', path: '/b/c/-', value: 4 }], { ...doc, b: { c: [1, 2, 3, 4], d: 'x' } }],
    ['replace', [{ op: 'replace', path: '/a', value: 2 }], { ...doc, a: 2 }],
    ['remove', [{ op: 'remove', path: '/b/d' }], { ...doc, b: { c: [1, 2, 3] } }],
    ['escaped keys', [{ op: 'remove', path: '/k~1e~0y' }], { a: 1, b: doc.b }],
    ['move', [{ op: 'move', from: '/a', path: '/b/a' }], { b: { c: [1, 2, 3], d: 'x', a: 1 }, 'k/e~y': true }],
    ['copy', [{ op: 'copy', from: '/b/d', path: '/e' }], { ...doc, e: 'x' }],
    ['passing test', [{ op: 'test', path: '/b/c', value: [1, 2, 3] }, { op: 'replace', path: '/a', value: 5 }], { ...doc, a: 5 }],
  ])('%s', (_name, ops, want) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  it.each([
    ['failing test', [{ op: 'test', path: '/a', value: 2 }], 422],
    ['replace of a missing key', [{ op: 'replace', path: '/nope', value: 1 }], 422],
    ['remove of a missing key', [{ op: 'remove', path: '/nope' }], 422],
    ['index out of bounds', [{ op: 'add', path: '/b/c/9', value: 1 }], 422],
    ['unknown op', [{ op: 'frob', path: '/a' }], 400],
    ['not an array', { op: 'add' }, 400],
  ])('%s -> %i', (_name, ops, want) => {
    expect(code(() => applyJsonPatch(doc, ops))).toBe(want);
  });

  it('leaves the input untouched', () => {
    const input = structuredClone(doc);
    applyJsonPatch(input, [{ op: 'remove', path: '/b/c/0' }]);
    expect(input).toEqual(doc);
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  // cases from RFC 7386 appendix A
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j', (target, patch, want) => {
    expect(applyMergePatch(target, patch)).toEqual(want);
  });
});

const deployment = {
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'v1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'x', mountPath: '/x' }] },
          { name: 'side', image: 's1' },
        ],
        volumes: [{ name: 'x', emptyDir: {} }],
        tolerations: [{ key: 't' }],
      },
    },
  },
};

type Obj = Record<string, any>;
const containers = (o: unknown): Obj[] => (o as Obj)['spec']['template']['spec']['containers'] as Obj[];

describe('strategic merge patch', () => {
  it('merges containers by name, keeping unnamed fields', () => {
    const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'app', image: 'v2' }] } } } }, 'Deployment');
    expect(containers(out).map((c) => [c['name'], c['image']])).toEqual([['app', 'v2'], ['side', 's1']]);
    expect(containers(out)[0]?.['env']).toHaveLength(2);
  });

  it('appends a container with a new name', () => {
    const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'third', image: 't' }] } } } }, 'Deployment');
    expect(containers(out).map((c) => c['name'])).toEqual(['app', 'side', 'third']);
  });

  it('merges env by name, ports by containerPort, volumeMounts by mountPath', () => {
    const out = applyStrategicMergePatch(
      deployment,
      { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], ports: [{ containerPort: 80, name: 'http' }], volumeMounts: [{ mountPath: '/x', readOnly: true }] }] } } } },
      'Deployment',
    );
    const app = containers(out)[0] ?? {};
    expect(app['env']).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
    expect(app['ports']).toEqual([{ containerPort: 80, protocol: 'TCP', name: 'http' }]);
    expect(app['volumeMounts']).toEqual([{ name: 'x', mountPath: '/x', readOnly: true }]);
  });

  it('deletes list items with $patch: delete and map keys with null', () => {
    const out = applyStrategicMergePatch(
      deployment,
      { metadata: { labels: { app: null } }, spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }, { name: 'app', env: [{ name: 'A', $patch: 'delete' }] }] } } } },
      'Deployment',
    ) as Obj;
    expect(out['metadata']['labels']).toEqual({});
    expect(containers(out).map((c) => c['name'])).toEqual(['app']);
    expect(containers(out)[0]?.['env']).toEqual([{ name: 'B', value: '2' }]);
  });

  it('replaces a list with $patch: replace and a map with $patch: replace', () => {
    const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o' }] } }, $patch: 'replace', replicas: 1 } }, 'Deployment') as Obj;
    expect(out['spec']).toEqual({ replicas: 1, template: { spec: { containers: [{ name: 'only', image: 'o' }] } } });
  });

  it('replaces lists without a merge key (tolerations)', () => {
    const out = applyStrategicMergePatch(deployment, { spec: { template: { spec: { tolerations: [{ key: 'u' }] } } } }, 'Deployment') as Obj;
    expect(out['spec']['template']['spec']['tolerations']).toEqual([{ key: 'u' }]);
  });

  it('honors $setElementOrder, $deleteFromPrimitiveList and ignores $retainKeys', () => {
    const out = applyStrategicMergePatch(
      deployment,
      {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
        spec: { $retainKeys: ['replicas'], template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }], containers: [{ name: 'app', image: 'v3' }] } } },
      },
      'Deployment',
    ) as Obj;
    expect(out['metadata']['finalizers']).toEqual([]);
    expect(containers(out).map((c) => `${String(c['name'])}:${String(c['image'])}`)).toEqual(['side:s1', 'app:v3']);
    expect(out['spec']['$retainKeys']).toBeUndefined();
  });

  it('merges Service ports by port', () => {
    const svc = { kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, targetPort: 8443 }] } };
    const out = applyStrategicMergePatch(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }, 'Service') as Obj;
    expect(out['spec']['ports']).toEqual([{ port: 80, targetPort: 9090, protocol: 'TCP' }, { port: 443, targetPort: 8443 }]);
  });

  it('merges status conditions by type', () => {
    const d = { status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Progressing', status: 'True' }] } };
    const out = applyStrategicMergePatch(d, { status: { conditions: [{ type: 'Available', status: 'False' }] } }, 'Deployment') as Obj;
    expect(out['status']['conditions']).toEqual([{ type: 'Available', status: 'False' }, { type: 'Progressing', status: 'True' }]);
  });

  it('sets the restartedAt annotation as kubectl rollout restart does', () => {
    const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } };
    const out = applyStrategicMergePatch(deployment, patch, 'Deployment') as Obj;
    expect(out['spec']['template']['metadata']['annotations']).toEqual({ 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' });
    expect(containers(out)).toHaveLength(2);
  });
});

describe('patch dispatch', () => {
  it.each([
    ['application/json-patch+json', PATCH_TYPES.json],
    ['application/merge-patch+json; charset=utf-8', PATCH_TYPES.merge],
    ['application/strategic-merge-patch+json', PATCH_TYPES.strategic],
    ['application/apply-patch+yaml', PATCH_TYPES.apply],
  ])('%s', (ct, want) => {
    expect(patchTypeOf(ct)).toBe(want);
  });

  it.each(['application/json', 'text/plain', undefined])('rejects %s with 415', (ct) => {
    expect(code(() => patchTypeOf(ct))).toBe(415);
  });

  it('applies an apply patch as a merge of the applied configuration', () => {
    const out = applyPatch(PATCH_TYPES.apply, deployment, { spec: { replicas: 5, template: { spec: { containers: [{ name: 'app', image: 'v9' }] } } } }, 'Deployment') as Obj;
    expect(out['spec']['replicas']).toBe(5);
    expect(containers(out).map((c) => c['image'])).toEqual(['v9', 's1']);
  });
});
