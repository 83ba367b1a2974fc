/** What the emulator knows about one resource type: its names, group/version and capabilities. */
export interface ResourceInfo {
  /** Plural, lower-case: the store key and the URL segment (`deployments`). */
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served under `<plural>/<name>/<sub>`. */
  subresources: Array<'status' | 'scale' | 'log' | 'portforward'>;
  /** Objects with a spec: generation is 1 at create and bumps on every spec change. */
  hasSpec: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The verbs every emulated resource serves. */
export const RESOURCE_VERBS: readonly string[] = VERBS;

function r(
  plural: string,
  kind: string,
  group: string,
  version: string,
  namespaced: boolean,
  shortNames: string[],
  subresources: ResourceInfo['subresources'],
  hasSpec: boolean,
  categories: string[] = [],
): ResourceInfo {
  return {
    plural,
    singular: kind.toLowerCase(),
    kind,
    listKind: `${kind}List`,
    group,
    version,
    namespaced,
    shortNames,
    categories,
    subresources,
    hasSpec,
  };
}

/** Every resource type the emulator serves. */
export const RESOURCES: readonly ResourceInfo[] = [
  r('namespaces', 'Namespace', '', 'v1', false, ['ns'], ['status'], true),
  r('nodes', 'Node', '', 'v1', false, ['no'], ['status'], true),
  r('pods', 'Pod', '', 'v1', true, ['po'], ['status', 'log', 'portforward'], true, ['all']),
  r('services', 'Service', '', 'v1', true, ['svc'], ['status'], true, ['all']),
  r('endpoints', 'Endpoints', '', 'v1', true, ['ep'], [], false),
  r('events', 'Event', '', 'v1', true, ['ev'], [], false),
  r('configmaps', 'ConfigMap', '', 'v1', true, ['cm'], [], false),
  r('secrets', 'Secret', '', 'v1', true, [], [], false),
  r('serviceaccounts', 'ServiceAccount', '', 'v1', true, ['sa'], [], false),
  r('deployments', 'Deployment', 'apps', 'v1', true, ['deploy'], ['status', 'scale'], true, ['all']),
  r('replicasets', 'ReplicaSet', 'apps', 'v1', true, ['rs'], ['status', 'scale'], true, ['all']),
  r('endpointslices', 'EndpointSlice', 'discovery.k8s.io', 'v1', true, [], [], false),
  r('jobs', 'Job', 'batch', 'v1', true, [], ['status'], true, ['all']),
  r('poddisruptionbudgets', 'PodDisruptionBudget', 'policy', 'v1', true, ['pdb'], ['status'], true),
  r('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'autoscaling', 'v1', true, ['hpa'], ['status'], true, ['all']),
  r('ingresses', 'Ingress', 'networking.k8s.io', 'v1', true, ['ing'], ['status'], true),
  r('ingressclasses', 'IngressClass', 'networking.k8s.io', 'v1', false, [], [], true),
];

const BY_PLURAL = new Map(RESOURCES.map((x) => [x.plural, x]));

/** The resource named by its plural, or undefined. */
export function resourceInfo(plural: string): ResourceInfo | undefined {
  return BY_PLURAL.get(plural);
}

/** The resource served at group/version/plural, or undefined. */
export function resourceAt(group: string, version: string, plural: string): ResourceInfo | undefined {
  const x = BY_PLURAL.get(plural);
  return x !== undefined && x.group === group && x.version === version ? x : undefined;
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** The group/versions served, core first. */
export function groupVersions(): Array<{ group: string; version: string }> {
  const seen = new Set<string>();
  const out: Array<{ group: string; version: string }> = [];
  for (const x of RESOURCES) {
    const k = `${x.group}/${x.version}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ group: x.group, version: x.version });
  }
  return out;
}
