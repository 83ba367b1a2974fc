import { describe, expect, it } from 'vitest';
import { pathSegments, route } from '../../../../src/emulator/api/route.js';

describe('route', () => {
  it.each([
    ['/api/v1/namespaces/default/pods', { plural: 'pods', namespace: 'default', name: undefined, subresource: undefined, watchPath: false }],
    ['/api/v1/namespaces/default/pods/web-1/log', { plural: 'pods', namespace: 'default', name: 'web-1', subresource: 'log', watchPath: false }],
    ['/api/v1/pods', { plural: 'pods', namespace: undefined, name: undefined, subresource: undefined, watchPath: false }],
    ['/api/v1/namespaces/kube-system', { plural: 'namespaces', namespace: undefined, name: 'kube-system', subresource: undefined, watchPath: false }],
    ['/apis/apps/v1/watch/namespaces/ns/deployments/web', { plural: 'deployments', namespace: 'ns', name: 'web', subresource: undefined, watchPath: true }],
    ['/apis/apps/v1/namespaces/ns/deployments/web/scale', { plural: 'deployments', namespace: 'ns', name: 'web', subresource: 'scale', watchPath: false }],
  ])('resolves %s', (path, want) => {
    const r = route(pathSegments(new URL(path, 'http://127.0.0.1')));
    expect(r && { plural: r.info.plural, namespace: r.namespace, name: r.name, subresource: r.subresource, watchPath: r.watchPath }).toEqual(want);
  });

  it.each([['/api'], ['/apis/apps'], ['/api/v1/nothings'], ['/api/v1/pods/web-1'], ['/api/v1/namespaces/default/pods/a/b/c'], ['/apis/nogroup/v1/things']])('does not resolve %s', (path) => {
    expect(route(pathSegments(new URL(path, 'http://127.0.0.1')))).toBeUndefined();
  });

  it('decodes the path segments', () => {
    expect(pathSegments(new URL('http://h/api//v1/namespaces/a%2Db/'))).toEqual(['api', 'v1', 'namespaces', 'a-b']);
  });
});
