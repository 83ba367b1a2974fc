import type { ResourceInfo } from './resources.js';
import { labelSelectorToString } from './selectors.js';
import type { KObject } from './store-types.js';

/* Server-side printing (meta.k8s.io/v1 Table), which kubectl asks for on `get`: the columns a real
 * API server prints for the emulated resources. */

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: string;
  description: string;
  priority: number;
  cell: (o: KObject, now: number) => string | number;
}

/** True when the Accept header asks for a Table (`application/json;as=Table;v=v1;g=meta.k8s.io`). */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** Kubernetes' short human durations (`45s`, `3m20s`, `5h`, `2d3h`). */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function age(o: KObject, now: number): string {
  const t = Date.parse(o.metadata.creationTimestamp ?? '');
  return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
}

const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0, cell: (o) => o.metadata.name ?? '' };
const ageCol: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0, cell: age };

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function containersOf(o: KObject): Array<{ name?: string; image?: string }> {
  const c: unknown = o.spec?.template?.spec?.containers;
  return Array.isArray(c) ? c : [];
}

function podStatus(o: KObject): string {
  if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
  const st = o.status ?? {};
  let reason: string = st.reason ?? st.phase ?? 'Unknown';
  for (const cs of (st.containerStatuses ?? []) as Array<Record<string, any>>) {
    if (cs['state']?.waiting?.reason) reason = cs['state'].waiting.reason;
    else if (cs['state']?.terminated?.reason && reason !== 'Running') reason = cs['state'].terminated.reason;
  }
  return reason;
}

function servicePorts(o: KObject): string {
  const ports = (o.spec?.ports ?? []) as Array<Record<string, any>>;
  if (ports.length === 0) return '<none>';
  return ports.map((p) => `${String(p['port'])}${p['nodePort'] ? `:${String(p['nodePort'])}` : ''}/${String(p['protocol'] ?? 'TCP')}`).join(',');
}

function selectorString(m: Record<string, string> | undefined): string {
  const s = Object.entries(m ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return s === '' ? '<none>' : s;
}

const workloadWide: Column[] = [
  { name: 'Containers', type: 'string', description: 'Names of each container in the template.', priority: 1, cell: (o) => containersOf(o).map((c) => c.name ?? '').join(',') },
  { name: 'Images', type: 'string', description: 'Images referenced by each container in the template.', priority: 1, cell: (o) => containersOf(o).map((c) => c.image ?? '').join(',') },
  { name: 'Selector', type: 'string', description: 'Label selector for pods.', priority: 1, cell: (o) => labelSelectorToString(o.spec?.selector) || '<none>' },
];

function ingressHosts(o: KObject): string {
  const hosts = ((o.spec?.rules ?? []) as Array<{ host?: string }>).map((r) => r.host ?? '').filter((h) => h !== '');
  return hosts.length === 0 ? '*' : hosts.join(',');
}

function ingressAddress(o: KObject): string {
  return ((o.status?.loadBalancer?.ingress ?? []) as Array<{ ip?: string; hostname?: string }>).map((i) => i.ip ?? i.hostname ?? '').filter((a) => a !== '').join(',');
}

/** Upstream prints 80 (and 443 with TLS); the emulator's ingress listens elsewhere and says so in status ports, shown here instead. */
function ingressPorts(o: KObject): string {
  const ports = ((o.status?.loadBalancer?.ingress ?? []) as Array<{ ports?: Array<{ port?: number }> }>).flatMap((i) => (i.ports ?? []).map((p) => String(p.port ?? '')));
  if (ports.length > 0) return [...new Set(ports)].join(', ');
  return Array.isArray(o.spec?.tls) && o.spec.tls.length > 0 ? '80, 443' : '80';
}

const COLUMNS: Record<string, Column[]> = {
  pods: [
    name,
    {
      name: 'Ready',
      type: 'string',
      description: 'The aggregate readiness state of this pod for accepting traffic.',
      priority: 0,
      cell: (o) => {
        const cs = (o.status?.containerStatuses ?? []) as Array<{ ready?: boolean }>;
        const total = Array.isArray(o.spec?.containers) ? o.spec.containers.length : cs.length;
        return `${cs.filter((c) => c.ready).length}/${total}`;
      },
    },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0, cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      description: 'The number of times the containers in this pod have been restarted.',
      priority: 0,
      cell: (o) => String(((o.status?.containerStatuses ?? []) as Array<{ restartCount?: number }>).reduce((a, c) => a + num(c.restartCount), 0)),
    },
    ageCol,
    { name: 'IP', type: 'string', description: 'IP address allocated to the pod.', priority: 1, cell: (o) => o.status?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', description: 'Name of the Node the Pod is assigned to.', priority: 1, cell: (o) => o.spec?.nodeName ?? '<none>' },
  ],
  deployments: [
    name,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0, cell: (o) => `${num(o.status?.readyReplicas)}/${num(o.spec?.replicas)}` },
    { name: 'Up-to-date', type: 'integer', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', priority: 0, cell: (o) => num(o.status?.updatedReplicas) },
    { name: 'Available', type: 'integer', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', priority: 0, cell: (o) => num(o.status?.availableReplicas) },
    ageCol,
    ...workloadWide,
  ],
  replicasets: [
    name,
    { name: 'Desired', type: 'integer', description: 'Number of desired pods.', priority: 0, cell: (o) => num(o.spec?.replicas) },
    { name: 'Current', type: 'integer', description: 'Number of actual pods.', priority: 0, cell: (o) => num(o.status?.replicas) },
    { name: 'Ready', type: 'integer', description: 'Number of pods ready.', priority: 0, cell: (o) => num(o.status?.readyReplicas) },
    ageCol,
    ...workloadWide,
  ],
  services: [
    name,
    { name: 'Type', type: 'string', description: 'How the service is exposed.', priority: 0, cell: (o) => o.spec?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', description: 'The IP of the service.', priority: 0, cell: (o) => o.spec?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', description: 'External IPs of the service.', priority: 0, cell: (o) => ((o.spec?.externalIPs ?? []) as string[]).join(',') || '<none>' },
    { name: 'Port(s)', type: 'string', description: 'The ports of the service.', priority: 0, cell: servicePorts },
    ageCol,
    { name: 'Selector', type: 'string', description: 'Route service traffic to pods with label keys and values matching this selector.', priority: 1, cell: (o) => selectorString(o.spec?.selector) },
  ],
  namespaces: [name, { name: 'Status', type: 'string', description: 'The status of the namespace', priority: 0, cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? 'Active')) }, ageCol],
  nodes: [
    name,
    {
      name: 'Status',
      type: 'string',
      description: 'The status of the node',
      priority: 0,
      cell: (o) => (((o.status?.conditions ?? []) as Array<{ type?: string; status?: string }>).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Ready' : 'NotReady'),
    },
    {
      name: 'Roles',
      type: 'string',
      description: 'The roles of the node',
      priority: 0,
      cell: (o) =>
        Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>',
    },
    ageCol,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', priority: 0, cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    {
      name: 'Internal-IP',
      type: 'string',
      description: 'List of internal IPs.',
      priority: 1,
      cell: (o) => ((o.status?.addresses ?? []) as Array<{ type?: string; address?: string }>).find((a) => a.type === 'InternalIP')?.address ?? '<none>',
    },
  ],
  endpointslices: [
    name,
    { name: 'AddressType', type: 'string', description: 'Type of address carried by this EndpointSlice.', priority: 0, cell: (o) => String(o['addressType'] ?? '') },
    { name: 'Ports', type: 'string', description: 'Ports of the endpoints.', priority: 0, cell: (o) => ((o['ports'] ?? []) as Array<{ port?: number }>).map((p) => String(p.port ?? '')).join(',') || '<unset>' },
    {
      name: 'Endpoints',
      type: 'string',
      description: 'Addresses of the endpoints.',
      priority: 0,
      cell: (o) => ((o['endpoints'] ?? []) as Array<{ addresses?: string[] }>).flatMap((e) => e.addresses ?? []).join(',') || '<unset>',
    },
    ageCol,
  ],
  events: [
    {
      name: 'Last Seen',
      type: 'string',
      description: 'Time of the last occurrence.',
      priority: 0,
      cell: (o, now) => {
        const t = Date.parse(String(o['lastTimestamp'] ?? o['eventTime'] ?? o.metadata.creationTimestamp ?? ''));
        return Number.isFinite(t) ? humanDuration(now - t) : '<unknown>';
      },
    },
    { name: 'Type', type: 'string', description: 'Type of this event.', priority: 0, cell: (o) => String(o['type'] ?? '') },
    { name: 'Reason', type: 'string', description: 'Why the event happened.', priority: 0, cell: (o) => String(o['reason'] ?? '') },
    {
      name: 'Object',
      type: 'string',
      description: 'The object the event is about.',
      priority: 0,
      cell: (o) => {
        const io = (o['involvedObject'] ?? {}) as { kind?: string; name?: string };
        return `${(io.kind ?? '').toLowerCase()}/${io.name ?? ''}`;
      },
    },
    { name: 'Message', type: 'string', description: 'A description of the event.', priority: 0, cell: (o) => String(o['message'] ?? '') },
  ],
  ingresses: [
    name,
    { name: 'Class', type: 'string', description: 'The name of the IngressClass resource that should be used for additional configuration', priority: 0, cell: (o) => o.spec?.ingressClassName ?? '<none>' },
    { name: 'Hosts', type: 'string', description: 'Hosts that incoming requests are matched against before the ingress rule', priority: 0, cell: ingressHosts },
    { name: 'Address', type: 'string', description: 'Address is a list containing ingress points for the load-balancer', priority: 0, cell: ingressAddress },
    { name: 'Ports', type: 'string', description: 'Ports of TLS configurations that open', priority: 0, cell: ingressPorts },
    ageCol,
  ],
  ingressclasses: [
    name,
    { name: 'Controller', type: 'string', description: 'Controller that is responsible for handling this class', priority: 0, cell: (o) => String(o.spec?.controller ?? '') },
    { name: 'Parameters', type: 'string', description: 'A reference to a resource with additional parameters', priority: 0, cell: (o) => (o.spec?.parameters ? `${String(o.spec.parameters.kind ?? '')}/${String(o.spec.parameters.name ?? '')}` : '<none>') },
    ageCol,
  ],
  jobs: [
    name,
    {
      name: 'Status',
      type: 'string',
      description: 'Status of the job.',
      priority: 0,
      cell: (o) => {
        const conds = (o.status?.conditions ?? []) as Array<{ type?: string; status?: string }>;
        const c = conds.find((x) => x.status === 'True' && (x.type === 'Complete' || x.type === 'Failed'));
        return c?.type ?? 'Running';
      },
    },
    { name: 'Completions', type: 'string', description: 'The desired number of successfully finished pods.', priority: 0, cell: (o) => `${num(o.status?.succeeded)}/${num(o.spec?.completions)}` },
    ageCol,
  ],
};

/**
 * A meta.k8s.io/v1 Table of the objects, with `includeObject` None, Object, or Metadata (the
 * default: PartialObjectMetadata in each row).
 */
export function toTable(info: ResourceInfo, items: KObject[], resourceVersion: string, includeObject: string | null, now = Date.now()): Record<string, unknown> {
  const cols = COLUMNS[info.plural] ?? [name, ageCol];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority })),
    rows: items.map((o) => ({
      cells: cols.map((c) => c.cell(o, now)),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
