// The parts of a run that speak to Kubernetes, loaded only by runs that need them:
// @kubernetes/client-node alone costs about 70 MB of memory, which a plain URL run should not pay.

export { startAgentLoad } from '../agents/index.js';
export { rollbackDeployment } from '../rollout/rollback.js';
export { watchRollout } from '../rollout/watcher.js';
export { openClusterSession } from './cluster-session.js';
