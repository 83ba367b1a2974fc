// A gRPC scenario without a .proto: before the traffic, the server's reflection describes the
// method, and its request is encoded exactly as from a .proto. One control call, off the hot path.
import type { Scenario } from '../scenario/types.js';
import type { LoadOptions } from '../traffic/engine.js';
import { encodeGrpcCall, parseGrpcMethod } from '../traffic/grpc-message.js';

/** The least time the reflection exchange gets, whatever the target's timeout: a few round trips, on a loaded machine. */
const MIN_REFLECTION_MS = 10_000;

/**
 * Sets `load.body` to the scenario's gRPC request, encoded with the types the server's reflection
 * gives, when the scenario names no .proto (otherwise it does nothing: loadOptionsOf encoded it).
 * Run it once the target answers: a server without reflection, an unknown service or method, or
 * a message that does not fit throw before any traffic (see reflectGrpcService and encodeGrpcCall).
 */
export async function describeGrpcByReflection(scenario: Scenario, load: LoadOptions, env: { signal?: AbortSignal; onNote?: ((note: string) => void) | undefined }): Promise<void> {
  const g = scenario.target.grpc;
  if (g === undefined || g.protoFile !== undefined) return;
  const method = parseGrpcMethod(g.method);
  // The scenario's resolution refused any other form.
  if (method === undefined) return;
  // grpc-js is loaded only by the runs that need it.
  const { reflectGrpcService } = await import('../traffic/grpc-reflection.js');
  const host = Object.entries(load.headers).find(([k]) => k.toLowerCase() === 'host')?.[1];
  const reflected = await reflectGrpcService({
    url: load.url,
    service: method.service,
    metadata: g.metadata,
    timeoutMs: Math.max(scenario.target.timeoutMs, MIN_REFLECTION_MS),
    ...(load.ca === undefined ? {} : { ca: load.ca }),
    ...(load.insecure === undefined ? {} : { insecure: load.insecure }),
    ...(host === undefined ? {} : { authority: host }),
    ...(env.signal === undefined ? {} : { signal: env.signal }),
  });
  const source = `the server's reflection (${reflected.files.join(', ')})`;
  const call = encodeGrpcCall(reflected.root, source, { method: g.method, message: g.message }, { proto: 'target.grpc.proto', method: 'target.grpc.method', message: 'target.grpc.message' });
  load.body = call.frame;
  env.onNote?.(`${method.service} described by the server's reflection (${reflected.version}: ${reflected.files.join(', ')})`);
}
