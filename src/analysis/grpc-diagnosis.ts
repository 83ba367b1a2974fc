import { GRPC_STATUS_NAMES } from '../metrics/grpc-status.js';
import { formatCount } from '../text/format.js';
import type { Diagnosis } from './results.js';

/**
 * The causes the rules find, said in gRPC's own terms for a run of gRPC calls. The rules read
 * failure classes and rollout events, which are the same for HTTP and gRPC; what differs is how a
 * gRPC server drains: one HTTP/2 connection carries every call of a channel and stays on its pod
 * (a Service balances connections, not calls), so a server that exits without GOAWAY cuts every
 * call on it, and clients learn to reconnect only from a GOAWAY or a failed call.
 */
const GRPC_TERMS: Readonly<Record<string, { id?: string; cause: string; fix: string }>> = {
  'prestop-delay': {
    cause: 'the pod stopped listening while the Service still sent it new gRPC connections: no preStop delay, or one shorter than endpoint propagation, so channels that reconnected were refused (clients see UNAVAILABLE)',
    fix: 'add lifecycle.preStop (sleep action, or exec ["sleep", "10"]) longer than endpoint propagation (5-10 s) and shorter than terminationGracePeriodSeconds; only then, on SIGTERM, shut the server down gracefully (server.tryShutdown() in grpc-js, GracefulStop() in grpc-go)',
  },
  'keepalive-not-drained': {
    id: 'grpc-no-goaway',
    cause: 'calls failed when pods exited without GOAWAY: every HTTP/2 connection stays on its pod (endpoint removal does not move it), and the server closed its connections with calls in flight instead of telling the clients to go elsewhere',
    fix: 'on SIGTERM, after a preStop delay, call server.tryShutdown() (grpc-js; GracefulStop() in grpc-go, server.stop(grace) in Python): it stops accepting, sends GOAWAY so clients reconnect to other pods, and lets the calls in flight finish; keep terminationGracePeriodSeconds above preStop plus the longest call',
  },
  'readiness-too-early': {
    cause: 'a new pod got gRPC connections before its server could serve them: no readiness probe (a running container counts as ready at once), or a probe that passes before the server is bound',
    fix: 'add a readinessProbe that checks the server itself (grpc: {port: ...} with the gRPC health service, or an HTTP health port it serves once bound), and minReadySeconds',
  },
  'connection-refused': {
    cause: 'gRPC connections were refused: nothing was listening where the Service sent them (clients see UNAVAILABLE), a pod that had stopped, or not yet started, its server',
    fix: 'give the pod a readiness probe so it gets connections only once its server is bound, and a preStop sleep longer than endpoint propagation before the server shuts down on SIGTERM',
  },
  'connection-reset': {
    cause: 'gRPC calls were cut mid-flight: their HTTP/2 connection closed with no GOAWAY covering them (the server exited, or was killed, with calls on it)',
    fix: 'handle SIGTERM with a graceful shutdown (server.tryShutdown() in grpc-js, GracefulStop() in grpc-go): GOAWAY first, then let the calls in flight finish, then exit; keep terminationGracePeriodSeconds above preStop plus the longest call',
  },
  timeouts: {
    cause: 'calls ran past their deadline (DEADLINE_EXCEEDED, or no answer within the timeout): serving capacity dropped during the rollout, or calls stalled on connections to pods that stopped answering',
    fix: 'set maxUnavailable 0 and maxSurge 1 or more so capacity never drops; shut servers down gracefully (GOAWAY) so channels leave a terminating pod instead of waiting on it; check CPU limits and start-up work',
  },
  'pod-spread-skewed': {
    cause: 'the calls reached the pods unevenly: each gRPC channel is one HTTP/2 connection that stays on the pod the Service first sent it to (a Service balances connections, not calls), and too few channels pinned most calls to one pod',
    fix: 'open more channels: --min-connections N (N channels taken in turn), N at least the replica count; gRPC clients in production need the same, or client-side balancing (round_robin over a headless Service\'s addresses), or a proxy or mesh that balances calls',
  },
  'client-errors': {
    cause: 'calls ended with client-side gRPC statuses (CANCELLED, INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, ...): usually the call itself (method, message, metadata) is wrong; if only during the rollout, the new version rejects calls the old one accepted',
    fix: 'check the method, the message and the metadata; keep the service compatible across the two versions that serve side by side during a rollout',
  },
};

/** The gRPC failure statuses a run saw, most first, as "UNAVAILABLE x12". */
function grpcFailureStatuses(statusCodes: Readonly<Record<string, number>>): string {
  return Object.entries(statusCodes)
    .filter(([k, n]) => k !== 'OK' && n > 0 && (GRPC_STATUS_NAMES as readonly string[]).includes(k))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} x${formatCount(n)}`)
    .join(', ');
}

/** The diagnoses of a gRPC run, with each cause and fix in gRPC terms (evidence as found). */
export function inGrpcTerms(diagnoses: readonly Diagnosis[], statusCodes: Readonly<Record<string, number>>): Diagnosis[] {
  return diagnoses.map((d) => {
    if (d.id === 'server-errors') {
      const statuses = grpcFailureStatuses(statusCodes);
      return {
        ...d,
        cause: `calls ended with server-side gRPC statuses${statuses ? ` (${statuses})` : ''}: UNAVAILABLE from a server shutting down or a proxy without a ready upstream, INTERNAL or UNKNOWN from the service itself`,
        fix: 'for UNAVAILABLE: a readiness probe, a preStop sleep longer than endpoint propagation, and a graceful shutdown (tryShutdown / GracefulStop) on SIGTERM; for the others: read the service\'s logs around the outage windows',
      };
    }
    const t = GRPC_TERMS[d.id];
    return t === undefined ? { ...d } : { ...d, id: t.id ?? d.id, cause: t.cause, fix: t.fix };
  });
}
