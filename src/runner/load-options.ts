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
import { planWorkers } from '../traffic/worker-plan.js';
import type { StreamLoadOptions } from '../streams/stream-options.js';
import type { ClusterSession } from './cluster-session.js';

/** Maps the engine's options from a scenario and the URL the traffic goes to. */
export function loadOptionsOf(scenario: Scenario, url: string, durationMs: number): LoadOptions {
  const t = scenario.target;
  const opts: LoadOptions = {
    url: httpUrlOf(url),
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
    // Without a .proto, the server's reflection describes the method once the target answers (grpc-reflection-step.ts).
    opts.grpc = true;
    if (t.grpc.protoFile !== undefined) opts.body = prepareGrpcCall({ protoFile: t.grpc.protoFile, method: t.grpc.method, message: t.grpc.message }).frame;
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

/** The URL of the HTTP side of a target: ws:// and wss:// as http:// and https:// (the reachability check, report.meta). */
export function httpUrlOf(url: string): string {
  return url.replace(/^ws(s?):\/\//i, (_m, tls: string) => (tls === '' ? 'http://' : 'https://'));
}

/**
 * A stream load's options (load.kind websocket or sse), or undefined for an HTTP load: the
 * WebSocket URL is the target's with ws:// or wss://; `durationMs` as for loadOptionsOf.
 */
export function streamOptionsOf(scenario: Scenario, url: string, durationMs: number): StreamLoadOptions | undefined {
  const s = scenario.load.stream;
  if (s === undefined) return undefined;
  const t = scenario.target;
  const opts: StreamLoadOptions = {
    kind: s.kind,
    url: s.kind === 'websocket' ? httpUrlOf(url).replace(/^http(s?):\/\//i, (_m, tls: string) => (tls === '' ? 'ws://' : 'wss://')) : httpUrlOf(url),
    headers: t.headers,
    connections: scenario.load.connections ?? 1,
    messageRate: s.messageRate,
    messageBytes: s.messageSize,
    deadlineMs: s.deadlineMs,
    connectTimeoutMs: t.timeoutMs,
    reconnect: s.reconnect,
    intervalMs: scenario.load.intervalMs,
    durationMs,
    insecure: t.insecure,
  };
  if (t.podHeader !== undefined) opts.podHeader = t.podHeader;
  if (t.caFile !== undefined) opts.ca = readFileSync(t.caFile);
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
  // Agents each size their own workers on their own pod's cores (their reports say so).
  if (scenario.load.agents === undefined) meta.workers = planWorkers(load);
  if (scenario.load.stream !== undefined) meta.kind = scenario.load.stream.kind;
  return meta;
}
