import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { reflectionCallError } from '../../../src/traffic/grpc-reflection.js';

const at = { version: 'v1' as const, service: 'zerodrop.demo.Greeter', url: 'http://10.0.0.7:50051/zerodrop.demo.Greeter/SayHello', timeoutMs: 10_000 };

describe('a failed reflection call, in words', () => {
  it.each([
    [status.UNIMPLEMENTED, 'The server does not implement the method /grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo', 'E_GRPC_NO_REFLECTION', 3,
      'no --proto was given for zerodrop.demo.Greeter, and the gRPC server at 10.0.0.7:50051 does not serve reflection (grpc.reflection.v1 and v1alpha ServerReflection: UNIMPLEMENTED)'],
    [status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 10.0.0.7:50051. Resolution note: ', 'E_TARGET_UNREACHABLE', 4,
      'cannot reach http://10.0.0.7:50051/zerodrop.demo.Greeter/SayHello for its reflection (v1): connection refused by 10.0.0.7:50051'],
    [status.UNAVAILABLE, 'No connection established. Last error: Error: self-signed certificate. Resolution note: ', 'E_TARGET_UNREACHABLE', 4,
      'cannot reach http://10.0.0.7:50051/zerodrop.demo.Greeter/SayHello for its reflection (v1): the TLS handshake with 10.0.0.7:50051 failed (self-signed certificate)'],
    [status.UNAVAILABLE, 'Name resolution failed for target dns:10.0.0.7:50051: Error: getaddrinfo ENOTFOUND nohost', 'E_TARGET_UNREACHABLE', 4,
      'cannot reach http://10.0.0.7:50051/zerodrop.demo.Greeter/SayHello for its reflection (v1): the host name 10.0.0.7 could not be resolved (ENOTFOUND)'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.001s', 'E_TARGET_UNREACHABLE', 4,
      'cannot reach http://10.0.0.7:50051/zerodrop.demo.Greeter/SayHello for its reflection (v1): no answer from 10.0.0.7:50051 within 10000 ms (ETIMEDOUT)'],
    [status.PERMISSION_DENIED, 'reflection is for admins', 'E_GRPC_REFLECTION', 4,
      "the server's reflection call (v1) for zerodrop.demo.Greeter failed: PERMISSION_DENIED: reflection is for admins"],
  ])('status %i (%s): %s, exit %i', (code, details, errorCode, exitCode, message) => {
    const e = reflectionCallError(Object.assign(new Error(details), { code, details }), at);
    expect({ code: e.code, exitCode: e.exitCode, message: e.message }).toEqual({ code: errorCode, exitCode, message });
  });

  it('tells how to do without reflection, or how to turn it on', () => {
    expect(reflectionCallError({ code: status.UNIMPLEMENTED, details: '' }, at).hint).toBe(
      'give --proto FILE (target.grpc.proto), or enable reflection on the server: @grpc/reflection in Node, reflection.Register(s) in grpc-go',
    );
  });
});
