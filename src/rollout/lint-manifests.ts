import type { V1Deployment, V1Ingress, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { lintIngressFrontDoor } from './lint-ingress.js';
import { lintDeployment, serviceSelects, type Finding } from './lint.js';

/** Findings of one Deployment found in manifest files. */
export interface ManifestLint {
  deployment: string;
  /** The first Service linted with it (kept for readers of the first JSON format); see `services`. */
  service: string | undefined;
  /** Every Service linted against this Deployment's pods. */
  services: string[];
  findings: Finding[];
}

/** Which Deployment and Service to lint; every one in the files when not named. */
export interface ManifestLintOptions {
  deployment?: string | undefined;
  service?: string | undefined;
}

function names(objs: ReadonlyArray<{ metadata?: { name?: string } }>): string {
  return objs.map((o) => o.metadata?.name ?? '?').join(', ') || 'none';
}

function podLabels(d: V1Deployment): Record<string, string> {
  return d.spec?.template?.metadata?.labels ?? {};
}

/**
 * Lints Deployments in a set of manifest texts, offline. Each Deployment is linted with the
 * Services that select its pods and with every Service that selects none of the Deployments in
 * the files (a typo in a selector, or no selector: such a Service reaches nothing once applied,
 * which is what lint is for). `--service` narrows the Services to the one named (with one
 * Deployment it is linted against it whatever its selector); `--deployment` picks one
 * Deployment. A name that is not in the files is an InvalidInputError (exit 3).
 */
export function lintManifests(files: Array<{ path: string; text: string }>, select: ManifestLintOptions | string = {}): ManifestLint[] {
  // A plain string names the Deployment, as the first version of this function took it.
  const opts: ManifestLintOptions = typeof select === 'string' ? { deployment: select } : select;
  const deployments: V1Deployment[] = [];
  const services: V1Service[] = [];
  const pdbs: V1PodDisruptionBudget[] = [];
  const ingresses: V1Ingress[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(file.text)) {
      if (doc.errors.length > 0) throw new InvalidInputError([{ path: file.path, message: `not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}` }]);
      const obj = doc.toJS() as { kind?: string; items?: unknown } | null;
      // A kubectl List (`kubectl get -o yaml` output) holds the objects in items.
      const objs = obj?.kind === 'List' && Array.isArray(obj.items) ? (obj.items as Array<{ kind?: string } | null>) : [obj];
      for (const o of objs) {
        if (o?.kind === 'Deployment') deployments.push(o as V1Deployment);
        else if (o?.kind === 'Service') services.push(o as V1Service);
        else if (o?.kind === 'PodDisruptionBudget') pdbs.push(o as V1PodDisruptionBudget);
        else if (o?.kind === 'Ingress') ingresses.push(o as V1Ingress);
      }
    }
  }
  const only = opts.deployment;
  const chosen = only === undefined ? deployments : deployments.filter((d) => d.metadata?.name === only);
  if (chosen.length === 0) {
    throw new InvalidInputError(
      [{ path: '--file', message: only === undefined ? 'no Deployment in the given manifests' : `no Deployment named ${only} in the manifests (found: ${names(deployments)})` }],
      'lint takes Kubernetes manifests holding a Deployment (and its Service), e.g. -f k8s/deployment.yaml -f k8s/service.yaml',
    );
  }
  let candidates = services;
  if (opts.service !== undefined) {
    candidates = services.filter((s) => s.metadata?.name === opts.service);
    if (candidates.length === 0) {
      throw new InvalidInputError(
        [{ path: '--service', message: `no Service named ${opts.service} in the manifests (found: ${names(services)})` }],
        'add the file holding the Service with another -f, or drop --service to lint every Service in the files',
      );
    }
    if (chosen.length > 1 && !candidates.some((s) => chosen.some((d) => serviceSelects(s, podLabels(d))))) {
      throw new InvalidInputError(
        [{ path: '--service', message: `the Service ${opts.service} selects none of the Deployments in the manifests (${names(chosen)}), so lint cannot tell which one it serves` }],
        'name the Deployment it serves with --deployment',
      );
    }
  }
  const orphans = candidates.filter((s) => !deployments.some((d) => serviceSelects(s, podLabels(d))));
  return chosen.map((deployment) => {
    const labels = podLabels(deployment);
    const forced = opts.service !== undefined && chosen.length === 1;
    const mine = candidates.filter((s) => forced || serviceSelects(s, labels) || orphans.includes(s));
    const findings = [...lintDeployment({ deployment, services: mine, podDisruptionBudgets: pdbs }), ...lintIngressFrontDoor(deployment, services, ingresses)];
    const name = deployment.metadata?.name ?? '?';
    if (mine.length === 0) {
      findings.push({
        id: 'service-missing',
        severity: 'info',
        object: `deployment/${name}`,
        message: 'no Service in the given files selects these pods, so the Service checks (selector, targetPort) were skipped',
        fix: 'pass the Service manifest too (-f service.yaml) to check that it reaches the pods',
      });
    }
    const serviceNames = mine.map((s) => s.metadata?.name ?? '?');
    return { deployment: name, service: serviceNames[0], services: serviceNames, findings };
  });
}
