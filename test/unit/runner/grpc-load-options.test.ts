import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { loadMetaOf, loadOptionsOf } from '../../../src/runner/load-options.js';
import { resolveScenario } from '../../../src/scenario/resolve.js';
import { DEMO_PROTO } from '../../fixtures/grpc-server.js';

const ctx = { readText: (): string => '', resolvePath: (p: string) => p };

describe('a gRPC scenario mapped to the engine', () => {
  it('sends POSTs of the encoded message with the metadata and grpc-timeout, and says so in report.meta.load', () => {
    const s = resolveScenario(
      undefined,
      { url: 'grpc://10.0.0.1:50051', grpcMethod: 'zerodrop.demo.Greeter/SayHello', proto: DEMO_PROTO, data: '{"name":"zd"}', metadata: ['x-tenant=blue'], grpcDeadline: '750ms', header: ['x-trace: 1'], duration: '1s' },
      ctx,
    );
    const o = loadOptionsOf(s, s.target.url!, 1000);
    expect(o.grpc).toBe(true);
    expect(o.method).toBe('POST');
    expect(o.url).toBe('http://10.0.0.1:50051/zerodrop.demo.Greeter/SayHello');
    expect(o.headers).toEqual({ 'x-trace': '1', 'x-tenant': 'blue', 'grpc-timeout': '750m' });
    const frame = o.body as Uint8Array;
    const type = protobuf.loadSync(DEMO_PROTO).lookupType('zerodrop.demo.HelloRequest');
    expect(type.toObject(type.decode(frame.subarray(5)))).toEqual({ name: 'zd' });
    expect(loadMetaOf(s, o)).toMatchObject({ client: 'lean', grpc: { method: 'zerodrop.demo.Greeter/SayHello', deadlineMs: 750 } });
  });
});
