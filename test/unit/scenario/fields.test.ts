import { describe, expect, expectTypeOf, it } from 'vitest';
import { FLAG_FIELDS, FLAG_PATHS, KNOWN_FIELDS, SCENARIO_FIELDS, camelFlag, type ScenarioFlags } from '../../../src/scenario/fields.js';

/** ScenarioFlags as it was written by hand before the field table: the derived type must be the same. */
interface HandWrittenScenarioFlags {
  name?: string | undefined;
  url?: string | undefined;
  method?: string | undefined;
  header?: string[] | undefined;
  body?: string | undefined;
  timeout?: string | undefined;
  keepAlive?: boolean | undefined;
  http2?: boolean | undefined;
  ca?: string | undefined;
  insecure?: boolean | undefined;
  successStatus?: string | undefined;
  podHeader?: string | undefined;
  client?: string | undefined;
  grpcMethod?: string | undefined;
  proto?: string | undefined;
  data?: string | undefined;
  metadata?: string[] | undefined;
  grpcDeadline?: string | undefined;
  grpcTls?: boolean | undefined;
  rate?: number | undefined;
  rampUp?: string | undefined;
  rampFrom?: number | undefined;
  connections?: number | undefined;
  streams?: number | undefined;
  duration?: string | undefined;
  warmup?: string | undefined;
  maxInFlight?: number | undefined;
  minConnections?: number | undefined;
  workers?: string | undefined;
  agents?: number | undefined;
  agentImage?: string | undefined;
  loadKind?: string | undefined;
  messageRate?: number | undefined;
  messageSize?: number | undefined;
  answerDeadline?: string | undefined;
  reconnectPrompt?: string | undefined;
  interval?: string | undefined;
  trigger?: string | undefined;
  baseline?: string | undefined;
  cooldown?: string | undefined;
  triggerTimeout?: string | undefined;
  restart?: boolean | undefined;
  image?: string | undefined;
  patch?: string | undefined;
  patchType?: string | undefined;
  apply?: string | undefined;
  watch?: boolean | undefined;
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
  deployment?: string | undefined;
  service?: string | undefined;
  ingress?: string | undefined;
  loadBalancer?: string | undefined;
  emulator?: boolean | undefined;
  rolloutTimeout?: string | undefined;
  rollbackOnFail?: boolean | undefined;
  budget?: string | undefined;
  confidence?: string | undefined;
  out?: string | undefined;
  format?: string[] | undefined;
  signKey?: string | undefined;
}

describe('the scenario field table', () => {
  it('derives ScenarioFlags: one optional key per flag, camelCase, typed as yargs hands it over', () => {
    expectTypeOf<ScenarioFlags>().toEqualTypeOf<HandWrittenScenarioFlags>();
  });

  it.each([
    ['url', 'url'],
    ['success-status', 'successStatus'],
    ['rollback-on-fail', 'rollbackOnFail'],
    ['http2', 'http2'],
  ])('names flag %s %s in ScenarioFlags', (flag, key) => {
    expect(camelFlag(flag)).toBe(key);
  });

  it('has one row per path and per flag, every flag naming its field in its help', () => {
    const paths = SCENARIO_FIELDS.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    const flags = FLAG_FIELDS.map((f) => f.flag.name);
    expect(new Set(flags).size).toBe(flags.length);
    for (const { path, flag } of FLAG_FIELDS) expect(flag.describe, flag.name).toContain(path);
  });

  it('maps every plain flag to its path; the custom ones (merged or read as files) are left to their resolvers', () => {
    expect([...FLAG_PATHS].sort()).toEqual(
      [
        ['name', 'name', '--name'],
        ['url', 'target.url', '--url'],
        ['method', 'target.method', '--method'],
        ['timeout', 'target.timeout', '--timeout'],
        ['keepAlive', 'target.keepAlive', '--keep-alive'],
        ['http2', 'target.http2', '--http2'],
        ['ca', 'target.ca', '--ca'],
        ['insecure', 'target.insecure', '--insecure'],
        ['successStatus', 'target.successStatus', '--success-status'],
        ['podHeader', 'target.podHeader', '--pod-header'],
        ['client', 'target.client', '--client'],
        ['grpcMethod', 'target.grpc.method', '--grpc-method'],
        ['proto', 'target.grpc.proto', '--proto'],
        ['data', 'target.grpc.message', '--data'],
        ['grpcDeadline', 'target.grpc.deadline', '--grpc-deadline'],
        ['grpcTls', 'target.grpc.tls', '--grpc-tls'],
        ['rate', 'load.rate', '--rate'],
        ['rampUp', 'load.ramp.duration', '--ramp-up'],
        ['rampFrom', 'load.ramp.from', '--ramp-from'],
        ['connections', 'load.connections', '--connections'],
        ['streams', 'load.streams', '--streams'],
        ['duration', 'load.duration', '--duration'],
        ['warmup', 'load.warmup', '--warmup'],
        ['maxInFlight', 'load.maxInFlight', '--max-in-flight'],
        ['minConnections', 'load.minConnections', '--min-connections'],
        ['loadKind', 'load.kind', '--load-kind'],
        ['messageRate', 'load.messageRate', '--message-rate'],
        ['messageSize', 'load.messageSize', '--message-size'],
        ['answerDeadline', 'load.answerDeadline', '--answer-deadline'],
        ['reconnectPrompt', 'load.reconnect.prompt', '--reconnect-prompt'],
        ['interval', 'load.interval', '--interval'],
        ['workers', 'load.workers', '--workers'],
        ['agents', 'load.agents.count', '--agents'],
        ['agentImage', 'load.agents.image', '--agent-image'],
        ['trigger', 'trigger.command', '--trigger'],
        ['baseline', 'trigger.baseline', '--baseline'],
        ['cooldown', 'trigger.cooldown', '--cooldown'],
        ['triggerTimeout', 'trigger.timeout', '--trigger-timeout'],
        ['restart', 'trigger.restart', '--restart'],
        ['image', 'trigger.image', '--image'],
        ['patch', 'trigger.patch', '--patch'],
        ['patchType', 'trigger.patchType', '--patch-type'],
        ['apply', 'trigger.apply', '--apply'],
        ['watch', 'trigger.watch', '--watch'],
        ['kubeconfig', 'kubernetes.kubeconfig', '--kubeconfig'],
        ['loadBalancer', 'kubernetes.loadBalancer', '--load-balancer'],
        ['context', 'kubernetes.context', '--context'],
        ['namespace', 'kubernetes.namespace', '--namespace'],
        ['deployment', 'kubernetes.deployment', '--deployment'],
        ['service', 'kubernetes.service', '--service'],
        ['ingress', 'kubernetes.ingress', '--ingress'],
        ['rolloutTimeout', 'kubernetes.rolloutTimeout', '--rollout-timeout'],
        ['rollbackOnFail', 'kubernetes.rollbackOnFail', '--rollback-on-fail'],
        ['budget', 'budget.maxFailureRate', '--budget'],
        ['confidence', 'budget.confidence', '--confidence'],
        ['out', 'report.out', '--out'],
        ['format', 'report.formats', '--format'],
        ['signKey', 'report.signKey', '--sign-key'],
      ].sort(),
    );
  });

  it('knows every field a scenario file may hold, section by section', () => {
    const sorted = Object.fromEntries(Object.entries(KNOWN_FIELDS).map(([k, v]) => [k, [...v].sort()]));
    expect(sorted).toEqual({
      '': ['budget', 'kubernetes', 'load', 'name', 'report', 'sweep', 'target', 'trigger'],
      'target.grpc': ['deadline', 'message', 'metadata', 'method', 'proto', 'tls'],
      target: ['body', 'bodyFile', 'ca', 'client', 'grpc', 'headers', 'http2', 'insecure', 'keepAlive', 'method', 'path', 'podHeader', 'successStatus', 'timeout', 'url'],
      load: ['agents', 'answerDeadline', 'connections', 'duration', 'interval', 'kind', 'maxInFlight', 'messageRate', 'messageSize', 'minConnections', 'ramp', 'rate', 'reconnect', 'streams', 'warmup', 'workers'],
      'load.ramp': ['duration', 'from'],
      'load.reconnect': ['initialDelay', 'maxDelay', 'prompt'],
      'load.agents': ['count', 'image', 'namespace', 'nodeSelector', 'resources', 'startDelay'],
      trigger: ['apply', 'baseline', 'command', 'cooldown', 'image', 'patch', 'patchFile', 'patchType', 'restart', 'timeout', 'watch'],
      kubernetes: ['context', 'deployment', 'emulator', 'ingress', 'kubeconfig', 'loadBalancer', 'namespace', 'port', 'rollbackOnFail', 'rolloutTimeout', 'service'],
      'kubernetes.emulator': ['dataplane', 'images', 'ingressSyncDelay', 'manifests', 'proxyDelay'],
      budget: ['confidence', 'maxFailureRate'],
      report: ['formats', 'out', 'signKey'],
    });
  });
});
