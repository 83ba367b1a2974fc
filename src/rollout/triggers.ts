import { readFile as fsReadFile } from 'node:fs/promises';
import type { V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import type { Clock } from '../clock.js';
import type { Cluster, PatchType } from '../cluster/cluster.js';
import { selectorToString } from '../labels/label-selector.js';
import { InvalidInputError } from '../errors.js';
import { imagesOf, revisionOf } from './events.js';

/** Annotation `kubectl rollout restart` sets on the pod template. */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** What starts the rollout (the `command` kind runs elsewhere: src/rollout/command-trigger.ts). */
export type TriggerSpec =
  | { kind: 'restart' }
  /** `app=repo/app:v2`, or just `repo/app:v2` when the pod has one container. */
  | { kind: 'image'; image: string }
  /** A patch given inline (JSON or YAML text, or an object) or in a file; type default `strategic`. */
  | { kind: 'patch'; patch?: string | object; file?: string; patchType?: PatchType }
  /** A manifest of the same Deployment; its spec is applied as a strategic merge patch. */
  | { kind: 'apply'; file: string }
  /** Trigger nothing: wait for a rollout someone else starts. */
  | { kind: 'watch' };

/** The Deployment's state that tells one rollout from another. */
export interface RolloutSnapshot {
  /** deployment.kubernetes.io/revision, when the controller has set it. */
  revision: string | undefined;
  generation: number;
  /** Image per container of the pod template. */
  images: Record<string, string>;
  /** Names of the ReplicaSets the Deployment owns, oldest first. */
  replicaSets: string[];
}

/** What a trigger did. */
export interface TriggerResult {
  kind: TriggerSpec['kind'];
  /** In words, e.g. `set image app=repo/app:v2 on deployment/web`. */
  description: string;
  startMs: number;
  endMs: number;
  before: RolloutSnapshot;
  /** metadata.generation after the write (undefined for `watch`): pass it to RolloutWatch.triggerSent. */
  generation: number | undefined;
}

/** Where the trigger acts and how it reads files and time. */
export interface TriggerContext {
  deployment: string;
  /** Default: the cluster's namespace. */
  namespace?: string;
  clock: Clock;
  /** Reads a file named in the trigger (default: node:fs, utf8). */
  readFile?: (path: string) => Promise<string>;
  /** Wall clock for restartedAt (default: new Date()). */
  now?: () => Date;
}

/** Time in RFC 3339 at second precision, as kubectl writes restartedAt. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The ReplicaSets a Deployment owns (by controller ownerReference), oldest revision first. */
export async function ownedReplicaSets(cluster: Cluster, d: V1Deployment, namespace: string): Promise<V1ReplicaSet[]> {
  const uid = d.metadata?.uid;
  const all = await cluster.listReplicaSets(selectorToString(d.spec?.selector), namespace);
  return all
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller === true && (uid === undefined || o.uid === uid)) ?? false)
    .sort((a, b) => Number(revisionOf(a) ?? 0) - Number(revisionOf(b) ?? 0));
}

/** Reads the revision, generation, images and ReplicaSets of a Deployment (before and after a rollout). */
export async function snapshotRollout(cluster: Cluster, deployment: string, namespace = cluster.namespace): Promise<RolloutSnapshot> {
  const d = await cluster.getDeployment(deployment, namespace);
  return snapshotOf(d, await ownedReplicaSets(cluster, d, namespace));
}

/**
 * Cluster and revision facts for report.meta.cluster: where the run was, and the Deployment's
 * revision, images and ReplicaSets before the trigger and (when known) after the rollout.
 */
export function rolloutMeta(cluster: Cluster, deployment: string, before: RolloutSnapshot | undefined, after: RolloutSnapshot | undefined): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...cluster.facts(), deployment };
  if (before !== undefined) meta['before'] = before;
  if (after !== undefined) meta['after'] = after;
  return meta;
}

function snapshotOf(d: V1Deployment, rss: V1ReplicaSet[]): RolloutSnapshot {
  return {
    revision: revisionOf(d),
    generation: d.metadata?.generation ?? 0,
    images: imagesOf(d.spec?.template?.spec),
    replicaSets: rss.map((rs) => rs.metadata?.name ?? ''),
  };
}

/** Parses `name=image` (or a bare image for a one-container pod) against the Deployment's containers. */
export function resolveImageChange(d: V1Deployment, spec: string): { container: string; image: string; init: boolean } {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const inits = d.spec?.template?.spec?.initContainers ?? [];
  const names = containers.map((c) => c.name);
  const eq = spec.indexOf('=');
  let container: string;
  let image: string;
  if (eq > 0) {
    container = spec.slice(0, eq).trim();
    image = spec.slice(eq + 1).trim();
  } else {
    image = spec.trim();
    if (containers.length !== 1) {
      throw new InvalidInputError([{ path: 'trigger.image', message: `"${spec}" names no container and the pod has ${containers.length} (${names.join(', ')}); write <container>=<image>` }]);
    }
    container = names[0] as string;
  }
  if (image === '') throw new InvalidInputError([{ path: 'trigger.image', message: `"${spec}" has no image after "="` }]);
  if (names.includes(container)) return { container, image, init: false };
  if (inits.some((c) => c.name === container)) return { container, image, init: true };
  const all = [...names, ...inits.map((c) => `${c.name} (init)`)];
  throw new InvalidInputError([
    { path: 'trigger.image', message: `container "${container}" not found in deployment/${d.metadata?.name ?? ''}; its containers: ${all.length > 0 ? all.join(', ') : '(none)'}` },
  ]);
}

function parsePatchText(text: string, where: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw new InvalidInputError([{ path: where, message: `not valid JSON or YAML: ${(err as Error).message}` }]);
  }
}

/** The patch body of a `patch` trigger, checked against its type. */
export async function loadPatch(spec: Extract<TriggerSpec, { kind: 'patch' }>, readFile: (path: string) => Promise<string>): Promise<unknown> {
  let body: unknown;
  if (spec.file !== undefined) {
    body = parsePatchText(await readTriggerFile(spec.file, readFile, 'trigger.patchFile'), 'trigger.patchFile');
  } else if (typeof spec.patch === 'string') {
    body = parsePatchText(spec.patch, 'trigger.patch');
  } else if (spec.patch !== undefined) {
    body = spec.patch;
  } else {
    throw new InvalidInputError([{ path: 'trigger.patch', message: 'a patch trigger needs a patch or a patch file' }]);
  }
  const type = spec.patchType ?? 'strategic';
  if (type === 'json') {
    if (!Array.isArray(body)) throw new InvalidInputError([{ path: 'trigger.patch', message: 'a JSON patch (RFC 6902) is a list of operations ([{"op": ..., "path": ...}])' }]);
  } else if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidInputError([{ path: 'trigger.patch', message: `a ${type} merge patch is an object (e.g. {"spec": {...}})` }]);
  }
  return body;
}

async function readTriggerFile(path: string, readFile: (path: string) => Promise<string>, where: string): Promise<string> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidInputError([{ path: where, message: `could not read ${path}: ${code === 'ENOENT' ? 'file not found' : (err as Error).message}` }]);
  }
}

/** The Deployment document of an `apply` manifest: it must be the watched Deployment (same name, same namespace when given). */
export function deploymentFromManifest(text: string, deployment: string, namespace: string, file: string): V1Deployment {
  const docs = parseAllDocuments(text);
  const found: Array<{ kind: string; name: string }> = [];
  let match: V1Deployment | undefined;
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new InvalidInputError([{ path: 'trigger.file', message: `${file}: ${doc.errors[0]?.message ?? 'invalid YAML'}` }]);
    const obj = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (obj === null || typeof obj !== 'object') continue;
    const kind = typeof obj.kind === 'string' ? obj.kind : '?';
    const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '?';
    found.push({ kind, name });
    if (kind === 'Deployment' && name === deployment) {
      const ns = obj.metadata?.namespace;
      if (typeof ns === 'string' && ns !== namespace) {
        throw new InvalidInputError([{ path: 'trigger.file', message: `${file}: deployment/${deployment} is in namespace "${ns}", the run watches "${namespace}"` }]);
      }
      match = obj as V1Deployment;
    }
  }
  if (match === undefined) {
    const list = found.length > 0 ? found.map((f) => `${f.kind}/${f.name}`).join(', ') : 'nothing';
    throw new InvalidInputError([{ path: 'trigger.file', message: `${file} holds no Deployment named "${deployment}" (found ${list})` }]);
  }
  if (match.spec === undefined || typeof match.spec !== 'object') {
    throw new InvalidInputError([{ path: 'trigger.file', message: `${file}: deployment/${deployment} has no spec` }]);
  }
  return match;
}

/**
 * Starts the rollout as the spec says, after recording the Deployment's state before it.
 * `restart` refuses a paused Deployment; `image` names the containers when the one asked for is
 * missing; `watch` writes nothing.
 */
export async function sendTrigger(cluster: Cluster, spec: TriggerSpec, ctx: TriggerContext): Promise<TriggerResult> {
  const namespace = ctx.namespace ?? cluster.namespace;
  const name = ctx.deployment;
  const readFile = ctx.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  const d = await cluster.getDeployment(name, namespace);
  const before = snapshotOf(d, await ownedReplicaSets(cluster, d, namespace));
  const startMs = ctx.clock.nowMs();
  const done = (description: string, after: V1Deployment | undefined): TriggerResult => ({
    kind: spec.kind,
    description,
    startMs,
    endMs: ctx.clock.nowMs(),
    before,
    generation: after === undefined ? undefined : (after.metadata?.generation ?? 0),
  });

  switch (spec.kind) {
    case 'restart': {
      if (d.spec?.paused === true) {
        throw new InvalidInputError(
          [{ path: 'trigger', message: `deployment/${name} is paused: a restart would not roll out until it is resumed` }],
          `run \`kubectl rollout resume deployment/${name} -n ${namespace}\` first`,
        );
      }
      const at = rfc3339((ctx.now ?? (() => new Date()))());
      const after = await cluster.patchDeployment(name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: at } } } } }, 'strategic', namespace);
      return done(`restart deployment/${name} (restartedAt ${at})`, after);
    }
    case 'image': {
      const change = resolveImageChange(d, spec.image);
      const list = change.init ? 'initContainers' : 'containers';
      const after = await cluster.patchDeployment(name, { spec: { template: { spec: { [list]: [{ name: change.container, image: change.image }] } } } }, 'strategic', namespace);
      return done(`set image ${change.container}=${change.image} on deployment/${name}`, after);
    }
    case 'patch': {
      const type = spec.patchType ?? 'strategic';
      const body = await loadPatch(spec, readFile);
      const after = await cluster.patchDeployment(name, body, type, namespace);
      return done(`${type} patch of deployment/${name}${spec.file === undefined ? '' : ` from ${spec.file}`}`, after);
    }
    case 'apply': {
      const text = await readTriggerFile(spec.file, readFile, 'trigger.file');
      const manifest = deploymentFromManifest(text, name, namespace, spec.file);
      const after = await cluster.patchDeployment(name, { spec: manifest.spec }, 'strategic', namespace);
      return done(`apply ${spec.file} to deployment/${name}`, after);
    }
    case 'watch':
      return done(`waiting for the next rollout of deployment/${name}`, undefined);
  }
}
