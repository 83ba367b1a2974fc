import { describe, expect, it } from 'vitest';
import { inGrpcTerms } from '../../../src/analysis/grpc-diagnosis.js';
import type { Diagnosis } from '../../../src/analysis/results.js';

const found = (id: string): Diagnosis => ({ id, cause: 'http cause', evidence: `evidence of ${id}`, fix: 'http fix' });

describe('diagnoses in gRPC terms', () => {
  it.each([
    ['keepalive-not-drained', 'grpc-no-goaway', /exited without GOAWAY/, /server\.tryShutdown\(\).*GOAWAY/],
    ['connection-reset', 'connection-reset', /no GOAWAY covering them/, /tryShutdown\(\).*GracefulStop\(\)/],
    ['prestop-delay', 'prestop-delay', /new gRPC connections.*UNAVAILABLE/, /preStop.*tryShutdown/],
    ['connection-refused', 'connection-refused', /UNAVAILABLE/, /readiness probe/],
    ['readiness-too-early', 'readiness-too-early', /before its server could serve them/, /gRPC health service/],
    ['timeouts', 'timeouts', /DEADLINE_EXCEEDED/, /GOAWAY/],
    ['pod-spread-skewed', 'pod-spread-skewed', /balances connections, not calls/, /round_robin over a headless Service/],
    ['client-errors', 'client-errors', /INVALID_ARGUMENT/, /method, the message and the metadata/],
  ])('%s becomes %s, evidence kept', (id, newId, cause, fix) => {
    const [d] = inGrpcTerms([found(id)], {});
    expect(d!.id).toBe(newId);
    expect(d!.cause).toMatch(cause);
    expect(d!.fix).toMatch(fix);
    expect(d!.evidence).toBe(`evidence of ${id}`);
  });

  it('names the failing gRPC statuses of server errors, most first', () => {
    const [d] = inGrpcTerms([found('server-errors')], { OK: 90, INTERNAL: 2, UNAVAILABLE: 8, '503': 1 });
    expect(d!.cause).toMatch(/^calls ended with server-side gRPC statuses \(UNAVAILABLE x8, INTERNAL x2\)/);
  });

  it('leaves rules without a gRPC wording as they are', () => {
    expect(inGrpcTerms([found('generator-behind')], {})).toEqual([found('generator-behind')]);
  });
});
