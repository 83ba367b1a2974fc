import { describe, expect, it } from 'vitest';
import { diagnoseIngress, ingressOwnErrors, staleEndpoints, withoutIngressErrors, type IngressDiagnosisInput } from '../../../src/analysis/ingress-diagnosis.js';
import type { OutageWindow, RolloutEventRecord } from '../../../src/report/model.js';
import { ingressEvents, reloadedEndpoints } from '../../../src/rollout/events.js';

function win(startMs: number, endMs: number, failures: OutageWindow['failures']): OutageWindow {
  const failed = Object.values(failures).reduce((s, n) => s + (n ?? 0), 0);
  return { startMs, endMs, durationMs: endMs - startMs, failed, sent: failed * 10, failures };
}
const e = (tMs: number, type: string, object: string, message?: string): RolloutEventRecord => (message === undefined ? { tMs, type, object } : { tMs, type, object, message });

/** A naive pod: exits at once on SIGTERM (deleted 100 ms later); the ingress removes it 2.9 s after. */
const naive: RolloutEventRecord[] = [
  e(1000, 'ingress-reload', 'ingress/web', 'endpoints added: new-1'),
  e(3000, 'pod-terminating', 'pod/old-1'),
  e(3100, 'pod-deleted', 'pod/old-1'),
  e(5900, 'ingress-reload', 'ingress/web', 'endpoints removed: old-1'),
];
/** A graceful pod: preStop 5 s, so the ingress removes it before it stops. */
const graceful: RolloutEventRecord[] = [
  e(1000, 'ingress-reload', 'ingress/web', 'endpoints added: new-1'),
  e(3000, 'pod-terminating', 'pod/old-1'),
  e(5900, 'ingress-reload', 'ingress/web', 'endpoints removed: old-1'),
  e(8500, 'pod-deleted', 'pod/old-1'),
];

interface Row {
  name: string;
  input: IngressDiagnosisInput;
  ids: string[];
}

const rows: Row[] = [
  { name: 'no ingress in the run: nothing to say', input: { outages: [win(3000, 3200, { http_5xx: 9 })], events: naive.filter((x) => x.type !== 'ingress-reload'), statusCodes: { '502': 9 } }, ids: [] },
  { name: 'an Ingress named by the run but no reload events (a real cluster): the errors are its own, the cause unknown', input: { outages: [win(3000, 3200, { http_5xx: 9 })], events: naive.filter((x) => x.type !== 'ingress-reload'), statusCodes: { '502': 9 }, perPod: {}, ingress: 'web' }, ids: ['ingress-own-errors'] },
  { name: 'a client connection cut right after a reload', input: { outages: [win(1000, 1100, { reset: 1 })], events: graceful, statusCodes: { '200': 100 }, perPod: {} }, ids: ['ingress-reload-cut'] },
  { name: 'a reset far from any reload is not the reload\'s', input: { outages: [win(4000, 4100, { reset: 1 })], events: graceful, statusCodes: { '200': 100 }, perPod: {} }, ids: [] },
  { name: 'no errors', input: { outages: [], events: naive, statusCodes: { '200': 100 } }, ids: [] },
  { name: 'the pod exited while still in the upstream', input: { outages: [win(3000, 3200, { http_5xx: 9 })], events: naive, statusCodes: { '200': 100, '502': 9 }, perPod: { 'old-1': {} } }, ids: ['ingress-stale-endpoint'] },
  { name: '502s while every pod ran: kept-alive connections closed by the app', input: { outages: [win(1500, 1600, { http_5xx: 2 })], events: graceful, statusCodes: { '502': 2 }, perPod: {} }, ids: ['ingress-keepalive-reuse'] },
  { name: "the app's own 502s (named by the pod header) are not the ingress's", input: { outages: [win(3000, 3200, { http_5xx: 4 })], events: naive, statusCodes: { '502': 4 }, perPod: { 'old-1': { http_5xx: 4 } } }, ids: [] },
  { name: 'both causes, the larger first', input: { outages: [win(1500, 1600, { http_5xx: 2 }), win(3000, 3200, { http_5xx: 9 })], events: naive, statusCodes: { '502': 11 }, perPod: {} }, ids: ['ingress-stale-endpoint', 'ingress-keepalive-reuse'] },
];

describe('diagnoseIngress', () => {
  it.each(rows)('$name', ({ input, ids }) => {
    expect(diagnoseIngress(input).map((d) => d.id)).toEqual(ids);
  });

  it('names the ingress, the pod, when it was gone and when the ingress dropped it, and the fix', () => {
    const [d] = diagnoseIngress({ outages: [win(3000, 3200, { http_5xx: 9 })], events: naive, statusCodes: { '502': 9 }, perPod: {} });
    expect(d?.cause).toMatch(/ingress\/web/);
    expect(d?.evidence).toMatch(/9 requests got 502 x9 answered by the ingress itself.*pod\/old-1 began terminating at 3\.0 s, was gone at 3\.1 s, and the ingress removed it only at 5\.9 s.*up to 2\.9 s/);
    expect(d?.fix).toMatch(/preStop sleep longer than the ingress controller's sync delay/);
  });

  it('without the pod header counts every 502/503/504 and says how to be sure', () => {
    const [d] = diagnoseIngress({ outages: [win(3000, 3200, { http_5xx: 3 })], events: naive, statusCodes: { '503': 3 } });
    expect(d?.evidence).toMatch(/target\.podHeader/);
  });
});

describe('staleEndpoints', () => {
  it.each([
    ['gone before the ingress removed it', naive, ['old-1']],
    ['removed before it was gone', graceful, []],
    ['never removed while watched', naive.slice(0, 3), ['old-1']],
  ])('%s', (_n, events, pods) => {
    expect(staleEndpoints(events).map((s) => s.pod)).toEqual(pods);
  });
});

describe('ingressOwnErrors', () => {
  it.each([
    [{ '502': 5, '500': 2 }, undefined, { count: 5, sure: false }],
    [{ '502': 5, '500': 2 }, { p: { http_5xx: 2 } }, { count: 5, sure: true }],
    [{ '502': 5 }, { p: { http_5xx: 5 } }, { count: 0, sure: true }],
    [{ '200': 5 }, {}, { count: 0, sure: true }],
  ])('%j with pods %j -> %j', (codes, perPod, want) => {
    expect(ingressOwnErrors(codes, perPod)).toEqual(want);
  });
});

describe('withoutIngressErrors', () => {
  it('leaves the pod rules no cut the ingress reload made', () => {
    const out = withoutIngressErrors({ outages: [win(1000, 1100, { reset: 1 }), win(4000, 4100, { reset: 2 })], events: graceful, statusCodes: { '200': 100 }, perPod: {} });
    expect(out.map((o) => o.failures)).toEqual([{ reset: 0, other: 0 }, { reset: 2 }]);
  });


  it('leaves the pod rules the windows the ingress did not explain', () => {
    const out = withoutIngressErrors({ outages: [win(1500, 1600, { http_5xx: 2 }), win(3000, 3200, { http_5xx: 9, reset: 1 })], events: naive, statusCodes: { '502': 11 }, perPod: {} });
    expect(out.map((o) => o.failures)).toEqual([{ http_5xx: 2 }, { http_5xx: 0, reset: 1 }]);
  });
});

describe('ingress events', () => {
  it.each([
    [{ reason: 'RELOAD', message: 'NGINX reload triggered due to a change in configuration: endpoints added: a; endpoints removed: b' }, [{ type: 'ingress-reload', object: 'ingress/web', message: 'endpoints added: a; endpoints removed: b' }]],
    [{ reason: 'Sync', message: 'Scheduled for sync' }, []],
    [undefined, []],
  ])('%j', (event, want) => {
    expect(ingressEvents('web', event)).toEqual(want);
  });

  it.each([
    ['endpoints added: a, b; endpoints removed: c', { added: ['a', 'b'], removed: ['c'] }],
    ['rules changed; endpoints removed: c', { added: [], removed: ['c'] }],
    [undefined, { added: [], removed: [] }],
  ])('reloadedEndpoints(%j)', (msg, want) => {
    expect(reloadedEndpoints(msg)).toEqual(want);
  });
});
