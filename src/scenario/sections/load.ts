import { parseDuration, parsePositive } from '../parse.js';
import type { Scenario } from '../types.js';
import { resolveAgents } from './load-agents.js';
import { resolveStream, STREAM_DEFAULTS } from './load-stream.js';
import type { ScenarioReader } from './reader.js';

/** What the load's rules need from other sections. */
export interface LoadContext {
  /** target.http2 as resolved (--streams is for HTTP/2 only). */
  http2: boolean;
  /** A release action is given: the run then lasts baseline + trigger + cooldown, not a duration. */
  hasTrigger: boolean;
  /** target.timeout as resolved: a stream load's default answer deadline. */
  timeoutMs: number;
  /** The target is gRPC (one call in flight per channel). */
  grpc?: boolean;
}

/** The `load` section: the open (rate) or closed (connections) model, its shape and timing, the workers and agents. */
export function resolveLoad(r: ScenarioReader, c: LoadContext): Scenario['load'] {
  const { problems, label, take, optional } = r;
  const stream = resolveStream(r, c.timeoutMs);
  const rateRaw = stream === undefined ? r.get('load.rate') : undefined;
  const connRaw = stream === undefined ? r.get('load.connections') : (r.get('load.connections') ?? STREAM_DEFAULTS.connections);
  const rate = rateRaw === undefined ? undefined : take('load.rate', parsePositive(rateRaw, 'the rate (requests per second)'));
  const connections = connRaw === undefined ? undefined : take('load.connections', parsePositive(connRaw, 'the connection count', true));
  if (rateRaw !== undefined && connRaw !== undefined) {
    problems.add(`${label('load.rate')} / ${label('load.connections')}`, 'give either a rate (open model) or a connection count (closed model), not both');
  }
  const model: 'open' | 'closed' = connRaw !== undefined && rateRaw === undefined ? 'closed' : 'open';
  const effectiveRate = model === 'open' ? (rate ?? (rateRaw === undefined ? 100 : undefined)) : undefined;

  let ramp: { fromRate: number; durationMs: number } | undefined;
  if (stream === undefined && (r.get('load.ramp.duration') !== undefined || r.get('load.ramp.from') !== undefined)) {
    const durationMs = optional('load.ramp.duration', parseDuration, 0);
    const fromRaw = r.get('load.ramp.from');
    const fromRate = fromRaw === undefined ? 0 : typeof fromRaw === 'number' && fromRaw >= 0 ? fromRaw : (problems.add(label('load.ramp.from'), 'the ramp start rate must be 0 or more'), 0);
    if (model === 'closed') problems.add(label('load.ramp.duration'), 'a ramp needs the open model (--rate), not --connections');
    if (durationMs <= 0) problems.add(label('load.ramp.duration'), 'a ramp needs a duration above 0, e.g. 10s');
    ramp = { fromRate, durationMs };
  }

  if (c.hasTrigger && r.get('load.duration') !== undefined) {
    problems.add(label('load.duration'), 'with a trigger the run lasts baseline + the trigger + cooldown; drop the duration (use --trigger-timeout to cap the trigger)');
  }
  const durationMs = c.hasTrigger ? undefined : optional('load.duration', parseDuration, 60_000);
  if (durationMs !== undefined && durationMs <= 0) problems.add(label('load.duration'), 'the duration must be above 0, e.g. 30s');
  const warmupMs = optional('load.warmup', parseDuration, 0);
  const maxRaw = stream === undefined ? r.get('load.maxInFlight') : undefined;
  const maxInFlight = maxRaw === undefined ? undefined : take('load.maxInFlight', parsePositive(maxRaw, 'the in-flight cap', true));
  const minRaw = stream === undefined ? r.get('load.minConnections') : undefined;
  const minConnections = minRaw === undefined ? undefined : take('load.minConnections', parsePositive(minRaw, 'the connection count', true));
  if (minConnections !== undefined && model === 'closed') {
    problems.add(label('load.minConnections'), 'spreads the open model (--rate) over connections; the closed model keeps exactly --connections');
  }
  const streamsRaw = r.get('load.streams');
  const streams = streamsRaw === undefined ? undefined : take('load.streams', parsePositive(streamsRaw, 'the streams per session', true));
  if (streams !== undefined && c.grpc === true) {
    problems.add(label('load.streams'), 'gRPC channels carry one call in flight each: raise --connections (channels) instead of --streams');
  } else if (streams !== undefined && !c.http2) {
    problems.add(label('load.streams'), 'streams per session are for HTTP/2 (--http2): HTTP/1.1 carries one request per connection at a time, so raise --connections instead');
  }
  if (minConnections !== undefined && maxInFlight !== undefined && minConnections > maxInFlight) {
    problems.add(label('load.minConnections'), `${minConnections} connections cannot all carry requests under --max-in-flight ${maxInFlight}`);
  }
  const workersRaw = r.get('load.workers');
  let workers: number | 'auto' = 'auto';
  if (workersRaw !== undefined && workersRaw !== 'auto') {
    workers = take('load.workers', parsePositive(workersRaw, 'the worker count (or "auto")', true)) ?? 'auto';
  }
  const intervalMs = optional('load.interval', parseDuration, 100);
  if (intervalMs < 10 || intervalMs > 10_000) problems.add(label('load.interval'), 'the interval must be between 10ms and 10s');

  const agents = stream === undefined ? resolveAgents(r, model === 'closed' ? connections : undefined) : undefined;
  return { model, rate: effectiveRate, ramp, connections, durationMs, warmupMs, maxInFlight, minConnections, streams, intervalMs, workers, ...(agents === undefined ? {} : { agents }), ...(stream === undefined ? {} : { stream }) };
}
