import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { defaultImages } from '../../../../src/emulator/kubelet/default-images.js';
import { startKubelet, type Kubelet } from '../../../../src/emulator/kubelet/kubelet.js';
import { alive, appPid, condition, getPod, podManifest, waitFor } from './helpers.js';

const NODE = 'node-a';
let kubelet: Kubelet | undefined;
afterEach(async () => {
  await kubelet?.stop();
  kubelet = undefined;
});

function get(url: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

function lines(text: string, pattern: RegExp): number[] {
  return text
    .split('\n')
    .map((l, i) => (pattern.test(l) ? i : -1))
    .filter((i) => i >= 0);
}

const readiness = { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 };

describe('kubelet', () => {
  it('runs a pod as a process with its own loopback IP and makes it Ready through its readiness probe', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    store.create('pods', podManifest('web', NODE, { readinessProbe: readiness, env: [{ name: 'STARTUP_DELAY_MS', value: '300' }] }));
    const running = await waitFor('running', () => (getPod(store, 'web')?.status?.phase === 'Running' ? getPod(store, 'web') : undefined));
    expect(running?.status.podIP).toMatch(/^127\.10\.\d+\.\d+$/);
    expect(condition(running, 'Ready')).toBe('False');
    const ready = await waitFor('ready', () => (condition(getPod(store, 'web'), 'Ready') === 'True' ? getPod(store, 'web') : undefined));
    const cs = ready.status.containerStatuses[0];
    expect(cs).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0 });
    expect(cs.state.running.startedAt).toBeTypeOf('string');
    for (const t of ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']) expect(condition(ready, t)).toBe('True');
    const res = await get(`http://${ready.status.podIP}:8080/`);
    expect(res.status).toBe(200);
    expect(res.headers['x-pod-name']).toBe('web');
    expect(res.headers['x-app-version']).toBe('v1');
    expect(kubelet.podLog('default', 'web')?.text()).toMatch(/listening addr=127\.10\./);
  });

  it('reports an unknown image as ErrImagePull / ImagePullBackOff, without crashing', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    store.create('pods', podManifest('nope', NODE, { image: 'example.com/nope:1' }));
    await waitFor('ErrImagePull', () => getPod(store, 'nope')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
    await waitFor('ImagePullBackOff', () => getPod(store, 'nope')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 5000);
    expect(getPod(store, 'nope')?.status.phase).toBe('Pending');
    store.delete('pods', 'default', 'nope');
    await waitFor('removed', () => getPod(store, 'nope') === undefined);
  });

  it('terminates in upstream order: preStop, then SIGTERM, then the pod leaves the store', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    store.create(
      'pods',
      podManifest('graceful', NODE, {
        readinessProbe: readiness,
        env: [{ name: 'ON_SIGTERM', value: 'drain' }, { name: 'PRESTOP_DELAY_MS', value: '500' }],
        lifecycle: { preStop: { httpGet: { path: '/prestop', port: 8080 } } },
      }),
    );
    await waitFor('ready', () => condition(getPod(store, 'graceful'), 'Ready') === 'True');
    const t0 = Date.now();
    store.delete('pods', 'default', 'graceful');
    await waitFor('removed', () => getPod(store, 'graceful') === undefined);
    const log = kubelet.podLog('default', 'graceful')?.text() ?? '';
    const prestop = lines(log, /preStop hit/);
    const sigterm = lines(log, /got SIGTERM/);
    const exiting = lines(log, /exiting code=0/);
    expect(prestop.length).toBe(1);
    expect(sigterm.length).toBe(1);
    expect(prestop[0]!).toBeLessThan(sigterm[0]!);
    expect(sigterm[0]!).toBeLessThan(exiting[0]!);
    // SIGTERM came only after the hook returned (it held for 500 ms)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
  });

  it('SIGKILLs an app that ignores SIGTERM only when the grace period is over, and records 137', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    store.create('pods', podManifest('stubborn', NODE, { env: [{ name: 'ON_SIGTERM', value: 'ignore' }] }, { terminationGracePeriodSeconds: 2 }));
    await waitFor('ready', () => condition(getPod(store, 'stubborn'), 'Ready') === 'True');
    const pid = await waitFor('pid', () => appPid(kubelet?.podLog('default', 'stubborn')?.text()));
    expect(alive(pid)).toBe(true);
    let finalStatus: any;
    const unwatch = store.watch('pods', 'default', undefined, (e) => {
      if (e.object.metadata.name === 'stubborn' && e.type === 'MODIFIED') finalStatus = e.object.status;
    });
    const t0 = Date.now();
    store.delete('pods', 'default', 'stubborn');
    await waitFor('SIGTERM seen', () => /got SIGTERM/.test(kubelet?.podLog('default', 'stubborn')?.text() ?? ''));
    await new Promise((r) => setTimeout(r, 1500));
    expect(alive(pid)).toBe(true);
    await waitFor('removed', () => getPod(store, 'stubborn') === undefined, 5000);
    unwatch();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(4000);
    expect(alive(pid)).toBe(false);
    expect(finalStatus.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(finalStatus.phase).toBe('Failed');
  });

  it('restarts a crashing container with back-off and reports CrashLoopBackOff', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages(), restartBackoff: { initialMs: 1000, maxMs: 4000 } });
    store.create('pods', podManifest('crashy', NODE, { env: [{ name: 'CRASH_AFTER_MS', value: '50' }, { name: 'CRASH_EXIT_CODE', value: '3' }] }));
    // First crash: restarted at once (upstream: no back-off entry yet).
    await waitFor('restart 1', () => getPod(store, 'crashy')?.status?.containerStatuses?.[0]?.restartCount === 1);
    const back = await waitFor('CrashLoopBackOff', () => {
      const cs = getPod(store, 'crashy')?.status?.containerStatuses?.[0];
      return cs?.state?.waiting?.reason === 'CrashLoopBackOff' ? cs : undefined;
    });
    expect(back.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(getPod(store, 'crashy')?.status.phase).toBe('Running');
    const t0 = Date.now();
    await waitFor('restart 2', () => getPod(store, 'crashy')?.status?.containerStatuses?.[0]?.restartCount === 2, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(700);
  });

  it('restarts a container whose liveness probe fails', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    store.create('pods', podManifest('sick', NODE, { livenessProbe: { httpGet: { path: '/healthz', port: 9999 }, periodSeconds: 1, failureThreshold: 2 } }, { terminationGracePeriodSeconds: 1 }));
    await waitFor('liveness restart', () => getPod(store, 'sick')?.status?.containerStatuses?.[0]?.restartCount === 1, 10_000);
    expect(getPod(store, 'sick')?.status.containerStatuses[0].lastState.terminated.exitCode).toBe(0);
  });

  it('stop() leaves no process behind', async () => {
    const store = new MemoryStore();
    kubelet = startKubelet(store, { nodeName: NODE, images: defaultImages() });
    for (const n of ['a', 'b']) store.create('pods', podManifest(n, NODE, { env: [{ name: 'ON_SIGTERM', value: 'ignore' }] }));
    const pids = await waitFor('both started', () => {
      const ps = ['a', 'b'].map((n) => appPid(kubelet?.podLog('default', n)?.text()));
      return ps.every((p) => p !== undefined) ? (ps as number[]) : undefined;
    });
    for (const p of pids) expect(alive(p)).toBe(true);
    await kubelet.stop();
    kubelet = undefined;
    for (const p of pids) expect(alive(p)).toBe(false);
  });
});
