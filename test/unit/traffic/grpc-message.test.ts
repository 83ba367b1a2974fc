import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { frameGrpcMessage, prepareGrpcCall } from '../../../src/traffic/grpc-message.js';
import { DEMO_PROTO } from '../../fixtures/grpc-server.js';

const HelloRequest = protobuf.loadSync(DEMO_PROTO).lookupType('zerodrop.demo.HelloRequest');

function problemsOf(method: string, message: unknown, proto = DEMO_PROTO): string[] {
  try {
    prepareGrpcCall({ protoFile: proto, method, message });
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('gRPC request encoding', () => {
  it.each([
    [new Uint8Array([]), [0, 0, 0, 0, 0]],
    [new Uint8Array([7, 8]), [0, 0, 0, 0, 2, 7, 8]],
    [new Uint8Array(300), [0, 0, 0, 1, 44, ...new Array<number>(300).fill(0)]],
  ])('frames %o behind the 5-byte prefix (flag 0, big-endian length)', (msg, wire) => {
    expect([...frameGrpcMessage(msg)]).toEqual(wire);
  });

  it.each([
    ['zerodrop.demo.Greeter/SayHello', { name: 'zd', delay_ms: 5 }],
    ['/zerodrop.demo.Greeter/SayHello', { name: 'zd', delayMs: 5 }],
    ['zerodrop.demo.Greeter.SayHello', { name: 'zd', delay_ms: 5 }],
  ])('encodes %s with %o: the path, and bytes protobufjs decodes back', (method, message) => {
    const call = prepareGrpcCall({ protoFile: DEMO_PROTO, method, message });
    expect(call.path).toBe('/zerodrop.demo.Greeter/SayHello');
    const len = new DataView(call.frame.buffer, call.frame.byteOffset).getUint32(1);
    expect(call.frame[0]).toBe(0);
    expect(len).toBe(call.frame.length - 5);
    expect(HelloRequest.toObject(HelloRequest.decode(call.frame.subarray(5)))).toEqual({ name: 'zd', delayMs: 5 });
  });

  it.each([
    ['zerodrop.demo.Greeter/Nope', {}, 'grpc.method: service zerodrop.demo.Greeter has no method Nope (methods: SayHello)'],
    ['zerodrop.demo.Nope/SayHello', {}, 'grpc.method: no service zerodrop.demo.Nope in'],
    ['SayHello', {}, 'grpc.method: "SayHello" is not a gRPC method: use package.Service/Method'],
    ['zerodrop.demo.Greeter/SayHello', { nam: 'x' }, 'grpc.message: does not fit zerodrop.demo.HelloRequest: no field "nam" (fields: name, delay_ms)'],
    ['zerodrop.demo.Greeter/SayHello', { delay_ms: 'soon' }, 'grpc.message: does not fit zerodrop.demo.HelloRequest: delay_ms: integer expected'],
    ['zerodrop.demo.Greeter/SayHello', 'hello', 'grpc.message: does not fit zerodrop.demo.HelloRequest: HelloRequest: expected a JSON object'],
  ])('refuses %s with %o: %s', (method, message, problem) => {
    const problems = problemsOf(method, message);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('says when the proto file is missing or does not parse', () => {
    expect(problemsOf('a.B/C', {}, '/no/such.proto')).toEqual(['grpc.proto: proto file not found: /no/such.proto']);
    expect(problemsOf('a.B/C', {}, new URL(import.meta.url).pathname)[0]).toMatch(/^grpc\.proto: cannot load .*grpc-message\.test\.ts: /);
  });
});
