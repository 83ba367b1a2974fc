import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster, type Cluster } from '../../../src/cluster/cluster.js';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/emulator.js';
import { runCommandTrigger } from '../../../src/rollout/command-trigger.js';
import { preflightRollout } from '../../../src/rollout/preflight.js';
import { rollbackDeployment } from '../../../src/rollout/rollback.js';
import { rolloutMeta, sendTrigger, snapshotRollout } from '../../../src/rollout/triggers.js';
import { watchRollout } from '../../../src/rollout/watcher.js';
import type { RolloutEventRecord } from '../../../src/report/model.js';
import { createDemo, testClock, waitFor, waitRolledOut, withSlowWatchOpens } from './helpers.js';

let emu: EmulatorHandle;
let cluster: Cluster;

beforeAll(async () => {
  emu = await startEmulator({ images: {}, dataplane: 'userspace', proxyDelayMs: 200 });
  cluster = await connectCluster({ kubeconfigPath: emu.kubeconfigPath });
});

afterAll(async () => {
  await emu?.stop();
});

const has = (events: RolloutEventRecord[], type: string, object?: string): boolean => events.some((e) => e.type === type && (object === undefined || e.object === object));

describe('rollout trigger and watch against the emulator', () => {
  it('connects and reports cluster facts', () => {
    expect(cluster.server).toBe(emu.url);
    expect(cluster.namespace).toBe('default');
    expect(cluster.facts()).toMatchObject({ server: emu.url, context: 'zerodrop-emulator', namespace: 'default' });
    expect(cluster.version).toMatch(/^v\d+\.\d+/);
  });

  it('restart: sees the new ReplicaSet, pods and endpoints change, and completes', async () => {
    await createDemo(cluster, 'restart', { replicas: 2 });
    const before = await snapshotRollout(cluster, 'restart');
    const clock = testClock();
    const watch = watchRollout(cluster, { deployment: 'restart', service: 'restart', clock, timeoutMs: 60_000 });
    await watch.ready;
    const trig = await sendTrigger(cluster, { kind: 'restart' }, { deployment: 'restart', clock });
    watch.triggerSent({ message: trig.description, generation: trig.generation ?? 0 });
    expect(trig.before).toEqual(before);
    const outcome = await watch.done;
    expect(outcome).toEqual({ status: 'complete', message: 'deployment "restart" successfully rolled out' });
    const oldPods = (await cluster.listPods('app=restart')).length;
    expect(oldPods).toBeGreaterThan(0);
    // Old pods finish terminating after the Deployment counts as complete: keep watching until they are gone.
    await waitFor(() => watch.events().filter((e) => e.type === 'pod-deleted').length >= 2, 30_000, 'old pods deleted');
    await waitFor(() => watch.events().filter((e) => e.type === 'endpoint-removed').length >= 2, 30_000, 'old endpoints removed');
    watch.stop();
    const events = watch.events();
    const types = new Set(events.map((e) => e.type));
    for (const t of ['trigger-sent', 'rollout-progressing', 'replicaset-created', 'replicaset-scaled', 'pod-created', 'pod-scheduled', 'pod-ready', 'pod-terminating', 'pod-deleted', 'endpoint-added', 'endpoint-ready', 'endpoint-terminating', 'endpoint-removed', 'rollout-complete']) {
      expect(types, t).toContain(t);
    }
    // Time order, and the trigger comes first.
    expect(events.map((e) => e.tMs)).toEqual([...events.map((e) => e.tMs)].sort((a, b) => a - b));
    expect(events[0]?.type).toBe('trigger-sent');
    expect(events.filter((e) => e.type === 'rollout-complete')).toHaveLength(1);
    // Each old pod: terminating before deleted; each new pod: created, then ready.
    for (const name of before.replicaSets) expect(has(events, 'replicaset-scaled', `replicaset/${name}`)).toBe(true);
    const after = await snapshotRollout(cluster, 'restart');
    expect(Number(after.revision)).toBe(Number(before.revision) + 1);
    expect(after.replicaSets).toHaveLength(2);
    expect(after.images).toEqual({ app: 'zerodrop/demo-app:v1' });
  });

  it('loses no event when its watches are dropped mid-rollout', async () => {
    await createDemo(cluster, 'dropped', { replicas: 2 });
    const clock = testClock();
    const opts = { deployment: 'dropped', service: 'dropped', clock, timeoutMs: 60_000 };
    const steady = watchRollout(cluster, opts);
    const flaky = watchRollout(cluster, opts);
    // Its watches take longer to open than the drop interval, so drops come while a resume is still
    // pending (as on a loaded API server): it must not end up with two streams replaying the same changes.
    const slow = watchRollout(withSlowWatchOpens(cluster, 300), opts);
    const droppy = [flaky, slow];
    await Promise.all([steady.ready, flaky.ready, slow.ready]);
    const dropper = setInterval(() => {
      for (const w of droppy) w.dropWatches();
    }, 250);
    try {
      const trig = await sendTrigger(cluster, { kind: 'image', image: 'app=zerodrop/demo-app:v2' }, { deployment: 'dropped', clock });
      for (const w of [steady, ...droppy]) w.triggerSent({ generation: trig.generation ?? 0 });
      for (const w of droppy) expect((await w.done).status).toBe('complete');
      expect((await steady.done).status).toBe('complete');
      await waitFor(() => steady.events().filter((e) => e.type === 'endpoint-removed').length >= 2, 30_000, 'old endpoints removed');
    } finally {
      clearInterval(dropper);
    }
    // The last resume brings each one up to date; then a pause lets any duplicate arrive. If one
    // never catches up, the comparison below names what it missed.
    await waitFor(() => droppy.every((w) => w.events().length >= steady.events().length), 30_000, 'the dropped watchers to catch up').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    for (const w of [steady, ...droppy]) w.stop();
    const key = (e: RolloutEventRecord): string => `${e.type} ${e.object}`;
    const resumes = (w: typeof flaky): number => Object.values(w.stats()).reduce((s, t) => s + t.resumes, 0);
    for (const w of droppy) {
      expect(w.events().map(key).sort()).toEqual(steady.events().map(key).sort());
      expect(resumes(w)).toBeGreaterThan(4);
    }
  });

  it('fails on the progress deadline when the new pods never become ready, and rollback restores the old revision', async () => {
    await createDemo(cluster, 'stuck', { replicas: 2, progressDeadlineSeconds: 3 });
    const before = await snapshotRollout(cluster, 'stuck');
    const clock = testClock();
    const watch = watchRollout(cluster, { deployment: 'stuck', clock, timeoutMs: 60_000 });
    await watch.ready;
    const trig = await sendTrigger(
      cluster,
      { kind: 'patch', patch: { spec: { template: { spec: { containers: [{ name: 'app', image: 'zerodrop/demo-app:v2', env: [{ name: 'READY_DELAY_MS', value: '100000000' }] }] } } } } },
      { deployment: 'stuck', clock },
    );
    watch.triggerSent({ generation: trig.generation ?? 0 });
    const outcome = await watch.done;
    watch.stop();
    expect(outcome).toEqual({ status: 'failed', message: 'deployment "stuck" exceeded its progress deadline' });
    expect(has(watch.events(), 'rollout-failed', 'deployment/stuck')).toBe(true);

    const rb = await rollbackDeployment(cluster, { deployment: 'stuck', clock, timeoutMs: 60_000 });
    expect(rb.changed).toBe(true);
    expect(rb.toRevision).toBe(before.revision);
    expect(rb.outcome.status).toBe('complete');
    const after = await snapshotRollout(cluster, 'stuck');
    expect(after.images).toEqual(before.images);
    const d = await cluster.getDeployment('stuck');
    expect(d.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === 'READY_DELAY_MS')).toBe(false);
    // The old ReplicaSet is reused: it now carries the newest revision.
    expect(Number(after.revision)).toBeGreaterThan(Number(before.revision));
    await waitRolledOut(cluster, 'stuck');
  });

  it('fails when a new pod crash-loops', async () => {
    // The new pod crashes 50 ms after it starts and is never ready before that: a readiness probe
    // that caught it in those 50 ms would make it available, and the rollout would rightly complete.
    await createDemo(cluster, 'crashy', { replicas: 1 });
    const clock = testClock();
    const watch = watchRollout(cluster, { deployment: 'crashy', clock, timeoutMs: 60_000 });
    await watch.ready;
    const trig = await sendTrigger(
      cluster,
      { kind: 'patch', patchType: 'strategic', patch: '{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"CRASH_AFTER_MS","value":"50"},{"name":"READY_DELAY_MS","value":"60000"}]}]}}}}' },
      { deployment: 'crashy', clock },
    );
    watch.triggerSent({ generation: trig.generation ?? 0 });
    const outcome = await watch.done;
    watch.stop();
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toMatch(/crash-looping/);
    expect(has(watch.events(), 'pod-restarted')).toBe(true);
  });

  it('times out, and a watch-only trigger completes on a rollout started elsewhere', async () => {
    await createDemo(cluster, 'idle', { replicas: 1 });
    const clock = testClock();
    const idle = watchRollout(cluster, { deployment: 'idle', clock, timeoutMs: 500 });
    expect(await idle.done).toMatchObject({ status: 'timeout' });
    idle.stop();
    expect(idle.events().map((e) => e.type)).toEqual(['rollout-timeout']);

    const watch = watchRollout(cluster, { deployment: 'idle', clock, timeoutMs: 60_000 });
    await watch.ready;
    const res = await sendTrigger(cluster, { kind: 'watch' }, { deployment: 'idle', clock });
    expect(res.generation).toBeUndefined();
    await cluster.patchDeployment('idle', [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'zerodrop/demo-app:v3' }], 'json');
    expect((await watch.done).status).toBe('complete');
    watch.stop();
  });

  it('aborts on the signal', async () => {
    const ac = new AbortController();
    const watch = watchRollout(cluster, { deployment: 'idle', clock: testClock(), timeoutMs: 60_000, signal: ac.signal });
    await watch.ready;
    ac.abort();
    expect((await watch.done).status).toBe('aborted');
    watch.stop();
  });
});

describe('command trigger and preflight against the emulator', () => {
  it('watches a rollout that a kubectl command starts, as for any trigger', async () => {
    await createDemo(cluster, 'bycommand', { replicas: 1, preStopSeconds: 1 });
    const before = await snapshotRollout(cluster, 'bycommand');
    const clock = testClock();
    const watch = watchRollout(cluster, { deployment: 'bycommand', service: 'bycommand', clock, timeoutMs: 60_000 });
    await watch.ready;
    const command = `kubectl --kubeconfig ${emu.kubeconfigPath} set image deployment/bycommand app=zerodrop/demo-app:v2`;
    watch.triggerSent({ message: command });
    const rec = await runCommandTrigger({ command, timeoutMs: 30_000, clock, env: { PATH: process.env['PATH'] }, cwd: process.cwd() });
    expect(rec.exitCode).toBe(0);
    expect((await watch.done).status).toBe('complete');
    watch.stop();
    const after = await snapshotRollout(cluster, 'bycommand');
    expect(after.images).toEqual({ app: 'zerodrop/demo-app:v2' });
    const meta = rolloutMeta(cluster, 'bycommand', before, after);
    expect(meta).toMatchObject({ server: emu.url, deployment: 'bycommand', before: { revision: '1' }, after: { revision: '2' } });
    expect(has(watch.events(), 'replicaset-created')).toBe(true);
  });

  it('lints the Deployment and Service as found in the cluster', async () => {
    const findings = await preflightRollout(cluster, { deployment: 'bycommand', service: 'bycommand' });
    expect(findings.map((f) => f.id)).toEqual(['replicas-low', 'min-ready-seconds', 'prestop-too-short', 'pdb-missing']);
    await expect(preflightRollout(cluster, { deployment: 'bycommand', service: 'nosvc' })).rejects.toMatchObject({ exitCode: 3 });
  });
});

describe('trigger refusals against the emulator', () => {
  it('names the containers when the image trigger names a missing one', async () => {
    await expect(sendTrigger(cluster, { kind: 'image', image: 'api=x:1' }, { deployment: 'idle', clock: testClock() })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/container "api" not found .*app/),
    });
  });

  it('refuses to restart a paused Deployment', async () => {
    await cluster.patchDeployment('idle', { spec: { paused: true } }, 'merge');
    try {
      await expect(sendTrigger(cluster, { kind: 'restart' }, { deployment: 'idle', clock: testClock() })).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/paused/) });
    } finally {
      await cluster.patchDeployment('idle', { spec: { paused: false } }, 'merge');
    }
  });

  it('applies a manifest of the same Deployment, and refuses another one', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: idle}
spec:
  template:
    spec:
      containers:
        - name: app
          image: zerodrop/demo-app:v2
`;
    const clock = testClock();
    const files = { 'idle.yaml': manifest, 'other.yaml': manifest.replace('name: idle', 'name: other') };
    const readFile = async (p: string): Promise<string> => files[p as keyof typeof files];
    const watch = watchRollout(cluster, { deployment: 'idle', clock, timeoutMs: 60_000 });
    await watch.ready;
    const res = await sendTrigger(cluster, { kind: 'apply', file: 'idle.yaml' }, { deployment: 'idle', clock, readFile });
    watch.triggerSent({ generation: res.generation ?? 0 });
    expect((await watch.done).status).toBe('complete');
    watch.stop();
    expect((await snapshotRollout(cluster, 'idle')).images).toEqual({ app: 'zerodrop/demo-app:v2' });
    await expect(sendTrigger(cluster, { kind: 'apply', file: 'other.yaml' }, { deployment: 'idle', clock, readFile })).rejects.toThrow(/holds no Deployment named "idle"/);
  });
});

describe('cluster connection errors', () => {
  it('lists the Deployments that exist when the one asked for is missing', async () => {
    await expect(cluster.getDeployment('nope')).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/Deployment "nope" not found in namespace "default"; Deployments there: .*restart/) });
    const w = watchRollout(cluster, { deployment: 'nope', clock: testClock(), timeoutMs: 10_000 });
    await expect(w.ready).rejects.toMatchObject({ exitCode: 3 });
    await expect(w.done).rejects.toMatchObject({ exitCode: 3 });
  });

  it('refuses an unknown context and lists the available ones', async () => {
    await expect(connectCluster({ kubeconfigPath: emu.kubeconfigPath, context: 'prod' })).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/context "prod" does not exist in the kubeconfig; available: zerodrop-emulator/),
    });
  });

  it('names a missing Service', async () => {
    await expect(cluster.getService('nosvc')).rejects.toMatchObject({ exitCode: 3, message: expect.stringMatching(/Service "nosvc" not found.*Services there: .*restart/) });
  });
});
