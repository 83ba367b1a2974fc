import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/emulator/api/memory-store.js';
import type { KObject } from '../../../src/emulator/api/store-types.js';
import { JobController, formatIndexes, parseIndexes } from '../../../src/emulator/controllers/job-controller.js';

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

function job(name: string, spec: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      completionMode: 'Indexed',
      completions: 3,
      parallelism: 3,
      template: { metadata: { labels: { app: 'agent' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'agent', image: 'zerodrop/agent:test' }] } },
      ...spec,
    },
  };
}

describe('JobController', () => {
  let store: MemoryStore;
  let ctl: JobController;
  afterEach(async () => {
    await ctl?.stop();
  });

  const start = (): void => {
    store = new MemoryStore();
    ctl = new JobController({ store, log: () => undefined, now: () => Date.now() });
    ctl.start();
  };
  const pods = (): KObject[] => store.list('pods', 'default').items;
  const podOf = (i: number): KObject => pods().find((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === String(i))!;
  const finishPod = (p: KObject, phase: 'Succeeded' | 'Failed'): void => void store.update('pods', { ...p, status: { ...(p.status ?? {}), phase } }, { subresource: 'status' });
  const status = (name: string): Record<string, any> => store.get('jobs', 'default', name)?.status ?? {};
  const conditions = (name: string): string[] => ((status(name)['conditions'] ?? []) as Array<{ type: string; status: string }>).filter((c) => c.status === 'True').map((c) => c.type);

  it('an Indexed Job gets one pod per index, named <job>-<index>-<rand>, with the index as annotation, label and env', async () => {
    start();
    store.create('jobs', job('agents'));
    await settle();
    expect(pods()).toHaveLength(3);
    for (const i of [0, 1, 2]) {
      const p = podOf(i);
      expect(p.metadata.name).toMatch(new RegExp(`^agents-${i}-[a-z0-9]{5}$`));
      expect(p.metadata.labels).toMatchObject({ app: 'agent', 'job-name': 'agents', 'batch.kubernetes.io/job-name': 'agents', 'batch.kubernetes.io/job-completion-index': String(i) });
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'agents', controller: true });
      expect(p.spec.containers[0].env).toContainEqual({ name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
      expect(p.spec.hostname).toBe(`agents-${i}`);
    }
    expect(status('agents')).toMatchObject({ active: 3, succeeded: 0, failed: 0 });
  });

  it('succeeded indexes are tracked; all succeeded completes the Job', async () => {
    start();
    store.create('jobs', job('agents'));
    await settle();
    finishPod(podOf(0), 'Succeeded');
    finishPod(podOf(2), 'Succeeded');
    await settle();
    expect(status('agents')).toMatchObject({ active: 1, succeeded: 2, completedIndexes: '0,2' });
    finishPod(podOf(1), 'Succeeded');
    await settle();
    expect(status('agents')).toMatchObject({ active: 0, succeeded: 3, completedIndexes: '0-2' });
    expect(conditions('agents')).toEqual(expect.arrayContaining(['SuccessCriteriaMet', 'Complete']));
    expect(status('agents')['completionTime']).toEqual(expect.any(String));
  });

  it('backoffLimitPerIndex 0: a failed index is not retried, the others go on, then the Job fails', async () => {
    start();
    store.create('jobs', job('agents', { backoffLimitPerIndex: 0 }));
    await settle();
    finishPod(podOf(1), 'Failed');
    await settle();
    expect(pods()).toHaveLength(3); // no replacement
    expect(status('agents')).toMatchObject({ active: 2, failed: 1, failedIndexes: '1' });
    expect(conditions('agents')).not.toContain('Failed');
    finishPod(podOf(0), 'Succeeded');
    finishPod(podOf(2), 'Succeeded');
    await settle();
    expect(conditions('agents')).toContain('Failed');
    expect(status('agents')).toMatchObject({ succeeded: 2, failed: 1, completedIndexes: '0,2', failedIndexes: '1' });
  });

  it('without a per-index limit a failed pod is replaced, up to backoffLimit', async () => {
    start();
    store.create('jobs', job('one', { completions: 1, parallelism: 1, backoffLimit: 1 }));
    await settle();
    finishPod(podOf(0), 'Failed');
    await settle();
    expect(pods()).toHaveLength(2);
    expect(status('one')).toMatchObject({ active: 1, failed: 1 });
    finishPod(pods().find((p) => p.status?.phase !== 'Failed')!, 'Failed');
    await settle();
    expect(conditions('one')).toContain('Failed');
    expect((status('one')['conditions'] as Array<{ type: string; reason: string }>).find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });

  it('suspend deletes the active pods and does not count them as failed', async () => {
    start();
    store.create('jobs', job('agents', { backoffLimitPerIndex: 0 }));
    await settle();
    const j = store.get('jobs', 'default', 'agents')!;
    store.update('jobs', { ...j, spec: { ...j.spec, suspend: true } });
    await settle();
    // Scheduled-less pods are deleted at once (no kubelet to drain them).
    expect(pods()).toEqual([]);
    expect(status('agents')).toMatchObject({ active: 0, failed: 0 });
    expect(conditions('agents')).toContain('Suspended');
  });

  it('a pod deleted before it finished counts as a failure of its index', async () => {
    start();
    store.create('jobs', job('agents', { backoffLimitPerIndex: 0 }));
    await settle();
    store.delete('pods', 'default', podOf(2).metadata.name!);
    await settle();
    expect(status('agents')).toMatchObject({ failed: 1, failedIndexes: '2', active: 2 });
    expect(pods()).toHaveLength(2);
  });

  it('ttlSecondsAfterFinished deletes the finished Job, and its pods with it', async () => {
    start();
    store.create('jobs', job('agents', { completions: 1, parallelism: 1, ttlSecondsAfterFinished: 0 }));
    await settle();
    finishPod(podOf(0), 'Succeeded');
    await settle();
    await settle();
    expect(store.get('jobs', 'default', 'agents')).toBeUndefined();
    expect(pods()).toEqual([]);
  });

  it('activeDeadlineSeconds fails the Job and removes its pods', async () => {
    start();
    store.create('jobs', job('agents', { activeDeadlineSeconds: 0 }));
    await settle();
    expect(conditions('agents')).toContain('Failed');
    expect(pods()).toEqual([]);
  });

  it.each([
    [[0, 1, 2, 4, 7, 8], '0-2,4,7-8'],
    [[], ''],
    [[5], '5'],
  ])('indexes %j compress to %j and back', (list, text) => {
    expect(formatIndexes(list)).toBe(text);
    expect([...parseIndexes(text)]).toEqual(list);
  });
});
