import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type Cluster } from '../../../src/cluster/cluster.js';
import { applyManifests } from '../../../src/emulator/apply-manifests.js';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/index.js';
import { CouldNotRunError, InvalidInputError } from '../../../src/errors.js';
import { loadBalancerUrl } from '../../../src/runner/load-balancer-target.js';
import type { KubernetesSpec, TargetSpec } from '../../../src/scenario/types.js';

let h: EmulatorHandle | undefined;
let cluster: Cluster;

beforeAll(async () => {
  h = await startEmulator({ images: {}, dataplane: 'userspace', proxyDelayMs: 0 });
  cluster = await connectCluster({ kubeconfigPath: h.kubeconfigPath });
  applyManifests(
    h.store,
    `apiVersion: v1
kind: Service
metadata: {name: empty-lb}
spec:
  type: LoadBalancer
  selector: {app: nothing}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: plain}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
`,
    'services.yaml',
  );
});
afterAll(async () => {
  await h?.stop();
});

const spec = (loadBalancer: string, rolloutTimeoutMs = 1500): KubernetesSpec => ({
  kubeconfig: undefined,
  context: undefined,
  namespace: 'default',
  deployment: 'web',
  service: loadBalancer,
  servicePort: undefined,
  loadBalancer,
  emulator: undefined,
  rolloutTimeoutMs,
  rollbackOnFail: false,
});
const target = { path: '/', timeoutMs: 500 } as TargetSpec;

describe('the target of kubernetes.loadBalancer', () => {
  it('waits for the load balancer to serve, and says it never did (E_LOAD_BALANCER_NOT_READY) with its last answer', async () => {
    const err = await loadBalancerUrl(cluster, spec('empty-lb'), target, 'default', new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect((err as CouldNotRunError).code).toBe('E_LOAD_BALANCER_NOT_READY');
    expect((err as Error).message).toMatch(/http:\/\/127\.201\.\d+\.\d+:80\/ did not serve within \d+ s \(last answer: 503\)/);
  });

  it('refuses a Service that is not of type LoadBalancer, naming the field', async () => {
    const err = await loadBalancerUrl(cluster, spec('plain'), target, 'default', new AbortController().signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems[0]).toMatchObject({ path: 'kubernetes.loadBalancer' });
  });
});
