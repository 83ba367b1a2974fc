import type { CoreV1Event } from '@kubernetes/client-node';
import type { DerivedEvent, RolloutEventType } from './events.js';

/**
 * The load balancer's target events, by the reason of the Kubernetes Event its controller records
 * on the Service (the emulator's load balancer records these; see src/emulator/loadbalancer).
 */
export const TARGET_EVENT_BY_REASON: Readonly<Record<string, RolloutEventType>> = {
  TargetRegistered: 'target-registered',
  TargetHealthy: 'target-healthy',
  TargetUnhealthy: 'target-unhealthy',
  TargetDraining: 'target-draining',
  TargetDeregistered: 'target-deregistered',
};

/** The field selector of a Service's Events. */
export function serviceEventsSelector(service: string): string {
  return `involvedObject.kind=Service,involvedObject.name=${service}`;
}

/**
 * The rollout event of one load balancer Event, or undefined for any other Event. The object is
 * `target/<pod>` (the Event's related Pod), so a target lines up with its pod in the timeline.
 */
export function targetEventOf(e: CoreV1Event): DerivedEvent | undefined {
  const type = TARGET_EVENT_BY_REASON[e.reason ?? ''];
  if (type === undefined) return undefined;
  const pod = e.related?.kind === 'Pod' ? e.related.name : undefined;
  const object = `target/${pod ?? e.involvedObject.name ?? ''}`;
  return e.message === undefined ? { type, object } : { type, object, message: e.message };
}
