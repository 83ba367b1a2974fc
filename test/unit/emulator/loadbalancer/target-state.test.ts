import { describe, expect, it } from 'vitest';
import { nextTargetState, registeredTarget, servesTraffic, type TargetInput, type TargetState } from '../../../../src/emulator/loadbalancer/target-state.js';

const T = { healthyThreshold: 2, unhealthyThreshold: 3 };
const ok: TargetInput = { kind: 'check', ok: true };
const fail: TargetInput = { kind: 'check', ok: false, reason: 'Target.Timeout' };

function run(inputs: TargetInput[], from: TargetState = registeredTarget()): TargetState {
  return inputs.reduce((s, i) => nextTargetState(s, i, T), from);
}

describe('target state machine', () => {
  it.each<[string, TargetInput[], string, string]>([
    ['a new target waits in initial', [], 'initial', 'Elb.InitialHealthChecking'],
    ['one pass is below the healthy threshold', [ok], 'initial', 'Elb.InitialHealthChecking'],
    ['healthy threshold passes make it healthy', [ok, ok], 'healthy', ''],
    ['a failure resets the run of passes', [ok, fail, ok], 'initial', 'Elb.InitialHealthChecking'],
    ['unhealthy threshold failures from initial', [fail, fail, fail], 'unhealthy', 'Target.Timeout'],
    ['healthy stays healthy below the unhealthy threshold', [ok, ok, fail, fail], 'healthy', ''],
    ['a pass resets the run of failures', [ok, ok, fail, fail, ok, fail, fail], 'healthy', ''],
    ['healthy turns unhealthy at the threshold', [ok, ok, fail, fail, fail], 'unhealthy', 'Target.Timeout'],
    ['unhealthy needs the healthy threshold to come back', [fail, fail, fail, ok], 'unhealthy', 'Target.Timeout'],
    ['and comes back after it', [fail, fail, fail, ok, ok], 'healthy', ''],
    ['deregistering drains an initial target', [{ kind: 'deregister' }], 'draining', 'Target.DeregistrationInProgress'],
    ['deregistering drains a healthy target', [ok, ok, { kind: 'deregister' }], 'draining', 'Target.DeregistrationInProgress'],
    ['a draining target ignores checks', [ok, ok, { kind: 'deregister' }, fail, fail, fail, ok, ok], 'draining', 'Target.DeregistrationInProgress'],
    ['the end of the drain deregisters it', [{ kind: 'deregister' }, { kind: 'drained' }], 'deregistered', 'Target.NotRegistered'],
    ['drained means nothing outside draining', [ok, ok, { kind: 'drained' }], 'healthy', ''],
    ['a deregistered target stays so', [{ kind: 'deregister' }, { kind: 'drained' }, ok, ok, { kind: 'deregister' }], 'deregistered', 'Target.NotRegistered'],
  ])('%s', (_name, inputs, health, reason) => {
    const s = run(inputs);
    expect(s.health).toBe(health);
    expect(s.reason).toBe(reason);
  });

  it.each([
    ['initial', false],
    ['healthy', true],
    ['unhealthy', false],
    ['draining', false],
    ['deregistered', false],
  ] as const)('a %s target serves new requests: %s', (health, serves) => {
    expect(servesTraffic({ health })).toBe(serves);
  });

  it('a failure without a reason code is a failed health check', () => {
    const s = run([{ kind: 'check', ok: false }, { kind: 'check', ok: false }, { kind: 'check', ok: false }]);
    expect(s).toMatchObject({ health: 'unhealthy', reason: 'Target.FailedHealthChecks' });
  });
});
