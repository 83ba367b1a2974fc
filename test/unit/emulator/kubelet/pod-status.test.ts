import { describe, expect, it } from 'vitest';
import { newPodContainer, type ContainerState, type PodContainer } from '../../../../src/emulator/kubelet/pod-container.js';
import { buildPodStatus, PodConditions, podPhase, readinessGatesOf, type PodStatusView } from '../../../../src/emulator/kubelet/pod-status.js';
import { probeGraceMs } from '../../../../src/emulator/kubelet/prober.js';

const address = { ip: '127.10.0.5', ports: new Map<number, number>() };
const terminated = (exitCode: number): ContainerState => ({ terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: 'a', finishedAt: 'b' } });

function container(state: ContainerState, extra: Partial<PodContainer> = {}): PodContainer {
  return { ...newPodContainer({ name: 'app', image: 'x' }, { x: { command: ['x'] } }, { initialMs: 10, maxMs: 100 }), state, ...extra };
}

function view(containers: PodContainer[], over: Partial<PodStatusView> = {}): PodStatusView {
  return { containers, address, terminating: false, restartPolicy: 'Always', startTimeMs: 0, hostIP: '127.0.0.1', ...over };
}

describe('pod phase', () => {
  it.each<[string, PodStatusView, string]>([
    ['no sandbox yet', view([container({ running: { startedAt: 'a' } })], { address: undefined }), 'Pending'],
    ['containers being created', view([container({ waiting: { reason: 'ContainerCreating' } })]), 'Pending'],
    ['running', view([container({ running: { startedAt: 'a' } })]), 'Running'],
    ['image pull failing, never started', view([container({ waiting: { reason: 'ErrImagePull' } })]), 'Pending'],
    ['crash loop after a restart', view([container({ waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 1 })]), 'Running'],
    ['all exited 0, Never', view([container(terminated(0))], { restartPolicy: 'Never' }), 'Succeeded'],
    ['one failed, Never', view([container(terminated(1))], { restartPolicy: 'Never' }), 'Failed'],
    ['failed, OnFailure restarts it', view([container(terminated(1))], { restartPolicy: 'OnFailure' }), 'Running'],
    ['exited while terminating, Always', view([container(terminated(137))], { terminating: true }), 'Failed'],
    ['exited 0 while terminating, Always', view([container(terminated(0))], { terminating: true }), 'Succeeded'],
  ])('%s', (_name, v, want) => expect(podPhase(v)).toBe(want));
});

describe('pod status', () => {
  it('keeps a condition transition time until its status flips, and keeps PodScheduled from the API', () => {
    const conditions = new PodConditions();
    const c = container({ running: { startedAt: 'a' } });
    const prev = { conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: 'then' }] };
    const first = buildPodStatus(view([c]), prev, conditions, Date.parse('2026-01-01T00:00:00Z'));
    expect(first['conditions'].map((x: any) => `${x.type}=${x.status}`)).toEqual(['PodScheduled=True', 'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=False', 'ContainersReady=False']);
    expect(first['conditions'][3]).toMatchObject({ reason: 'ContainersNotReady', lastTransitionTime: '2026-01-01T00:00:00Z' });
    c.ready = true;
    const second = buildPodStatus(view([c]), first, conditions, Date.parse('2026-01-01T00:00:07Z'));
    const byType = new Map(second['conditions'].map((x: any) => [x.type, x]));
    expect(byType.get('Ready')).toEqual({ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:07Z' });
    expect((byType.get('Initialized') as any).lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(second).toMatchObject({ phase: 'Running', podIP: '127.10.0.5', hostIP: '127.0.0.1', containerStatuses: [{ name: 'app', ready: true, started: false, restartCount: 0 }] });
  });

  it('adds PodScheduled at the start time when the API has none, and says PodCompleted when terminal', () => {
    const s = buildPodStatus(view([container(terminated(0))], { restartPolicy: 'Never', startTimeMs: Date.parse('2026-01-01T00:00:00.900Z') }), undefined, new PodConditions(), 0);
    expect(s['conditions'][0]).toEqual({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(s['conditions'].find((x: any) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
  });

  const GATE = 'target-health.elbv2.k8s.aws/k8s-default-web-abc';
  const gate = (status: string | undefined): any => ({ conditions: status === undefined ? [] : [{ type: GATE, status }] });
  it.each<[string, boolean, string | undefined, string, string | undefined]>([
    ['containers not ready, gate not set', false, undefined, 'False', 'ContainersNotReady'],
    ['containers ready, gate not set yet', true, undefined, 'False', 'ReadinessGatesNotReady'],
    ['containers ready, gate False', true, 'False', 'False', 'ReadinessGatesNotReady'],
    ['containers ready, gate True', true, 'True', 'True', undefined],
    ['gate True but containers not ready', false, 'True', 'False', 'ContainersNotReady'],
  ])('readiness gates: %s -> Ready %s', (_name, ready, gateStatus, want, reason) => {
    const c = container({ running: { startedAt: 'a' } }, { ready });
    const s = buildPodStatus(view([c], { readinessGates: [GATE] }), gate(gateStatus), new PodConditions(), 0);
    const byType = new Map(s['conditions'].map((x: any) => [x.type, x]));
    expect(byType.get('Ready')).toMatchObject({ status: want, ...(reason === undefined ? {} : { reason }) });
    // ContainersReady follows the containers only; the gate's condition (another writer's) is kept.
    expect((byType.get('ContainersReady') as any).status).toBe(ready ? 'True' : 'False');
    if (gateStatus !== undefined) expect((byType.get(GATE) as any).status).toBe(gateStatus);
  });

  it('reads the readiness gates of a pod spec', () => {
    expect(readinessGatesOf({ spec: { readinessGates: [{ conditionType: GATE }, {}] } })).toEqual([GATE]);
    expect(readinessGatesOf({ spec: {} })).toEqual([]);
  });
});

describe('probe kill grace', () => {
  it.each([
    [{ terminationGracePeriodSeconds: 3 }, 60, 3000],
    [{}, 60, 60_000],
    [{}, undefined, 30_000],
    [{}, -5, 0],
  ])('probe %j, pod %j -> %i ms', (probe, pod, want) => expect(probeGraceMs(probe, pod)).toBe(want));
});
