import { parseDuration } from '../parse.js';
import type { EmulatorSpec, Scenario } from '../types.js';
import { isObject, type ResolveContext, type ScenarioReader } from './reader.js';

/** `kubernetes.emulator`: true or a mapping starts the embedded emulator; undefined when not asked for. */
function resolveEmulator(r: ScenarioReader, ctx: ResolveContext): EmulatorSpec | undefined {
  const { problems, take } = r;
  const emuRaw = r.get('kubernetes.emulator');
  if (emuRaw === true || isObject(emuRaw)) {
    const manifestsRaw = r.get('kubernetes.emulator.manifests') ?? [];
    const manifests: string[] = [];
    if (!Array.isArray(manifestsRaw) || !manifestsRaw.every((m) => typeof m === 'string')) problems.add('kubernetes.emulator.manifests', 'expected a list of manifest files');
    else for (const m of manifestsRaw as string[]) manifests.push(ctx.resolvePath(m, false));
    const dataplane = r.get('kubernetes.emulator.dataplane');
    if (dataplane !== undefined && !['auto', 'nftables', 'userspace'].includes(dataplane as string)) problems.add('kubernetes.emulator.dataplane', 'expected auto, nftables or userspace');
    const proxyDelay = r.get('kubernetes.emulator.proxyDelay');
    const images = r.get('kubernetes.emulator.images');
    const ingressSyncDelay = r.get('kubernetes.emulator.ingressSyncDelay');
    if (images !== undefined && !isObject(images)) problems.add('kubernetes.emulator.images', 'expected a mapping of image -> {command: [...], env: {...}}');
    return {
      manifests,
      proxyDelayMs: proxyDelay === undefined ? undefined : take('kubernetes.emulator.proxyDelay', parseDuration(proxyDelay)),
      dataplane: dataplane as EmulatorSpec['dataplane'],
      ...(ingressSyncDelay === undefined ? {} : { ingressSyncDelayMs: take('kubernetes.emulator.ingressSyncDelay', parseDuration(ingressSyncDelay)) }),
      images: (isObject(images) ? images : {}) as EmulatorSpec['images'],
    };
  }
  if (emuRaw !== undefined && emuRaw !== false) {
    problems.add('kubernetes.emulator', 'expected true or a mapping (manifests, proxyDelay, dataplane, images, ingressSyncDelay)');
  }
  return undefined;
}

/** The `kubernetes` section: the cluster (or the emulator), the Deployment under test and its Service; undefined without the section. */
export function resolveKubernetes(r: ScenarioReader, ctx: ResolveContext): Scenario['kubernetes'] {
  const { problems, text } = r;
  const k8s = r.get('kubernetes');
  if (k8s !== undefined && !isObject(k8s)) problems.add('kubernetes', 'expected a mapping (kubeconfig, context, namespace, deployment, service, emulator...)');
  if (!isObject(k8s)) return undefined;
  const deployment = text('kubernetes.deployment');
  if (deployment === undefined && r.get('kubernetes.deployment') === undefined) {
    problems.add('kubernetes.deployment', 'name the Deployment under test: --deployment NAME (kubernetes.deployment)');
  }
  const portRaw = r.get('kubernetes.port');
  if (portRaw !== undefined && typeof portRaw !== 'number' && typeof portRaw !== 'string') problems.add('kubernetes.port', 'expected a port number or name');
  const emulator = resolveEmulator(r, ctx);
  if (emulator && (r.get('kubernetes.kubeconfig') !== undefined || r.get('kubernetes.context') !== undefined)) {
    problems.add('kubernetes.emulator', 'the embedded emulator brings its own kubeconfig: drop kubeconfig/context, or drop emulator to use a real cluster');
  }
  const kubeconfig = text('kubernetes.kubeconfig');
  return {
    kubeconfig: kubeconfig === undefined ? undefined : ctx.resolvePath(kubeconfig, r.fromFlag('kubernetes.kubeconfig')),
    context: text('kubernetes.context'),
    namespace: text('kubernetes.namespace'),
    deployment: deployment ?? '',
    service: text('kubernetes.service'),
    servicePort: portRaw as number | string | undefined,
    ...(text('kubernetes.ingress') === undefined ? {} : { ingress: text('kubernetes.ingress') }),
    emulator,
    rolloutTimeoutMs: r.optional('kubernetes.rolloutTimeout', parseDuration, 300_000),
    rollbackOnFail: r.bool('kubernetes.rollbackOnFail', false),
  };
}
