import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors.js';
import { resolveScenario, type ScenarioFlags } from '../../../src/scenario/resolve.js';
import { DEMO_PROTO } from '../../fixtures/grpc-server.js';

const ctx = {
  readText: (p: string) => {
    if (p === '/files/msg.json') return '{"name":"from file"}';
    throw new Error('ENOENT: no such file');
  },
  resolvePath: (p: string) => (p.startsWith('/') ? p : `/files/${p}`),
};

const base: ScenarioFlags = { url: 'grpc://10.0.0.1:50051', grpcMethod: 'zerodrop.demo.Greeter/SayHello', proto: DEMO_PROTO, duration: '1s' };

function problemsOf(flags: ScenarioFlags, file?: unknown): string[] {
  try {
    resolveScenario(file, flags, ctx);
  } catch (err) {
    if (err instanceof InvalidInputError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('a gRPC target', () => {
  it('resolves the flags: plaintext URL to the method, POST, message, metadata, deadline (default: the timeout)', () => {
    const s = resolveScenario(undefined, { ...base, data: '{"name":"zd"}', metadata: ['X-Tenant=blue'], timeout: '3s' }, ctx);
    expect(s.target.url).toBe('http://10.0.0.1:50051/zerodrop.demo.Greeter/SayHello');
    expect(s.target.path).toBe('/zerodrop.demo.Greeter/SayHello');
    expect(s.target.method).toBe('POST');
    expect(s.target.grpc).toEqual({ method: 'zerodrop.demo.Greeter/SayHello', protoFile: DEMO_PROTO, message: { name: 'zd' }, metadata: { 'x-tenant': 'blue' }, deadlineMs: 3000, tls: false });
  });

  it.each([
    ['grpcs://h:443', {}, 'https://h:443/zerodrop.demo.Greeter/SayHello', true],
    ['grpc://h:80', { grpcTls: false }, 'http://h:80/zerodrop.demo.Greeter/SayHello', false],
    ['https://h:8443', {}, 'https://h:8443/zerodrop.demo.Greeter/SayHello', true],
  ])('%s %o: %s (tls %s)', (url, more, want, tls) => {
    const s = resolveScenario(undefined, { ...base, url, ...more }, ctx);
    expect(s.target.url).toBe(want);
    expect(s.target.grpc?.tls).toBe(tls);
  });

  it('reads the file form: message as a mapping or @file, metadata, deadline, plaintext towards a Service', () => {
    const s = resolveScenario(
      { target: { grpc: { method: 'zerodrop.demo.Greeter/SayHello', proto: DEMO_PROTO, message: '@msg.json', metadata: { 'x-a': 1 }, deadline: '500ms' } }, kubernetes: { deployment: 'd', service: 'svc' }, load: { duration: '1s' } },
      {},
      ctx,
    );
    expect(s.target.url).toBeUndefined();
    expect(s.target.path).toBe('/zerodrop.demo.Greeter/SayHello');
    expect(s.target.grpc).toMatchObject({ message: { name: 'from file' }, metadata: { 'x-a': '1' }, deadlineMs: 500, tls: false });
  });

  it('leaves the .proto out when none is given: the server\'s reflection describes the method before the traffic', () => {
    const s = resolveScenario(undefined, { url: 'grpc://10.0.0.1:50051', grpcMethod: 'zerodrop.demo.Greeter.SayHello', data: '{"name":"zd"}', duration: '1s' }, ctx);
    expect(s.target.grpc).toEqual({ method: 'zerodrop.demo.Greeter/SayHello', message: { name: 'zd' }, metadata: {}, deadlineMs: 2000, tls: false });
    expect(s.target.path).toBe('/zerodrop.demo.Greeter/SayHello');
  });

  it.each<[string, ScenarioFlags, string]>([
    ['no method', { url: 'grpc://h:1', proto: DEMO_PROTO }, '--grpc-method'],
    ['an unknown method', { ...base, grpcMethod: 'zerodrop.demo.Greeter/Hello' }, '--grpc-method (target.grpc.method): service zerodrop.demo.Greeter has no method Hello (methods: SayHello)'],
    ['a method not of the form package.Service/Method (no .proto: reflection)', { url: 'grpc://h:1', grpcMethod: 'SayHello' }, '--grpc-method (target.grpc.method): "SayHello" is not a gRPC method: use package.Service/Method'],
    ['a message not an object (no .proto: reflection)', { url: 'grpc://h:1', grpcMethod: 'a.B/C', data: '[1]' }, '--data (target.grpc.message): expected a JSON object, got [1]'],
    ['a missing proto', { ...base, proto: '/nope.proto' }, '--proto (target.grpc.proto): proto file not found: /nope.proto'],
    ['bad JSON', { ...base, data: '{name' }, '--data (target.grpc.message): not JSON'],
    ['a message of the wrong type', { ...base, data: '{"name": 5}' }, '--data (target.grpc.message): does not fit zerodrop.demo.HelloRequest: name: string expected'],
    ['bad metadata', { ...base, metadata: ['novalue'] }, '--metadata: "novalue" is not key=value'],
    ['reserved metadata', { ...base, metadata: ['grpc-timeout=1S'] }, 'grpc-* is reserved'],
    ['--http2', { ...base, http2: true }, 'gRPC always speaks HTTP/2'],
    ['--body', { ...base, body: 'x' }, '--body: a gRPC call sends its message'],
    ['--client', { ...base, client: 'undici' }, "gRPC calls go through zerodrop's own HTTP/2 client"],
    ['a TLS flag against the scheme', { ...base, grpcTls: true }, "the URL's scheme says plaintext"],
    ['--streams', { ...base, connections: 2, streams: 4 }, '--streams (load.streams): gRPC channels carry one call in flight each'],
    ['a grpc:// URL without a method', { url: 'grpc://h:1' }, 'a grpc:// target needs the method to call'],
  ])('refuses %s', (_what, flags, problem) => {
    expect(problemsOf(flags).join('\n')).toContain(problem);
  });
});
