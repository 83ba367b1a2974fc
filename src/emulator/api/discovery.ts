import { createHash } from 'node:crypto';
import { RESOURCES, RESOURCE_VERBS, apiVersionOf, groupVersions, type ResourceInfo } from './resources.js';

/** The Kubernetes version the emulator claims to be (kubectl v1.32 is on PATH). */
export const EMULATED_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-zerodrop' } as const;

/** Body of GET /version. */
export function versionInfo(): Record<string, string> {
  return {
    major: EMULATED_VERSION.major,
    minor: EMULATED_VERSION.minor,
    gitVersion: EMULATED_VERSION.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** Body of GET /api (APIVersions). */
export function coreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string): Record<string, unknown> {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ groupVersion: `${group}/${gv.version}`, version: gv.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** Body of GET /apis (APIGroupList, the non-core groups). */
export function groupList(): Record<string, unknown> {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

/** Body of GET /apis/{group} (APIGroup), or undefined when the group is not served. */
export function groupInfo(group: string): Record<string, unknown> | undefined {
  if (!groupVersions().some((gv) => gv.group === group && group !== '')) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

function storageHash(info: ResourceInfo): string {
  return createHash('sha256').update(`${apiVersionOf(info)}/${info.kind}`).digest('base64').slice(0, 11);
}

function resourceEntries(info: ResourceInfo): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [
    {
      name: info.plural,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: [...RESOURCE_VERBS],
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(info.categories.length > 0 ? { categories: info.categories } : {}),
      storageVersionHash: storageHash(info),
    },
  ];
  for (const sub of info.subresources) {
    if (sub === 'status') out.push({ name: `${info.plural}/status`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: ['get', 'patch', 'update'] });
    else if (sub === 'scale') out.push({ name: `${info.plural}/scale`, singularName: '', namespaced: info.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
    else if (sub === 'log') out.push({ name: `${info.plural}/log`, singularName: '', namespaced: info.namespaced, kind: info.kind, verbs: ['get'] });
    else if (sub === 'portforward') out.push({ name: `${info.plural}/portforward`, singularName: '', namespaced: info.namespaced, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] });
  }
  return out;
}

/** Body of GET /api/v1 or /apis/{group}/{version} (APIResourceList), or undefined when not served. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const infos = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (infos.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: infos.flatMap(resourceEntries) };
}

/** The OpenAPI v3 discovery path of a group/version: `api/v1` or `apis/apps/v1`. */
export function openApiV3Key(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function queryParam(name: string, description: string): Record<string, unknown> {
  return { name, in: 'query', description, schema: { type: 'string', uniqueItems: true } };
}

const WRITE_PARAMS = [
  queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
  queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  queryParam('fieldValidation', 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.'),
];

/**
 * A minimal OpenAPI v3 document for one group/version: a path per resource whose operations carry
 * `x-kubernetes-group-version-kind` and the `fieldValidation` parameter. This is what kubectl
 * (v1.27+) reads to decide that the server validates fields itself, so `kubectl apply` works
 * without --validate=false. Component schemas are left empty on purpose: kubectl then computes
 * strategic merge patches from its compiled-in types.
 */
export function openApiV3Document(group: string, version: string): Record<string, unknown> | undefined {
  const infos = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (infos.length === 0) return undefined;
  const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const paths: Record<string, unknown> = {};
  for (const info of infos) {
    const gvk = { group, version, kind: info.kind };
    const op = (action: string, params: unknown[]): Record<string, unknown> => ({
      operationId: `${action}${info.kind}`,
      tags: [group ? `${group}_${version}` : `core_${version}`],
      parameters: params,
      responses: { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const base = info.namespaced ? `${prefix}/namespaces/{namespace}/${info.plural}` : `${prefix}/${info.plural}`;
    const pathParams = info.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : [];
    paths[base] = { get: op('list', []), post: op('post', WRITE_PARAMS), parameters: pathParams };
    paths[`${base}/{name}`] = {
      get: op('get', []),
      put: op('put', WRITE_PARAMS),
      patch: {
        ...op('patch', [...WRITE_PARAMS, queryParam('force', 'Force is going to "force" Apply requests.')]),
        requestBody: {
          content: Object.fromEntries(
            ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'].map((t) => [
              t,
              { schema: { type: 'object' } },
            ]),
          ),
          required: true,
        },
      },
      delete: op('delete', [queryParam('dryRun', 'When present, indicates that modifications should not be persisted.')]),
      parameters: [...pathParams, { name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: EMULATED_VERSION.gitVersion },
    paths,
    components: { schemas: {} },
  };
}

/** Body of GET /openapi/v3: where each group/version's document lives (with a content hash). */
export function openApiV3Root(): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const gv of groupVersions()) {
    const doc = openApiV3Document(gv.group, gv.version);
    const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').slice(0, 64).toUpperCase();
    const k = openApiV3Key(gv.group, gv.version);
    paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${hash}` };
  }
  return { paths };
}
