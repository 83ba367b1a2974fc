import { describe, expect, it } from 'vitest';
import { diagnoseRollout, type RolloutDiagnosisInput } from '../../../src/analysis/rollout-diagnosis.js';
import type { OutageWindow, RolloutEventRecord } from '../../../src/report/model.js';

function win(startMs: number, endMs: number, failures: OutageWindow['failures']): OutageWindow {
  const failed = Object.values(failures).reduce((s, n) => s + (n ?? 0), 0);
  return { startMs, endMs, durationMs: endMs - startMs, failed, sent: failed * 10, failures };
}
const e = (tMs: number, type: string, object: string, message?: string): RolloutEventRecord => (message === undefined ? { tMs, type, object } : { tMs, type, object, message });

const rollout: RolloutEventRecord[] = [
  e(1000, 'trigger-sent', 'deployment/web'),
  e(1100, 'replicaset-created', 'replicaset/web-new'),
  e(1200, 'pod-created', 'pod/web-new-1'),
  e(3000, 'pod-ready', 'pod/web-new-1'),
  e(3010, 'endpoint-ready', 'endpoint/web-new-1'),
  e(3100, 'pod-terminating', 'pod/web-old-1'),
  e(3100, 'endpoint-terminating', 'endpoint/web-old-1'),
  e(9000, 'pod-deleted', 'pod/web-old-1'),
];

interface Row {
  name: string;
  input: Partial<RolloutDiagnosisInput> & Pick<RolloutDiagnosisInput, 'outages'>;
  ids: string[];
}

const rows: Row[] = [
  { name: 'no failures', input: { outages: [] }, ids: [] },
  { name: 'refused right after a pod began terminating', input: { outages: [win(3500, 4000, { refused: 40 })] }, ids: ['prestop-delay'] },
  // the window starts at its first failing interval (3050-3150): the event inside it still came first
  { name: 'refused in the same interval a pod began terminating', input: { outages: [win(3050, 3600, { refused: 40 })] }, ids: ['prestop-delay'] },
  { name: 'refused long after termination began is not the preStop', input: { outages: [win(8600, 8900, { refused: 40 })] }, ids: [] },
  { name: 'resets right after terminating without keep-alive evidence', input: { outages: [win(3300, 3600, { reset: 5 })] }, ids: ['prestop-delay'] },
  {
    name: 'resets on reused connections later in the termination',
    input: { outages: [win(8200, 8400, { reset: 12 })], keepAlive: true, errorCodes: { UND_ERR_SOCKET: 12 } },
    ids: ['keepalive-not-drained'],
  },
  {
    name: 'the traffic engine counted resets on reused connections',
    input: { outages: [win(3300, 3600, { reset: 7 })], resetsOnReusedConnections: 7 },
    ids: ['keepalive-not-drained'],
  },
  {
    name: 'refused and reused resets at once: both causes',
    input: { outages: [win(3300, 3600, { refused: 30, reset: 7 })], keepAlive: true, errorCodes: { ECONNRESET: 7 } },
    ids: ['prestop-delay', 'keepalive-not-drained'],
  },
  {
    name: 'refused right after a pod became ready',
    input: { outages: [win(2000, 2500, { refused: 9 })], events: [e(1000, 'trigger-sent', 'deployment/web'), e(1900, 'pod-ready', 'pod/web-new-1')] },
    ids: ['readiness-too-early'],
  },
  {
    name: '503 right after an endpoint became ready',
    input: { outages: [win(2000, 2500, { http_5xx: 9 })], events: [e(1800, 'endpoint-ready', 'endpoint/web-new-1')] },
    ids: ['readiness-too-early'],
  },
  {
    name: 'timeouts while ready pods dipped',
    input: {
      outages: [win(2000, 4000, { timeout: 50 })],
      events: [e(1500, 'pod-terminating', 'pod/web-old-1'), e(1500, 'pod-terminating', 'pod/web-old-2'), e(4500, 'pod-ready', 'pod/web-new-1'), e(5000, 'pod-ready', 'pod/web-new-2')],
    },
    ids: ['capacity-dip'],
  },
  {
    name: 'timeouts with no dip are not blamed on maxUnavailable',
    input: { outages: [win(2000, 4000, { timeout: 50 })], events: [e(1000, 'pod-ready', 'pod/web-new-1'), e(1500, 'pod-terminating', 'pod/web-old-1')] },
    ids: [],
  },
  {
    name: 'a pod killed by SIGKILL',
    input: { outages: [win(39_500, 40_500, { reset: 3 })], events: [e(10_000, 'pod-terminating', 'pod/web-old-1'), e(40_000, 'pod-killed', 'pod/web-old-1', 'container app exit 137 (SIGKILL)')] },
    ids: ['grace-period-too-short'],
  },
  {
    name: 'SIGKILL seen only in the deletion message',
    input: { outages: [], events: [e(40_000, 'pod-deleted', 'pod/web-old-1', 'containers ended: app exit 137 (SIGKILL)')] },
    ids: ['grace-period-too-short'],
  },
  // The same rollout seen through the two dataplanes: nftables refuses a new connection to a pod
  // that stopped listening; the userspace proxy has accepted it already and resets it.
  {
    name: 'nftables: refused plus a few keep-alive resets right after terminating',
    input: { outages: [win(3300, 3600, { refused: 60, reset: 4 })], keepAlive: true, errorCodes: { ECONNREFUSED: 60, UND_ERR_SOCKET: 4 }, newConnectionResets: [], dataplane: 'nftables' },
    ids: ['prestop-delay', 'keepalive-not-drained'],
  },
  {
    name: 'userspace: the same refusals as resets on new connections',
    input: {
      outages: [win(3300, 3600, { reset: 64 })],
      keepAlive: true,
      errorCodes: { ECONNRESET: 60, UND_ERR_SOCKET: 4 },
      newConnectionResets: [{ tMs: 3300, count: 30 }, { tMs: 3400, count: 30 }],
      dataplane: 'userspace',
    },
    ids: ['prestop-delay', 'keepalive-not-drained'],
  },
  {
    name: 'userspace: every reset on a new connection leaves no keep-alive cause',
    input: { outages: [win(3300, 3600, { reset: 20 })], keepAlive: true, errorCodes: { ECONNRESET: 20 }, newConnectionResets: [{ tMs: 3300, count: 20 }], dataplane: 'userspace' },
    ids: ['prestop-delay'],
  },
  {
    name: 'new-connection resets outside the window do not count for it',
    input: { outages: [win(3300, 3600, { reset: 20 })], keepAlive: true, errorCodes: { UND_ERR_SOCKET: 20 }, newConnectionResets: [{ tMs: 8000, count: 20 }], dataplane: 'userspace' },
    ids: ['keepalive-not-drained'],
  },
  {
    name: 'userspace, engine could not tell new connections: resets may be refusals',
    input: { outages: [win(3300, 3600, { reset: 64 })], keepAlive: true, errorCodes: { ECONNRESET: 64 }, dataplane: 'userspace' },
    ids: ['prestop-delay', 'keepalive-not-drained'],
  },
  {
    name: 'nftables, engine could not tell new connections: resets read as keep-alive',
    input: { outages: [win(3300, 3600, { reset: 64 })], keepAlive: true, errorCodes: { ECONNRESET: 64 }, dataplane: 'nftables' },
    ids: ['keepalive-not-drained'],
  },
  {
    name: 'userspace: resets on new connections right after a pod became ready',
    input: {
      outages: [win(2000, 2500, { reset: 9 })],
      keepAlive: true,
      errorCodes: { ECONNRESET: 9 },
      newConnectionResets: [{ tMs: 2000, count: 9 }],
      dataplane: 'userspace',
      events: [e(1000, 'trigger-sent', 'deployment/web'), e(1900, 'pod-ready', 'pod/web-new-1')],
    },
    ids: ['readiness-too-early'],
  },
  {
    name: 'falls back to the windows nearbyEvents',
    input: { outages: [{ ...win(3500, 4000, { refused: 4 }), nearbyEvents: [{ tMs: 3100, type: 'pod-terminating', object: 'pod/web-old-1' }] }], events: [] },
    ids: ['prestop-delay'],
  },
];

describe('diagnoseRollout', () => {
  it.each(rows)('$name', ({ input, ids }) => {
    expect(diagnoseRollout({ events: rollout, ...input }).map((d) => d.id)).toEqual(ids);
  });

  it('ranks by failures explained and writes plain evidence', () => {
    const ds = diagnoseRollout({
      events: rollout,
      outages: [win(3200, 3700, { refused: 3 }), win(3500, 3600, { http_5xx: 0 }), win(3050, 3090, { refused: 20 })],
      perPod: { 'web-old-1': { refused: 23 } },
    });
    expect(ds).toHaveLength(2);
    const [first, second] = ds;
    expect(first?.id).toBe('readiness-too-early');
    expect(second?.id).toBe('prestop-delay');
    expect(second?.evidence).toBe('3 requests refused or reset within 3.0 s of a pod starting to terminate (3.2 s-3.7 s, 0.1 s after pod/web-old-1 began terminating); pod web-old-1 answered 23 failed requests');
    expect(second?.fix).toMatch(/preStop/);
    expect(second?.cause).toMatch(/preStop/);
  });

  it.each([
    ['nftables', { refused: 60, reset: 4 }, [] as Array<{ tMs: number; count: number }>],
    ['userspace', { reset: 64 }, [{ tMs: 3300, count: 60 }]],
  ] as const)('the same rollout on the %s dataplane names the same first cause, with the same weight', (dataplane, failures, fresh) => {
    const ds = diagnoseRollout({ events: rollout, outages: [win(3300, 3600, failures)], keepAlive: true, errorCodes: { ECONNRESET: 4 }, newConnectionResets: fresh, dataplane });
    expect(ds[0]?.id).toBe('prestop-delay');
    expect(ds[0]?.evidence).toMatch(/^64 requests refused or reset/);
    expect(ds[1]?.evidence).toMatch(/^4 requests reset or closed/);
    if (dataplane === 'userspace') expect(ds[0]?.evidence).toContain('60 resets on new connections that never got an answer: the userspace dataplane accepts a connection before it dials the pod');
  });
});
