import { AppsV1Api, CoreV1Api, type V1Deployment, type V1Service } from '@kubernetes/client-node';
import type { Clock } from '../../../src/clock.js';
import type { Cluster } from '../../../src/cluster/cluster.js';
import { rolloutStatus } from '../../../src/rollout/rollout-status.js';

/** A clock for tests: real time since creation. */
export function testClock(): Clock {
  const t0 = performance.now();
  return { nowMs: () => performance.now() - t0, t0EpochMs: Date.now() };
}

/** Polls until fn returns a truthy value, or throws after timeoutMs. */
export async function waitFor<T>(fn: () => T | Promise<T>, timeoutMs = 20_000, what = 'condition'): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Options of the demo Deployment. */
export interface DemoOptions {
  replicas?: number;
  env?: Record<string, string>;
  progressDeadlineSeconds?: number;
  image?: string;
  preStopSeconds?: number;
}

/** A Deployment of the demo app, graceful settings, quick probes. */
export function demoDeployment(name: string, o: DemoOptions = {}): V1Deployment {
  const env = { ON_SIGTERM: 'drain', ...(o.env ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: o.replicas ?? 2,
      ...(o.progressDeadlineSeconds === undefined ? {} : { progressDeadlineSeconds: o.progressDeadlineSeconds }),
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'app',
              image: o.image ?? 'zerodrop/demo-app:v1',
              ports: [{ name: 'http', containerPort: 8080 }],
              env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
              ...(o.preStopSeconds === undefined ? {} : { lifecycle: { preStop: { sleep: { seconds: o.preStopSeconds } } } }),
            },
          ],
        },
      },
    },
  };
}

/** A Service in front of the demo Deployment. */
export function demoService(name: string): V1Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } };
}

/** Creates the demo Deployment (+ Service) and waits until it is rolled out. */
export async function createDemo(cluster: Cluster, name: string, o: DemoOptions = {}): Promise<void> {
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedService({ namespace: cluster.namespace, body: demoService(name) });
  await apps.createNamespacedDeployment({ namespace: cluster.namespace, body: demoDeployment(name, o) });
  await waitRolledOut(cluster, name);
}

/** Waits until kubectl's rules call the Deployment rolled out and no extra pod remains. */
export async function waitRolledOut(cluster: Cluster, name: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const d = await cluster.getDeployment(name);
      const st = rolloutStatus(d);
      if (!st.done || st.failed) return false;
      const pods = await cluster.listPods(`app=${name}`);
      return pods.length === (d.spec?.replicas ?? 1);
    },
    timeoutMs,
    `deployment ${name} to be rolled out`,
  );
}

/**
 * The cluster with every watch open delayed by `delayMs`: a loaded API server (or a slow network),
 * where a resumed watch may still be opening when the next drop comes. Lists and the events of
 * open watches are untouched.
 */
export function withSlowWatchOpens(cluster: Cluster, delayMs: number): Cluster {
  const watch: Cluster['watch'] = async (...args) => {
    await new Promise((r) => setTimeout(r, delayMs));
    return cluster.watch(...args);
  };
  return new Proxy(cluster, {
    get(target, prop) {
      if (prop === 'watch') return watch;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
