import { defaultAgentImage, type AgentLoadOptions } from '../agents/index.js';
import type { Clock } from '../clock.js';
import type { AgentsSpec, Scenario } from '../scenario/types.js';
import type { LoadOptions } from '../traffic/engine.js';
import type { ClusterSession } from './cluster-session.js';

/** The coordinator's options for a scenario's `load.agents` on an open cluster session. */
export function agentLoadOptionsOf(scenario: Scenario, agents: AgentsSpec, session: ClusterSession, load: LoadOptions, env: { clock: Clock; signal: AbortSignal; meta: { runId: string }; onNote?: (note: string) => void }): AgentLoadOptions {
  const placement: AgentLoadOptions['placement'] = { count: agents.count, image: agents.image ?? defaultAgentImage() };
  if (agents.resources !== undefined) placement.resources = agents.resources;
  if (agents.nodeSelector !== undefined) placement.nodeSelector = agents.nodeSelector;
  return {
    cluster: session.cluster,
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
