import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { prepareGrpcCall } from '../../../src/traffic/grpc-message.js';
import { DEMO_PROTO, startGrpcServer, type GrpcTestServer } from '../../fixtures/grpc-server.js';

const METHOD = 'zerodrop.demo.Greeter/SayHello';

function grpcLoad(port: number, message: object, more: Partial<LoadOptions> = {}): LoadOptions {
  const call = prepareGrpcCall({ protoFile: DEMO_PROTO, method: METHOD, message });
  return {
    url: `http://127.0.0.1:${port}${call.path}`,
    method: 'POST',
    headers: { 'grpc-timeout': '2000m' },
    body: call.frame,
    grpc: true,
    model: 'closed',
    connections: 4,
    durationMs: 500,
    timeoutMs: 2000,
    keepAlive: true,
    ...more,
  };
}

describe('gRPC unary load against a grpc-js server', () => {
  let srv: GrpcTestServer;
  beforeAll(async () => {
    srv = await startGrpcServer({ pod: 'pod-a' });
  });
  afterAll(() => srv.stop());

  it('counts every call the server saw, OK by name, per pod from the metadata key', async () => {
    srv.calls.clear();
    const r = await startLoad(grpcLoad(srv.port, { name: 'ok' }, { podHeader: 'x-pod-name' }), startClock()).done;
    const t = r.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(srv.total());
    expect(r.recorder.statusCodes()).toEqual({ OK: t.sent });
    const pods = r.recorder.pods();
    expect(pods.map((p) => p.pod)).toEqual(['pod-a']);
  });
});
