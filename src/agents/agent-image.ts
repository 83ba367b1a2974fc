import { toolVersion } from '../version.js';

/** The default agent image: the one the Dockerfile builds for this version. */
export function defaultAgentImage(): string {
  return `zerodrop/agent:${toolVersion()}`;
}
