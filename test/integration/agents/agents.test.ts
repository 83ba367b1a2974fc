import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, BatchV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentLoad } from '../../../src/agents/coordinator.js';
import { connectCluster, type Cluster } from '../../../src/cluster/cluster.js';
import { startEmulator, type EmulatorHandle } from '../../../src/emulator/index.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { DeltaSum } from '../../../src/metrics/delta-sum.js';
import { testClock, waitFor } from '../rollout/helpers.js';

/** A node:http target on 127.0.0.1 that counts what it served. */
async function countingServer(): Promise<{ url: string; served: () => number; close: () => Promise<void>; server: Server }> {
  let served = 0;
  const server = createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    served: () => served,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const load = (url: string, o: Partial<LoadOptions> = {}): LoadOptions => ({
  url,
  method: 'GET',
  headers: {},
  model: 'open',
  rate: 60,
  durationMs: 60_000,
  timeoutMs: 1000,
  keepAlive: true,
  intervalMs: 100,
  ...o,
});

describe('distributed load on the emulator', () => {
  let emu: EmulatorHandle;
  let cluster: Cluster;
  let target: Awaited<ReturnType<typeof countingServer>>;

  beforeAll(async () => {
    emu = await startEmulator({ images: {}, dataplane: 'userspace' });
    cluster = await connectCluster({ kubeconfigPath: emu.kubeconfigPath });
    target = await countingServer();
  });
  afterAll(async () => {
    await target?.close();
    await emu?.stop();
  });

  const agentPods = async (job: string): Promise<string[]> =>
    (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: `job-name=${job}` })).items.map((p) => p.metadata?.name ?? '');
  const jobExists = async (job: string): Promise<boolean> =>
    (await cluster.kubeConfig.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: 'default' })).items.some((j) => j.metadata?.name === job);

  it('3 agents: the merged counts equal the sum of the agents\' own and what the target served; nothing is left', async () => {
    const clock = testClock();
    const before = target.served();
    // The run's journal takes the agents' deltas as the coordinator merges them.
    const journal = new DeltaSum();
    const sources = new Set<string>();
    const handle = await startAgentLoad({
      cluster,
      namespace: 'default',
      load: load(target.url, {
        onDelta: (d) => {
          sources.add(d.source);
          journal.add(d);
        },
      }),
      placement: { count: 3, image: 'zerodrop/agent:test' },
      startDelayMs: 10_000,
      clock,
      signal: new AbortController().signal,
      runId: 'it-3-agents',
      reportEveryMs: 500,
    });
    expect(await agentPods(handle.jobName)).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 3000));
    expect(handle.progress().sent).toBeGreaterThan(0);
    handle.stop();
    const result = await handle.done;
    const totals = result.recorder.totals();
    const agents = handle.agentReports();
    expect(agents.map((a) => a.status)).toEqual(['completed', 'completed', 'completed']);
    expect(totals.sent).toBe(agents.reduce((n, a) => n + a.sent, 0));
    expect(totals.sent).toBe(target.served() - before);
    expect(totals.sent).toBeGreaterThan(100);
    expect(totals.failed).toBe(0);
    expect(result.health.saturationReasons.filter((r) => !/event-loop|schedule lag|busy/.test(r))).toEqual([]);
    for (const a of agents) expect(Math.abs(a.clockSkewMs ?? 1e9)).toBeLessThan(1000);
    expect(result.startMs).toBe(handle.startMs);
    expect([...sources].sort()).toEqual(['agent-0', 'agent-1', 'agent-2']);
    const journaled = journal.toRecorder(result.recorder);
    expect(journaled.toJSON().counts).toEqual(result.recorder.toJSON().counts);
    expect(journaled.statusCodes()).toEqual(result.recorder.statusCodes());
    expect(journaled.p99Series()).toEqual(result.recorder.p99Series());
    expect(await agentPods(handle.jobName)).toEqual([]);
    expect(await jobExists(handle.jobName)).toBe(false);
  });

  it('an agent killed mid-run is named, and the load counts as saturated (inconclusive)', async () => {
    const clock = testClock();
    const handle = await startAgentLoad({
      cluster,
      namespace: 'default',
      load: load(target.url, { rate: 30 }),
      placement: { count: 2, image: 'zerodrop/agent:test' },
      startDelayMs: 10_000,
      clock,
      signal: new AbortController().signal,
      runId: 'it-kill',
      reportEveryMs: 500,
    });
    await new Promise((r) => setTimeout(r, 2000));
    const pods = (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: `job-name=${handle.jobName}` })).items;
    const victim = pods.find((p) => p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1')!;
    // SIGKILL the agent's process group: it dies without its final records.
    const pgid = Number(/zerodrop:\/\/(\d+)/.exec(victim.status?.containerStatuses?.[0]?.containerID ?? '')?.[1]);
    process.kill(-pgid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    handle.stop();
    const result = await handle.done;
    const agents = handle.agentReports();
    expect(agents[0]!.status).toBe('completed');
    expect(agents[1]!.status).toBe('died');
    expect(agents[1]!.pod).toBe(victim.metadata?.name);
    expect(agents[1]!.lastRecordMs).not.toBeNull();
    expect(result.health.saturated).toBe(true);
    expect(result.health.saturationReasons.join('\n')).toContain(`agent 1 (pod ${victim.metadata?.name ?? ''})`);
    expect(await agentPods(handle.jobName)).toEqual([]);
    expect(await jobExists(handle.jobName)).toBe(false);
  });

  it('an abort before the start still deletes the Job and its pods', async () => {
    const clock = testClock();
    const ac = new AbortController();
    const started = startAgentLoad({
      cluster,
      namespace: 'default',
      load: load(target.url),
      placement: { count: 2, image: 'zerodrop/agent:test' },
      startDelayMs: 10_000,
      clock,
      signal: ac.signal,
      runId: 'it-abort',
    });
    await waitFor(async () => (await cluster.kubeConfig.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: 'default' })).items.length > 0, 10_000, 'the Job');
    ac.abort();
    const handle = await started;
    await handle.done;
    expect(await agentPods(handle.jobName)).toEqual([]);
    expect(await jobExists(handle.jobName)).toBe(false);
  });
});
