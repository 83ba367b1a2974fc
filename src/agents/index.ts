import type { ClusterSession } from '../runner/cluster-session.js';
import type { RunEnvironment } from '../runner/execute-run.js';
import type { AgentsSpec, Scenario } from '../scenario/types.js';
import type { LoadOptions } from '../traffic/engine.js';
import { toolVersion } from '../version.js';
import type { AgentLoadOptions } from './coordinator.js';

/** The coordinator side of a distributed load (`zerodrop run --agents N`). */
export { AgentLoad, startAgentLoad, type AgentLoadOptions, type AgentReport, type AgentStatus } from './coordinator.js';
/** The agent side (`zerodrop agent`). */
export { runAgent, type AgentEnvironment } from './agent.js';
/** The sharding of a load over agents. */
export { agentShard, checkShardable, shareOf } from './shard.js';

/** The default agent image: the one the Dockerfile builds for this version. */
export function defaultAgentImage(): string {
  return `zerodrop/agent:${toolVersion()}`;
}

/** The coordinator's options for a scenario's `load.agents` on an open cluster session. */
export function agentLoadOptionsOf(scenario: Scenario, agents: AgentsSpec, session: ClusterSession, load: LoadOptions, env: Pick<RunEnvironment, 'clock' | 'signal' | 'meta' | 'onNote'>): AgentLoadOptions {
  const placement: AgentLoadOptions['placement'] = { count: agents.count, image: agents.image ?? defaultAgentImage() };
  if (agents.resources !== undefined) placement.resources = agents.resources;
  if (agents.nodeSelector !== undefined) placement.nodeSelector = agents.nodeSelector;
  return {
    kubeConfig: session.cluster.kubeConfig,
    namespace: agents.namespace ?? session.namespace,
    load,
    successStatus: scenario.target.successStatus,
    placement,
    startDelayMs: agents.startDelayMs,
    clock: env.clock,
    signal: env.signal,
    runId: env.meta.runId,
    ...(env.onNote === undefined ? {} : { onNote: env.onNote }),
  };
}
