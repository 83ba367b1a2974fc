import { describe, expect, it } from 'vitest';
import { CodeCounts } from '../../../src/metrics/code-counts.js';
import { GRPC_STATUS_BASE, GRPC_STATUS_NAMES, grpcCodeOfKey, grpcStatusKey, grpcStatusNumber, isGrpcStatus, outcomeOfGrpcStatus } from '../../../src/metrics/grpc-status.js';
import { FAILURE_CLASSES, failureClassOf } from '../../../src/metrics/outcome.js';
import { classifyStatus } from '../../../src/traffic/classify.js';
import { outcomeOfStatus, statusTableOf } from '../../../src/traffic/status-table.js';

describe('gRPC statuses', () => {
  // The class of each code: google/rpc/code.proto's HTTP mapping, DEADLINE_EXCEEDED a timeout.
  it.each([
    ['OK', 0, 'success'],
    ['CANCELLED', 1, 'http_4xx'],
    ['UNKNOWN', 2, 'http_5xx'],
    ['INVALID_ARGUMENT', 3, 'http_4xx'],
    ['DEADLINE_EXCEEDED', 4, 'timeout'],
    ['NOT_FOUND', 5, 'http_4xx'],
    ['ALREADY_EXISTS', 6, 'http_4xx'],
    ['PERMISSION_DENIED', 7, 'http_4xx'],
    ['RESOURCE_EXHAUSTED', 8, 'http_4xx'],
    ['FAILED_PRECONDITION', 9, 'http_4xx'],
    ['ABORTED', 10, 'http_4xx'],
    ['OUT_OF_RANGE', 11, 'http_4xx'],
    ['UNIMPLEMENTED', 12, 'http_5xx'],
    ['INTERNAL', 13, 'http_5xx'],
    ['UNAVAILABLE', 14, 'http_5xx'],
    ['DATA_LOSS', 15, 'http_5xx'],
    ['UNAUTHENTICATED', 16, 'http_4xx'],
  ])('%s (%i) is named and classed %s, by table and by rule alike', (name, code, cls) => {
    const status = grpcStatusNumber(code);
    expect(status).toBe(GRPC_STATUS_BASE + code);
    expect(isGrpcStatus(status)).toBe(true);
    expect(grpcStatusKey(status)).toBe(name);
    expect(grpcCodeOfKey(name)).toBe(code);
    const outcome = outcomeOfGrpcStatus(status);
    expect(failureClassOf(outcome) ?? 'success').toBe(cls);
    expect(classifyStatus(status)).toBe(outcome);
    // A --success-status rule is HTTP's: it never turns a gRPC status into another outcome.
    expect(outcomeOfStatus(statusTableOf([[200, 299]]), status)).toBe(outcome);
  });

  it('reads a code beyond the known ones as UNKNOWN, as grpc-js does', () => {
    expect(grpcStatusKey(grpcStatusNumber(99))).toBe('UNKNOWN');
    expect(grpcStatusKey(grpcStatusNumber(Number.NaN))).toBe('UNKNOWN');
  });

  it('leaves HTTP statuses alone', () => {
    expect(isGrpcStatus(503)).toBe(false);
    expect(grpcCodeOfKey('503')).toBeUndefined();
    expect(GRPC_STATUS_NAMES).toHaveLength(17);
    expect(FAILURE_CLASSES).toContain('http_5xx');
  });

  it('counts gRPC statuses by name beside HTTP statuses, and a decoded count adds up the same', () => {
    const c = new CodeCounts();
    c.add(GRPC_STATUS_BASE, undefined);
    c.add(GRPC_STATUS_BASE, undefined);
    c.add(GRPC_STATUS_BASE + 14, undefined);
    c.add(503, undefined);
    expect(c.statusCodes()).toEqual({ '503': 1, OK: 2, UNAVAILABLE: 1 });
    const d = new CodeCounts();
    for (const [k, v] of Object.entries(c.statusCodes())) d.addStatus(k, v);
    d.merge(c);
    expect(d.statusCodes()).toEqual({ '503': 2, OK: 4, UNAVAILABLE: 2 });
  });
});
