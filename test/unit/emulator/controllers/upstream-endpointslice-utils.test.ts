/*
 * Upstream's own tables for EndpointSlice endpoints, run against the emulator's controller.
 *
 * Source: k8s.io/endpointslice (staging/src/k8s.io/endpointslice of kubernetes/kubernetes) at tag
 * v0.36.3 (= Kubernetes v1.36.3), commit 810be24c14536c3df13c9748f6990cb48707196f: utils_test.go,
 * and util/controller_utils_test.go for the two helpers podToEndpoint relies on. Inputs and
 * expected outputs are upstream's data; newPod, the Service and the assertions are our own.
 *
 * Ported (42 cases):
 *   utils_test.go TestPodToEndpoint 10/10              -> podEndpoint
 *   utils_test.go TestFindPort 14/14                   -> resolveTargetPort
 *   utils_test.go TestGetEndpointPorts 4/4             -> endpointPorts
 *   util/controller_utils_test.go TestShouldPodBeInEndpoints 10/11 -> podHasEndpoint
 *   util/controller_utils_test.go TestShouldSetHostname 4/4         -> podEndpoint().hostname
 *   (TestPodToEndpoint's "Ready pod" appears twice upstream; both are run.)
 * Not ported:
 *   TestShouldPodBeInEndpoints "Terminating Pod with includeTerminating=false": the EndpointSlice
 *     controller always includes terminating pods (upstream passes includeTerminating=true too).
 *   TestNewEndpointSlice, TestServiceControllerKey, TestSetEndpointSliceLabels,
 *     TestSupportedServiceAddressType, Test_hintsEnabled and the reconciler tables: slice naming,
 *     labels, dual-stack and topology hints, which the emulator's single IPv4 slice per port set
 *     does not implement.
 * Bugs these tables found (fixed in src): "Unready pod + publishNotReadyAddresses" (the emulator
 * set serving=true; upstream keeps serving = Ready and only forces ready), "Multi IP Ready pod +
 * node labels" (addresses came from status.podIP, not the IPv4 entries of status.podIPs; the zone
 * from the node's topology label was missing), TestFindPort "Sidecar initContainer named port"
 * (named ports of restartable init containers were not found).
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../../src/emulator/api/store-types.js';
import { type Endpoint, endpointPorts, podEndpoint, podHasEndpoint, resolveTargetPort } from '../../../../src/emulator/controllers/endpointslice-controller.js';

const NS = 'test';

/** upstream newPod(n, namespace, ready, nPorts, terminating). */
function newPod(n: number, namespace: string, ready: boolean, terminating: boolean): KObject {
  const ip = `1.2.3.${4 + n}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace,
      name: `pod${n}`,
      labels: { foo: 'bar' },
      resourceVersion: String(n),
      ...(terminating ? { deletionTimestamp: '2025-06-15T12:00:00Z' } : {}),
    },
    spec: { containers: [{ name: 'container-1' }], nodeName: 'node-1' },
    status: { podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** upstream newServiceAndEndpointMeta(name, namespace). */
function newService(name: string, namespace: string, publishNotReadyAddresses = false): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, uid: `${namespace}-${name}` },
    spec: { ports: [{ targetPort: 80, protocol: 'TCP', name }], selector: { foo: 'bar' }, ipFamilies: ['IPv4'], ...(publishNotReadyAddresses ? { publishNotReadyAddresses } : {}) },
  };
}

describe('TestPodToEndpoint', () => {
  const svc = newService('foo', NS);
  const svcPublishNotReady = newService('publishnotready', NS, true);
  const readyPod = newPod(1, NS, true, false);
  const readyTerminatingPod = newPod(1, NS, true, true);
  const readyPodHostname = newPod(1, NS, true, false);
  readyPodHostname.spec.subdomain = 'foo';
  readyPodHostname.spec.hostname = 'example-hostname';
  const unreadyPod = newPod(1, NS, false, false);
  const unreadyTerminatingPod = newPod(1, NS, false, true);
  const multiIPPod = newPod(1, NS, true, false);
  multiIPPod.status.podIPs = [{ ip: '1.2.3.4' }, { ip: '1234::5678:0000:0000:9abc:def0' }];
  const node1: KObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'us-central1-a', 'topology.kubernetes.io/region': 'us-central1' } },
  };
  const targetRef = { kind: 'Pod' as const, namespace: NS, name: 'pod1', uid: '' };
  const ep = (addresses: string[], ready: boolean, serving: boolean, terminating: boolean, extra: Partial<Endpoint> = {}): Endpoint => ({
    addresses,
    conditions: { ready, serving, terminating },
    nodeName: 'node-1',
    targetRef,
    ...extra,
  });
  it.each([
    ['Ready pod', readyPod, undefined, svc, ep(['1.2.3.5'], true, true, false)],
    ['Ready pod + publishNotReadyAddresses', readyPod, undefined, svcPublishNotReady, ep(['1.2.3.5'], true, true, false)],
    ['Unready pod', unreadyPod, undefined, svc, ep(['1.2.3.5'], false, false, false)],
    ['Unready pod + publishNotReadyAddresses', unreadyPod, undefined, svcPublishNotReady, ep(['1.2.3.5'], true, false, false)],
    ['Ready pod + node labels', readyPod, node1, svc, ep(['1.2.3.5'], true, true, false, { zone: 'us-central1-a' })],
    ['Multi IP Ready pod + node labels', multiIPPod, node1, svc, ep(['1.2.3.4'], true, true, false, { zone: 'us-central1-a' })],
    ['Ready pod + hostname', readyPodHostname, node1, svc, ep(['1.2.3.5'], true, true, false, { hostname: 'example-hostname', zone: 'us-central1-a' })],
    ['Ready pod (second)', readyPod, undefined, svc, ep(['1.2.3.5'], true, true, false)],
    ['Ready terminating pod', readyTerminatingPod, undefined, svc, ep(['1.2.3.5'], false, true, true)],
    ['Not ready terminating pod', unreadyTerminatingPod, undefined, svc, ep(['1.2.3.5'], false, false, true)],
  ] as const)('%s', (_name, pod, node, service, expected) => {
    expect(podEndpoint(pod, service, node)).toStrictEqual(expected);
  });
});

type Port = { name?: string; containerPort?: number; protocol?: string; hostPort?: number; hostIP?: string };
const container = (ports: Port[] = []) => ({ ports });

describe('TestFindPort', () => {
  const tcp = (name: string, containerPort: number, extra: Partial<Port> = {}): Port => ({ name, containerPort, protocol: 'TCP', ...extra });
  it.each([
    // name, containers, initContainers, port, expected, pass
    ['valid int, no ports', [container()], [], 93, 93, true],
    ['valid int, with ports', [container([tcp('', 11), tcp('p', 22)])], [], 93, 93, true],
    ['valid str, no ports', [container()], [], 'p', 0, false],
    ['valid str, one ctr with ports', [container([{ name: '', containerPort: 11, protocol: 'UDP' }, tcp('p', 22), tcp('q', 33)])], [], 'q', 33, true],
    ['valid str, two ctr with ports', [container(), container([{ name: '', containerPort: 11, protocol: 'UDP' }, tcp('p', 22), tcp('q', 33)])], [], 'q', 33, true],
    ['valid str, two ctr with same port', [container(), container([{ name: '', containerPort: 11, protocol: 'UDP' }, tcp('p', 22), tcp('q', 22)])], [], 'q', 22, true],
    ['valid str, invalid protocol', [container(), container([{ name: 'a', containerPort: 11, protocol: 'snmp' }])], [], 'a', 0, false],
    ['valid hostPort', [container(), container([tcp('a', 11, { hostPort: 81 })])], [], 'a', 11, true],
    ['invalid hostPort', [container(), container([tcp('a', 11, { hostPort: -1 })])], [], 'a', 11, true],
    ['invalid ContainerPort', [container(), container([tcp('a', -1)])], [], 'a', -1, true],
    ['HostIP Address', [container(), container([tcp('a', 11, { hostIP: '192.168.1.1' })])], [], 'a', 11, true],
    ['Sidecar initContainer named port', [], [{ restartPolicy: 'Always', ports: [tcp('a', 80, { hostPort: -1 })] }], 'a', 80, true],
    ['Invalid(restartPolicy != Always) initContainer named port', [], [{ ports: [tcp('a', 80, { hostPort: -1 })] }], 'a', 0, false],
    [
      'App and sidecar containers have the same named port, first app container port will be used',
      [container([tcp('a', 81, { hostPort: -1 })]), container([tcp('a', 82, { hostPort: -1 })])],
      [{ restartPolicy: 'Always', ports: [tcp('a', 80, { hostPort: -1 })] }],
      'a',
      81,
      true,
    ],
  ] as const)('%s', (_name, containers, initContainers, port, expected, pass) => {
    const pod: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers, initContainers } };
    const got = resolveTargetPort({ port: 1, targetPort: port, protocol: 'TCP' }, pod);
    // upstream returns (0, error) when no port fits; ours returns undefined.
    expect(got ?? 0).toBe(expected);
    expect(got !== undefined).toBe(pass);
  });
});

describe('TestGetEndpointPorts', () => {
  const svcWith = (ports: object[]): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports } });
  const podWith = (spec: object): KObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
  it.each([
    [
      'service with AppProtocol on one port',
      svcWith([{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP', appProtocol: 'example.com/custom-protocol' }]),
      podWith({ containers: [{ ports: [] }] }),
      [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'example.com/custom-protocol' }],
    ],
    [
      'service with named port and AppProtocol on one port',
      svcWith([
        { name: 'http', port: 80, targetPort: 80, protocol: 'TCP' },
        { name: 'https', protocol: 'TCP', targetPort: 'https', appProtocol: 'https' },
      ]),
      podWith({ containers: [{ ports: [{ name: 'https', containerPort: 443, protocol: 'TCP' }] }] }),
      [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'https', port: 443, protocol: 'TCP', appProtocol: 'https' },
      ],
    ],
    [
      'service with named port for restartable init container',
      svcWith([
        { name: 'http-sidecar', port: 8080, targetPort: 8080, protocol: 'TCP' },
        { name: 'http', port: 8090, targetPort: 'http', protocol: 'TCP' },
      ]),
      podWith({
        initContainers: [{ ports: [{ name: 'http-sidecar', containerPort: 8080, protocol: 'TCP' }], restartPolicy: 'Always' }],
        containers: [{ ports: [{ name: 'http', containerPort: 8090, protocol: 'TCP' }] }],
      }),
      [
        { name: 'http-sidecar', port: 8080, protocol: 'TCP' },
        { name: 'http', port: 8090, protocol: 'TCP' },
      ],
    ],
    [
      'service with same named port for regular and restartable init container',
      svcWith([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]),
      podWith({
        initContainers: [{ ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }], restartPolicy: 'Always' }],
        containers: [{ ports: [{ name: 'http', containerPort: 8090, protocol: 'TCP' }] }],
      }),
      [{ name: 'http', port: 8090, protocol: 'TCP' }],
    ],
  ] as const)('%s', (_name, service, pod, expectedPorts) => {
    expect(endpointPorts(service, pod)).toStrictEqual(expectedPorts);
  });
});

describe('TestShouldPodBeInEndpoints', () => {
  const p = (phase: string, status: object, deleting = false): KObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...(deleting ? { deletionTimestamp: '2025-06-15T12:00:00Z' } : {}) },
    spec: {},
    status: { phase, ...status },
  });
  it.each([
    ['Failed pod with Never RestartPolicy', p('Failed', { podIP: '1.2.3.4' }), false],
    ['Succeeded pod with Never RestartPolicy', p('Succeeded', { podIP: '1.2.3.4' }), false],
    ['Succeeded pod with OnFailure RestartPolicy', p('Succeeded', { podIP: '1.2.3.4' }), false],
    ['Empty Pod IPs, Running pod with OnFailure RestartPolicy', p('Running', { podIP: '', podIPs: [] }), false],
    ['Failed pod with Always RestartPolicy', p('Failed', { podIP: '1.2.3.4' }), false],
    ['Pending pod with Never RestartPolicy', p('Pending', { podIP: '1.2.3.4' }), true],
    ['Unknown pod with OnFailure RestartPolicy', p('Unknown', { podIP: '1.2.3.4' }), true],
    ['Running pod with Never RestartPolicy', p('Running', { podIP: '1.2.3.4' }), true],
    ['Multiple Pod IPs, Running pod with OnFailure RestartPolicy', p('Running', { podIPs: [{ ip: '1.2.3.4' }, { ip: '1234::5678:0000:0000:9abc:def0' }] }), true],
    ['Terminating Pod with includeTerminating=true', p('Running', { podIP: '1.2.3.4' }, true), true],
  ] as const)('%s', (_name, pod, expected) => {
    expect(podHasEndpoint(pod)).toBe(expected);
  });
});

describe('TestShouldSetHostname', () => {
  const genSimplePod = (namespace: string, hostname: string, subdomain: string): KObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace },
    spec: { hostname, subdomain },
    status: { podIP: '1.2.3.4', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const genSimpleSvc = (namespace: string, name: string): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: {} });
  it.each([
    ['all matching', genSimplePod('ns', 'foo', 'svc-name'), genSimpleSvc('ns', 'svc-name'), true],
    ['all matching, hostname not set', genSimplePod('ns', '', 'svc-name'), genSimpleSvc('ns', 'svc-name'), false],
    ['all set, different name/subdomain', genSimplePod('ns', 'hostname', 'subdomain'), genSimpleSvc('ns', 'name'), false],
    ['all set, different namespace', genSimplePod('ns1', 'hostname', 'svc-name'), genSimpleSvc('ns2', 'svc-name'), false],
  ] as const)('%s', (_name, pod, service, expected) => {
    expect(podEndpoint(pod, service).hostname !== undefined).toBe(expected);
  });
});
