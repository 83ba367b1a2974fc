/** The coordinator side of a distributed load (`zerodrop run --agents N`). */
export { AgentLoad, startAgentLoad, type AgentLoadOptions, type AgentReport, type AgentStatus } from './coordinator.js';
/** The agent side (`zerodrop agent`). */
export { runAgent, type AgentEnvironment } from './agent.js';
/** The sharding of a load over agents. */
export { agentShard, checkShardable, shareOf } from './shard.js';
/** The default agent image (`load.agents.image` unset). */
export { defaultAgentImage } from './agent-image.js';
