import type { CoreV1Event } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ROLLOUT_EVENT_TYPES } from '../../../src/rollout/events.js';
import { serviceEventsSelector, TARGET_EVENT_BY_REASON, targetEventOf } from '../../../src/rollout/load-balancer-events.js';
import { TARGET_EVENT_REASONS } from '../../../src/emulator/loadbalancer/index.js';

const event = (reason: string, related?: string): CoreV1Event => ({
  metadata: { name: 'web.1' },
  involvedObject: { kind: 'Service', name: 'web' },
  reason,
  message: 'target group tg: ...',
  ...(related === undefined ? {} : { related: { kind: 'Pod', name: related } }),
});

describe('load balancer target events', () => {
  it.each([
    ['TargetRegistered', 'target-registered'],
    ['TargetHealthy', 'target-healthy'],
    ['TargetUnhealthy', 'target-unhealthy'],
    ['TargetDraining', 'target-draining'],
    ['TargetDeregistered', 'target-deregistered'],
  ])('%s becomes %s on target/<pod>', (reason, type) => {
    expect(targetEventOf(event(reason, 'web-abc'))).toEqual({ type, object: 'target/web-abc', message: 'target group tg: ...' });
  });

  it('ignores other Events and names the Service when no pod is related', () => {
    expect(targetEventOf(event('InvalidAnnotation'))).toBeUndefined();
    expect(targetEventOf(event('TargetHealthy'))?.object).toBe('target/web');
  });

  it('knows every reason the emulator records, and each maps to a rollout event type', () => {
    expect(Object.keys(TARGET_EVENT_BY_REASON).sort()).toEqual(Object.values(TARGET_EVENT_REASONS).sort());
    for (const t of Object.values(TARGET_EVENT_BY_REASON)) expect(ROLLOUT_EVENT_TYPES).toContain(t);
    expect(serviceEventsSelector('web')).toBe('involvedObject.kind=Service,involvedObject.name=web');
  });
});
