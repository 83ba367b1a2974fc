import { parseDuration, parsePositive } from '../parse.js';
import type { AgentsSpec } from '../types.js';
import { isObject, type ScenarioReader } from './reader.js';

/**
 * `load.agents`: the load comes from N agent pods (a Job), so it needs the kubernetes section;
 * undefined when not asked for. `closedConnections` is the closed model's connection count (each
 * agent needs at least one).
 */
export function resolveAgents(r: ScenarioReader, closedConnections: number | undefined): AgentsSpec | undefined {
  const { problems, label, take, text } = r;
  const agentsRaw = r.get('load.agents');
  if (agentsRaw !== undefined && !isObject(agentsRaw)) problems.add(label('load.agents'), 'expected a number of agents, or a mapping (count, image, namespace, resources, nodeSelector, startDelay)');
  if (!isObject(agentsRaw)) return undefined;
  const countRaw = r.get('load.agents.count');
  const count = countRaw === undefined ? (problems.add(label('load.agents.count'), 'how many agents? e.g. --agents 3'), undefined) : take('load.agents.count', parsePositive(countRaw, 'the agent count', true));
  if (count !== undefined && count > 100) problems.add(label('load.agents.count'), `at most 100 agents, got ${count}`);
  if (count !== undefined && closedConnections !== undefined && closedConnections < count) {
    problems.add(label('load.agents.count'), `${count} agents cannot share ${closedConnections} connections: every agent needs at least one`);
  }
  const resources = r.get('load.agents.resources');
  if (resources !== undefined && !isObject(resources)) problems.add('load.agents.resources', 'expected a mapping like {requests: {cpu: "1", memory: 256Mi}, limits: {...}}');
  const nodeSelector = r.get('load.agents.nodeSelector');
  if (nodeSelector !== undefined && !(isObject(nodeSelector) && Object.values(nodeSelector).every((v) => typeof v === 'string'))) {
    problems.add('load.agents.nodeSelector', 'expected a mapping of node label names to text values');
  }
  if (!isObject(r.get('kubernetes'))) {
    problems.add(label('load.agents'), 'agents run as a Job in a cluster: add a kubernetes section (--emulator, or --deployment with your kubeconfig)');
  }
  const onEmulator = r.get('kubernetes.emulator') !== undefined && r.get('kubernetes.emulator') !== false;
  return {
    count: count ?? 1,
    image: text('load.agents.image'),
    namespace: text('load.agents.namespace'),
    resources: isObject(resources) ? resources : undefined,
    nodeSelector: isObject(nodeSelector) ? (nodeSelector as Record<string, string>) : undefined,
    // Pods must be scheduled, pulled and started by then: seconds on the emulator, longer on a cluster.
    startDelayMs: r.optional('load.agents.startDelay', parseDuration, onEmulator ? 10_000 : 60_000),
  };
}
