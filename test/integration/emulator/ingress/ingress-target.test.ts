import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type Cluster } from '../../../../src/cluster/cluster.js';
import { startEmulator, type EmulatorHandle } from '../../../../src/emulator/index.js';
import { resolveIngressTarget } from '../../../../src/runner/ingress-target.js';
import type { TargetSpec } from '../../../../src/scenario/types.js';

let emu: EmulatorHandle;
let cluster: Cluster;
const target = { path: '/api/x' } as TargetSpec;

beforeAll(async () => {
  // An nginx that is not there: the controller must say what to install.
  emu = await startEmulator({ images: {}, dataplane: 'userspace', ingressSyncDelayMs: 50, nginxPath: '/nonexistent/nginx' });
  cluster = await connectCluster({ kubeconfigPath: emu.kubeconfigPath });
  emu.store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'default' }, spec: { selector: { app: 'api' }, ports: [{ port: 80 }] } });
  emu.store.create('ingresses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'api', namespace: 'default' },
    spec: { rules: [{ host: 'api.test', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] } }] },
  });
}, 60_000);

afterAll(async () => {
  await emu?.stop();
});

describe('resolveIngressTarget', () => {
  it('without nginx, fails with E_INGRESS_NO_ADDRESS quoting the controller\'s event that names the package', async () => {
    await expect(resolveIngressTarget(cluster, 'api', 'default', target, 3000, new AbortController().signal)).rejects.toMatchObject({
      code: 'E_INGRESS_NO_ADDRESS',
      message: expect.stringMatching(/NginxNotFound: nginx not found at \/nonexistent\/nginx: install the Debian package nginx-light/),
    });
  }, 30_000);

  it('once the status has an address, answers its URL and the Host of the rule serving the path', async () => {
    const cur = emu.store.get('ingresses', 'default', 'api');
    emu.store.update('ingresses', { ...cur!, status: { loadBalancer: { ingress: [{ ip: '127.0.0.1', ports: [{ port: 18123, protocol: 'TCP' }] }] } } }, { subresource: 'status' });
    await expect(resolveIngressTarget(cluster, 'api', 'default', target, 3000, new AbortController().signal)).resolves.toEqual({ url: 'http://127.0.0.1:18123/api/x', headers: { host: 'api.test' }, service: 'api' });
  }, 30_000);

  it('names the path no rule serves (exit 3)', async () => {
    await expect(resolveIngressTarget(cluster, 'api', 'default', { path: '/other' } as TargetSpec, 3000, new AbortController().signal)).rejects.toMatchObject({ code: 'E_INVALID_INPUT' });
  }, 30_000);
});
