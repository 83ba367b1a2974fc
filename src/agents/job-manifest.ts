import type { V1Job, V1Secret } from '@kubernetes/client-node';
import { AGENT_SPEC_ENV, type AgentSpec } from './agent-spec.js';

/** Label every object of a distributed run carries (with the run's name as value). */
export const RUN_LABEL = 'zerodrop.dev/run';
/** Annotation naming who started the run (user@host, pid), so a stray Job can be traced. */
export const OWNER_ANNOTATION = 'zerodrop.dev/owner';
/** Key of the agent spec in the run's Secret. */
export const SPEC_KEY = 'spec.json';
/** The agent container's name. */
export const AGENT_CONTAINER = 'agent';

/** Where and how the agents run (the scenario's load.agents, resolved). */
export interface AgentsPlacement {
  count: number;
  image: string;
  /** Container resources, passed as they are (requests / limits). */
  resources?: Record<string, unknown>;
  nodeSelector?: Record<string, string>;
}

/** Inputs of the Job and Secret of one distributed run. */
export interface AgentJobInput {
  /** Name of the Job and of its Secret. */
  name: string;
  namespace: string;
  placement: AgentsPlacement;
  spec: AgentSpec;
  /** Who runs the coordinator, for the owner annotation. */
  owner: string;
  /** Upper bound of the agents' life, s (activeDeadlineSeconds): agents stop even if the coordinator dies. */
  activeDeadlineSeconds: number;
  /** Grace period of an agent pod, s: time to stop, await in-flight requests and write its last records. */
  terminationGracePeriodSeconds: number;
  /** How long a finished Job stays before the cluster deletes it (and its pods and Secret). */
  ttlSecondsAfterFinished: number;
}

function labelsOf(input: AgentJobInput): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'zerodrop-agent',
    'app.kubernetes.io/managed-by': 'zerodrop',
    [RUN_LABEL]: input.name,
  };
}

/**
 * The Secret that carries the agent spec (target URL and headers may hold credentials, so not a
 * pod env value in the clear). Created before the Job; owned by the Job once it exists, so the
 * Job's deletion or TTL takes it too.
 */
export function agentSecret(input: AgentJobInput): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: input.name, namespace: input.namespace, labels: labelsOf(input), annotations: { [OWNER_ANNOTATION]: input.owner } },
    type: 'Opaque',
    stringData: { [SPEC_KEY]: JSON.stringify(input.spec) },
  };
}

/**
 * The Indexed Job of a distributed run: parallelism = completions = N, pod i runs agent i.
 * restartPolicy Never and backoffLimitPerIndex 0: a dead agent is not replaced (a replacement
 * would start late and unseen); its index fails alone, the others go on. activeDeadlineSeconds
 * and ttlSecondsAfterFinished bound its life if the coordinator dies; the coordinator deletes it
 * at the end of the run in any case.
 */
export function agentJob(input: AgentJobInput): V1Job {
  const p = input.placement;
  const labels = labelsOf(input);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: input.name, namespace: input.namespace, labels, annotations: { [OWNER_ANNOTATION]: input.owner } },
    spec: {
      completionMode: 'Indexed',
      completions: p.count,
      parallelism: p.count,
      backoffLimitPerIndex: 0,
      podReplacementPolicy: 'Failed',
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: input.terminationGracePeriodSeconds,
          enableServiceLinks: false,
          ...(p.nodeSelector === undefined ? {} : { nodeSelector: { ...p.nodeSelector } }),
          containers: [
            {
              name: AGENT_CONTAINER,
              image: p.image,
              env: [
                { name: AGENT_SPEC_ENV, valueFrom: { secretKeyRef: { name: input.name, key: SPEC_KEY } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ...(p.resources === undefined ? {} : { resources: p.resources as never }),
            },
          ],
        },
      },
    },
  };
}
