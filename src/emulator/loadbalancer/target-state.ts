/*
 * One target's health in a target group, as a pure state machine (the states and reason codes of
 * AWS Elastic Load Balancing's DescribeTargetHealth): a registered target starts `initial` and
 * serves only once it is `healthy`; a deregistered one is `draining` until its delay ends.
 */

/** The health states of a registered target. */
export type TargetHealth = 'initial' | 'healthy' | 'unhealthy' | 'draining' | 'deregistered';

/** A target's state: its health, the reason code, and the run of checks that leads to the next state. */
export interface TargetState {
  health: TargetHealth;
  /** AWS's reason code, e.g. `Elb.InitialHealthChecking`, `Target.FailedHealthChecks`. */
  reason: string;
  /** Consecutive passed checks (reset by a failure). */
  passes: number;
  /** Consecutive failed checks (reset by a pass). */
  failures: number;
}

/** What happens to a target. */
export type TargetInput =
  | { kind: 'check'; ok: boolean; reason?: string }
  | { kind: 'deregister' }
  | { kind: 'drained' };

/** The thresholds that move a target between healthy and unhealthy. */
export interface Thresholds {
  healthyThreshold: number;
  unhealthyThreshold: number;
}

/** A newly registered target. */
export function registeredTarget(): TargetState {
  return { health: 'initial', reason: 'Elb.InitialHealthChecking', passes: 0, failures: 0 };
}

/** True when the load balancer may send a new request to a target in this state (failing open aside). */
export function servesTraffic(s: Pick<TargetState, 'health'>): boolean {
  return s.health === 'healthy';
}

/**
 * The next state. A check counts only outside draining (a draining target is no longer checked);
 * `healthyThreshold` passes in a row make an initial or unhealthy target healthy;
 * `unhealthyThreshold` failures in a row make an initial or healthy target unhealthy; deregistering
 * drains from any live state; `drained` ends the drain.
 */
export function nextTargetState(s: TargetState, input: TargetInput, t: Thresholds): TargetState {
  if (s.health === 'deregistered') return s;
  switch (input.kind) {
    case 'deregister':
      if (s.health === 'draining') return s;
      return { health: 'draining', reason: 'Target.DeregistrationInProgress', passes: 0, failures: 0 };
    case 'drained':
      if (s.health !== 'draining') return s;
      return { health: 'deregistered', reason: 'Target.NotRegistered', passes: 0, failures: 0 };
    case 'check': {
      if (s.health === 'draining') return s;
      if (input.ok) {
        const passes = s.passes + 1;
        if (s.health !== 'healthy' && passes >= t.healthyThreshold) return { health: 'healthy', reason: '', passes, failures: 0 };
        return { ...s, passes, failures: 0 };
      }
      const failures = s.failures + 1;
      const reason = input.reason ?? 'Target.FailedHealthChecks';
      if (s.health !== 'unhealthy' && failures >= t.unhealthyThreshold) return { health: 'unhealthy', reason, passes: 0, failures };
      return { ...s, passes: 0, failures, ...(s.health === 'unhealthy' ? { reason } : {}) };
    }
  }
}
