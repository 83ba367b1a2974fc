import { describe, expect, it } from 'vitest';
import { diagnoseLoadBalancer, hasLoadBalancer, replacedBeforeHealthySpans } from '../../../src/analysis/load-balancer-diagnosis.js';
import type { OutageWindow } from '../../../src/analysis/results.js';
import { diagnoseRollout, readinessRule, ROLLOUT_DIAGNOSIS_RULES } from '../../../src/analysis/rollout-diagnosis.js';
import { LOAD_BALANCER_DIAGNOSIS_RULES } from '../../../src/analysis/load-balancer-diagnosis.js';
import type { RolloutEventRecord } from '../../../src/rollout/events.js';

const ev = (tMs: number, type: string, object: string, message?: string): RolloutEventRecord => (message === undefined ? { tMs, type, object } : { tMs, type, object, message });
const win = (startMs: number, endMs: number, failures: OutageWindow['failures']): OutageWindow => ({ startMs, endMs, durationMs: endMs - startMs, failed: Object.values(failures).reduce((s, n) => s + (n ?? 0), 0), sent: 1000, failures });

// The naive rollout behind a load balancer: old pods exit at once, the load balancer learns 1 s
// later; new targets need 3 s of health checks.
const NAIVE: RolloutEventRecord[] = [
  ev(1000, 'pod-ready', 'pod/new-a'),
  ev(1050, 'pod-terminating', 'pod/old-a'),
  ev(1100, 'pod-deleted', 'pod/old-a'),
  ev(2000, 'target-registered', 'target/new-a'),
  ev(2050, 'target-draining', 'target/old-a'),
  ev(2060, 'target-deregistered', 'target/old-a'),
  ev(5000, 'target-healthy', 'target/new-a'),
];

// The graceful one: the gate holds the pod until its target is healthy; preStop outlasts the drain.
const GRACEFUL: RolloutEventRecord[] = [
  ev(1000, 'target-registered', 'target/new-a'),
  ev(3000, 'target-healthy', 'target/new-a'),
  ev(3001, 'pod-ready', 'pod/new-a'),
  ev(3100, 'pod-terminating', 'pod/old-a'),
  ev(4100, 'target-draining', 'target/old-a'),
  ev(4110, 'target-deregistered', 'target/old-a'),
  ev(12_000, 'pod-deleted', 'pod/old-a'),
];

describe('load balancer diagnosis', () => {
  it.each<[string, RolloutEventRecord[], OutageWindow[], Record<string, number>, string[]]>([
    ['no load balancer events: nothing to say', NAIVE.filter((e) => !e.type.startsWith('target-')), [win(1000, 5000, { http_5xx: 500 })], { '502': 200, '503': 300 }, []],
    ['graceful rollout without failures', GRACEFUL, [], {}, []],
    ['graceful rollout: 5xx elsewhere are not blamed on its drained pods', GRACEFUL, [win(3000, 3500, { http_5xx: 5 })], { '500': 5 }, []],
    [
      'a pod whose containers ended (not ready while terminating) before its target drained',
      [ev(1000, 'pod-terminating', 'pod/old-a'), ev(1100, 'pod-not-ready', 'pod/old-a', 'terminating'), ev(2100, 'target-draining', 'target/old-a'), ev(2500, 'pod-deleted', 'pod/old-a')],
      [win(1100, 2100, { http_5xx: 40 })],
      { '502': 40 },
      ['lb-target-stopped-before-deregistered'],
    ],
    ['naive: 503 while new targets were initial, 502 from pods gone before deregistration', NAIVE, [win(1100, 5000, { http_5xx: 500 })], { '502': 200, '503': 300 }, ['lb-target-not-healthy', 'lb-target-stopped-before-deregistered']],
    ['only the gone pod: 502 before any new target registered', NAIVE.slice(0, 3).concat([ev(2050, 'target-draining', 'target/old-a')]), [win(1100, 2000, { http_5xx: 80 })], { '502': 80 }, ['lb-target-stopped-before-deregistered']],
    [
      'in-flight requests cut by the deregistration delay',
      [ev(1000, 'pod-terminating', 'pod/old-a'), ev(2000, 'target-draining', 'target/old-a'), ev(7000, 'target-deregistered', 'target/old-a', 'target group tg: pod old-a (1.2.3.4:80) deregistered: the deregistration delay ended; cut 4 in-flight requests'), ev(20_000, 'pod-deleted', 'pod/old-a')],
      [win(7000, 7100, { http_5xx: 4 })],
      { '502': 4 },
      ['lb-deregistration-delay-short'],
    ],
  ])('%s', (_name, events, outages, statusCodes, ids) => {
    expect(diagnoseLoadBalancer({ outages, events, statusCodes }).map((d) => d.id)).toEqual(ids);
  });

  it('weighs each cause by its own status code and says the answers named no pod', () => {
    const found = diagnoseLoadBalancer({ outages: [win(1100, 5000, { http_5xx: 500 })], events: NAIVE, statusCodes: { '200': 9000, '502': 200, '503': 300 }, perPod: { 'old-a': { http_5xx: 0 } } });
    expect(found.map((d) => [d.id, d.weight])).toEqual([['lb-target-not-healthy', 300], ['lb-target-stopped-before-deregistered', 200]]);
    expect(found[0]?.evidence).toContain('500 502/503/504 answers named no pod');
    expect(found[0]?.fix).toContain('elbv2.k8s.aws/pod-readiness-gate-inject=enabled');
    expect(found[1]?.fix).toContain('preStop');
  });

  it('finds the spans where an old target left while a new one was initial', () => {
    expect(replacedBeforeHealthySpans(NAIVE)).toEqual([{ startMs: 2050, endMs: 5000, target: 'new-a', leaving: 'old-a' }]);
    expect(replacedBeforeHealthySpans(GRACEFUL)).toEqual([]);
    expect(hasLoadBalancer(GRACEFUL)).toBe(true);
  });

  it('behind a load balancer, 5xx near a pod becoming ready are not blamed on its readiness probe', () => {
    const input = { outages: [win(1100, 5000, { http_5xx: 500 })], events: NAIVE };
    expect(readinessRule(input)).toBeNull();
    expect(readinessRule({ ...input, events: NAIVE.filter((e) => !e.type.startsWith('target-') && e.type !== 'pod-terminating') })?.id).toBe('readiness-too-early');
    const ids = diagnoseRollout({ ...input, statusCodes: { '502': 200, '503': 300 } }, [...ROLLOUT_DIAGNOSIS_RULES, ...LOAD_BALANCER_DIAGNOSIS_RULES]).map((d) => d.id);
    expect(ids[0]).toBe('lb-target-not-healthy');
  });
});
