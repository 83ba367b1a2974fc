// The one mapping from a scenario to the load's options: the engine's (LoadOptions) and the
// agents' (AgentLoadOptions, which carry the same LoadOptions). Plain data, no client-node: a
// plain URL run imports this without loading the Kubernetes parts.
import { readFileSync } from 'node:fs';
import { defaultAgentImage } from '../agents/agent-image.js';
import type { AgentLoadOptions } from '../agents/coordinator.js';
import type { Clock } from '../clock.js';
import type { AgentsSpec, Scenario } from '../scenario/types.js';
import type { Report } from '../report/model.js';
import type { LoadOptions } from '../traffic/engine.js';
import { prepareGrpcCall } from '../traffic/grpc-message.js';
import { clientKindOf } from '../traffic/target.js';
import type { ClusterSession } from './cluster-session.js';

/** Maps the engine's options from a scenario and the URL the traffic goes to. */
export function loadOptionsOf(scenario: Scenario, url: string, durationMs: number): LoadOptions {
  const t = scenario.target;
  const opts: LoadOptions = {
    url,
    method: t.method,
    headers: t.headers,
    model: scenario.load.model,
    durationMs,
    timeoutMs: t.timeoutMs,
    keepAlive: t.keepAlive,
    http2: t.http2,
    insecure: t.insecure,
    intervalMs: scenario.load.intervalMs,
    successStatus: t.successStatus,
  };
  if (t.body !== undefined) opts.body = t.body;
  if (t.grpc !== undefined) {
    // Encoded once here (checked when the scenario was resolved); the engine sends these bytes.
    opts.grpc = true;
    opts.body = prepareGrpcCall({ protoFile: t.grpc.protoFile, method: t.grpc.method, message: t.grpc.message }).frame;
    opts.headers = { ...t.headers, ...t.grpc.metadata, 'grpc-timeout': `${Math.max(1, Math.ceil(t.grpc.deadlineMs))}m` };
  }
  if (t.podHeader !== undefined) opts.podHeader = t.podHeader;
  if (t.client !== undefined) opts.client = t.client;
  if (t.caFile !== undefined) opts.ca = readFileSync(t.caFile);
  if (scenario.load.rate !== undefined) opts.rate = scenario.load.rate;
  if (scenario.load.ramp !== undefined) opts.ramp = scenario.load.ramp;
  if (scenario.load.connections !== undefined) opts.connections = scenario.load.connections;
  if (scenario.load.maxInFlight !== undefined) opts.maxInFlight = scenario.load.maxInFlight;
  if (scenario.load.minConnections !== undefined) opts.minConnections = scenario.load.minConnections;
  if (scenario.load.streams !== undefined) opts.streams = scenario.load.streams;
  opts.workers = scenario.load.workers;
  opts.warmupMs = scenario.load.warmupMs;
  return opts;
}

/** What the agents' options take from the run's environment (a part of RunEnvironment). */
export interface AgentRunContext {
  clock: Clock;
  signal: AbortSignal;
  meta: { runId: string };
  onNote?: ((note: string) => void) | undefined;
}

/** The coordinator's options for a scenario's `load.agents` on an open cluster session; `load` is loadOptionsOf's. */
export function agentLoadOptionsOf(agents: AgentsSpec, session: ClusterSession, load: LoadOptions, env: AgentRunContext): AgentLoadOptions {
  const placement: AgentLoadOptions['placement'] = { count: agents.count, image: agents.image ?? defaultAgentImage() };
  if (agents.resources !== undefined) placement.resources = agents.resources;
  if (agents.nodeSelector !== undefined) placement.nodeSelector = agents.nodeSelector;
  return {
    cluster: session.cluster,
    namespace: agents.namespace ?? session.namespace,
    load,
    placement,
    startDelayMs: agents.startDelayMs,
    clock: env.clock,
    signal: env.signal,
    runId: env.meta.runId,
    ...(env.onNote === undefined ? {} : { onNote: env.onNote }),
  };
}

/** report.meta.load as far as the scenario and the load's options say it (the run adds its duration). */
export function loadMetaOf(scenario: Scenario, load: LoadOptions): Omit<Report['meta']['load'], 'durationMs'> {
  const meta: Omit<Report['meta']['load'], 'durationMs'> = {
    model: scenario.load.model,
    warmupMs: scenario.load.warmupMs,
    timeoutMs: scenario.target.timeoutMs,
    keepAlive: scenario.target.keepAlive,
    client: clientKindOf(load),
  };
  if (scenario.load.rate !== undefined) meta.rate = scenario.load.rate;
  if (scenario.load.connections !== undefined) meta.connections = scenario.load.connections;
  if (scenario.target.grpc !== undefined) meta.grpc = { method: scenario.target.grpc.method, deadlineMs: scenario.target.grpc.deadlineMs };
  if (scenario.target.http2) meta.http2 = { ...(scenario.load.model === 'closed' ? { sessions: scenario.load.connections ?? 0 } : {}), ...(load.streams === undefined ? {} : { streams: load.streams }) };
  return meta;
}
