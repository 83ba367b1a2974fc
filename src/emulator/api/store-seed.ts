import type { KObject } from './store-types.js';

/** The namespaces every cluster starts with. */
export const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** A Namespace object as the store creates it at start. */
export function seedNamespace(ns: string): KObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } }, spec: {} };
}

/** The emulator's one Node, Ready since `now` (an RFC 3339 time). */
export function seedNode(nodeName: string, now: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/control-plane': '' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'zerodrop emulated kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: nodeName },
      ],
      capacity: { cpu: '8', memory: '16Gi', pods: '250' },
      allocatable: { cpu: '8', memory: '16Gi', pods: '250' },
      nodeInfo: { kubeletVersion: 'v1.32.0', kubeProxyVersion: 'v1.32.0', operatingSystem: 'linux', architecture: 'amd64', containerRuntimeVersion: 'zerodrop://0.1.0', osImage: 'zerodrop emulator', kernelVersion: '', machineID: '', systemUUID: '', bootID: '' },
    },
  };
}
