import { describe, expect, it } from 'vitest';
import { LB_DEFAULTS, parseAttributes, parseSuccessCodes, readLoadBalancerSettings } from '../../../src/conventions/aws-load-balancer.js';

const P = 'service.beta.kubernetes.io/aws-load-balancer-';

describe('load balancer settings from annotations', () => {
  it('uses the AWS Load Balancer Controller defaults without annotations', () => {
    expect(readLoadBalancerSettings(undefined)).toEqual({ settings: LB_DEFAULTS, problems: [] });
    expect(LB_DEFAULTS).toMatchObject({ healthCheckIntervalMs: 10_000, healthyThreshold: 3, unhealthyThreshold: 3, deregistrationDelayMs: 300_000 });
  });

  it.each<[string, Record<string, string>, Partial<typeof LB_DEFAULTS>]>([
    ['interval', { [`${P}healthcheck-interval`]: '5' }, { healthCheckIntervalMs: 5000 }],
    ['timeout within the interval', { [`${P}healthcheck-interval`]: '5', [`${P}healthcheck-timeout`]: '2' }, { healthCheckTimeoutMs: 2000 }],
    ['thresholds', { [`${P}healthcheck-healthy-threshold`]: '2', [`${P}healthcheck-unhealthy-threshold`]: '4' }, { healthyThreshold: 2, unhealthyThreshold: 4 }],
    ['HTTP checks on a path', { [`${P}healthcheck-protocol`]: 'http', [`${P}healthcheck-path`]: '/ready' }, { healthCheckProtocol: 'HTTP', healthCheckPath: '/ready' }],
    ['a health check port', { [`${P}healthcheck-port`]: '9000' }, { healthCheckPort: 9000 }],
    ['traffic-port', { [`${P}healthcheck-port`]: 'traffic-port' }, { healthCheckPort: 'traffic-port' }],
    ['success codes', { [`${P}healthcheck-success-codes`]: '200,300-302' }, { successCodes: [[200, 200], [300, 302]] }],
    ['the deregistration delay among other attributes', { [`${P}target-group-attributes`]: 'preserve_client_ip.enabled=true,deregistration_delay.timeout_seconds=30' }, { deregistrationDelayMs: 30_000 }],
    ['a zero deregistration delay', { [`${P}target-group-attributes`]: 'deregistration_delay.timeout_seconds=0' }, { deregistrationDelayMs: 0 }],
    ['the idle timeout', { [`${P}attributes`]: 'idle_timeout.timeout_seconds=5' }, { idleTimeoutMs: 5000 }],
  ])('honours %s', (_name, annotations, want) => {
    const r = readLoadBalancerSettings(annotations);
    expect(r.problems).toEqual([]);
    expect(r.settings).toMatchObject(want);
  });

  it.each<[string, Record<string, string>, string]>([
    ['a non-number interval', { [`${P}healthcheck-interval`]: 'often' }, 'healthcheck-interval'],
    ['a threshold below 2', { [`${P}healthcheck-healthy-threshold`]: '1' }, 'healthcheck-healthy-threshold'],
    ['an unknown protocol', { [`${P}healthcheck-protocol`]: 'UDP' }, 'healthcheck-protocol'],
    ['a relative path', { [`${P}healthcheck-path`]: 'ready' }, 'healthcheck-path'],
    ['bad success codes', { [`${P}healthcheck-success-codes`]: '2xx' }, 'healthcheck-success-codes'],
    ['a delay past 3600 s', { [`${P}target-group-attributes`]: 'deregistration_delay.timeout_seconds=4000' }, 'deregistration_delay'],
    ['a timeout longer than the interval', { [`${P}healthcheck-interval`]: '2', [`${P}healthcheck-timeout`]: '5' }, 'longer than the interval'],
  ])('reports %s and keeps a sound value', (_name, annotations, words) => {
    const r = readLoadBalancerSettings(annotations);
    expect(r.problems.join('\n')).toContain(words);
    expect(r.settings.healthCheckTimeoutMs).toBeLessThanOrEqual(r.settings.healthCheckIntervalMs);
  });

  it.each([
    ['200', [[200, 200]]],
    ['200-399', [[200, 399]]],
    ['200,204', [[200, 200], [204, 204]]],
    ['399-200', undefined],
    ['', undefined],
  ] as const)('success codes %j', (text, want) => {
    expect(parseSuccessCodes(text)).toEqual(want);
  });

  it('reads attributes as key=value pairs, ignoring malformed ones', () => {
    expect([...parseAttributes('a=1, b = 2 ,junk,=3')]).toEqual([['a', '1'], ['b', '2']]);
  });
});
