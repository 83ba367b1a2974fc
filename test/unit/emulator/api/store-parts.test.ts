import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src/emulator/api/api-error.js';
import { ClusterIPAllocator } from '../../../../src/emulator/api/cluster-ip-allocator.js';
import { k8sTime, key, stripRV } from '../../../../src/emulator/api/store-table.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';

const svc = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ...spec } });

describe('store-table helpers', () => {
  it.each([
    [undefined, 'n', '/n'],
    ['ns', 'n', 'ns/n'],
  ])('key(%s, %s) is %s', (ns, name, want) => {
    expect(key(ns, name)).toBe(want);
  });

  it('k8sTime drops the milliseconds', () => {
    expect(k8sTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05Z');
  });

  it('stripRV tells objects apart but not by resourceVersion', () => {
    const a: KObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '1' } };
    expect(stripRV(a)).toBe(stripRV({ ...a, metadata: { ...a.metadata, resourceVersion: '9' } }));
    expect(stripRV(a)).not.toBe(stripRV({ ...a, metadata: { ...a.metadata, name: 'b' } }));
    expect(a.metadata.resourceVersion).toBe('1');
  });
});

describe('ClusterIPAllocator', () => {
  it.each([
    ['headless', { clusterIP: 'None' }, 'None', ['None'], undefined],
    ['ExternalName', { type: 'ExternalName' }, undefined, undefined, undefined],
    ['requested', { clusterIP: '127.200.9.9' }, '127.200.9.9', ['127.200.9.9'], ['IPv4']],
  ])('fills a %s Service', (_label, spec, clusterIP, clusterIPs, families) => {
    const o = svc(spec);
    new ClusterIPAllocator().assignServiceIPs(o, 's', false);
    expect(o.spec.clusterIP).toBe(clusterIP);
    expect(o.spec.clusterIPs).toEqual(clusterIPs);
    expect(o.spec.ipFamilies).toEqual(families);
    expect(o.status).toEqual({ loadBalancer: {} });
  });

  it('allocates from 127.200.0.0/16, refuses a held address with 422, and reuses a released one', () => {
    const a = new ClusterIPAllocator();
    const o = svc({});
    a.assignServiceIPs(o, 's', false);
    const ip = o.spec.clusterIP as string;
    expect(ip).toMatch(/^127\.200\.\d+\.\d+$/);
    a.add(ip);
    const clash = (): void => a.assignServiceIPs(svc({ clusterIP: ip }), 't', false);
    expect(clash).toThrow(ApiError);
    a.release(ip);
    expect(clash).not.toThrow();
  });

  it('gives a dry run a placeholder', () => {
    const o = svc({});
    new ClusterIPAllocator().assignServiceIPs(o, 's', true);
    expect(o.spec.clusterIP).toBe('127.200.0.0');
  });
});
