import type { V1Deployment, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { selectorMatches } from '../cluster/label-selector.js';
import { lintDeployment, type Finding } from './lint.js';

/** Findings of one Deployment found in manifest files. */
export interface ManifestLint {
  deployment: string;
  service: string | undefined;
  findings: Finding[];
}

/**
 * Lints every Deployment in a set of manifest texts, offline: each against the Service whose
 * selector matches its pods and the PodDisruptionBudgets of the same files.
 */
export function lintManifests(files: Array<{ path: string; text: string }>, only?: string): ManifestLint[] {
  const deployments: V1Deployment[] = [];
  const services: V1Service[] = [];
  const pdbs: V1PodDisruptionBudget[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(file.text)) {
      if (doc.errors.length > 0) throw new InvalidInputError([{ path: file.path, message: `not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}` }]);
      const obj = doc.toJS() as { kind?: string } | null;
      if (obj?.kind === 'Deployment') deployments.push(obj as V1Deployment);
      else if (obj?.kind === 'Service') services.push(obj as V1Service);
      else if (obj?.kind === 'PodDisruptionBudget') pdbs.push(obj as V1PodDisruptionBudget);
    }
  }
  const chosen = only === undefined ? deployments : deployments.filter((d) => d.metadata?.name === only);
  if (chosen.length === 0) {
    const names = deployments.map((d) => d.metadata?.name ?? '?');
    throw new InvalidInputError(
      [{ path: '--file', message: only === undefined ? 'no Deployment in the given manifests' : `no Deployment named ${only} in the manifests (found: ${names.join(', ') || 'none'})` }],
      'lint takes Kubernetes manifests holding a Deployment (and its Service), e.g. -f k8s/deployment.yaml -f k8s/service.yaml',
    );
  }
  return chosen.map((deployment) => {
    const labels = deployment.spec?.template?.metadata?.labels ?? {};
    const service = services.find((s) => s.spec?.selector !== undefined && selectorMatches({ matchLabels: s.spec.selector }, labels));
    return {
      deployment: deployment.metadata?.name ?? '?',
      service: service?.metadata?.name,
      findings: lintDeployment({ deployment, ...(service === undefined ? {} : { service }), podDisruptionBudgets: pdbs }),
    };
  });
}
