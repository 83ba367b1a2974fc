import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { InvalidInputError, ZerodropError } from '../../../src/errors.js';
import { describeGrpcByReflection } from '../../../src/runner/grpc-reflection-step.js';
import { loadOptionsOf } from '../../../src/runner/load-options.js';
import { resolveScenario } from '../../../src/scenario/resolve.js';
import { startLoad } from '../../../src/traffic/engine.js';
import type { LoadOptions } from '../../../src/traffic/engine.js';
import { encodeGrpcCall, prepareGrpcCall } from '../../../src/traffic/grpc-message.js';
import { reflectGrpcService } from '../../../src/traffic/grpc-reflection.js';
import { DEMO_PROTO, INVENTORY_DIR, startGrpcServer, type GrpcTestServer } from '../../fixtures/grpc-server.js';

const GREETER = 'zerodrop.demo.Greeter/SayHello';
const RESERVE = 'zerodrop.inventory.Inventory/Reserve';

/** A short closed-model load of `frame` to `path`: every call the engine counts, the server saw. */
function load(port: number, path: string, frame: Uint8Array, scheme = 'http', more: Partial<LoadOptions> = {}): LoadOptions {
  return { url: `${scheme}://127.0.0.1:${port}${path}`, method: 'POST', headers: { 'grpc-timeout': '2000m' }, body: frame, grpc: true, model: 'closed', connections: 2, durationMs: 300, timeoutMs: 2000, keepAlive: true, ...more };
}

/** What reflectGrpcService throws, as code, exit code, message and hint. */
async function failureOf(p: Promise<unknown>): Promise<{ code: string; exitCode: number; message: string; hint: string }> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ZerodropError)) throw err;
    return { code: err.code, exitCode: err.exitCode, message: err.message, hint: err.hint ?? '' };
  }
  throw new Error('expected the reflection to fail');
}

describe('gRPC server reflection against grpc-js servers with @grpc/reflection', () => {
  const servers: GrpcTestServer[] = [];
  const start = async (opts: Parameters<typeof startGrpcServer>[0]): Promise<GrpcTestServer> => {
    const s = await startGrpcServer(opts);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it.each([
    [true, 'v1'],
    ['v1alpha', 'v1alpha'],
  ] as const)('reflection %s: asks %s, encodes the bytes the .proto gives, and a short run counts every call the server saw', async (reflection, version) => {
    const srv = await start({ reflection });
    const r = await reflectGrpcService({ url: `http://127.0.0.1:${srv.port}`, service: 'zerodrop.demo.Greeter', timeoutMs: 10_000 });
    expect(r.version).toBe(version);
    expect(r.files).toEqual(['zerodrop_demo.proto']);
    const call = encodeGrpcCall(r.root, 'reflection', { method: GREETER, message: { name: `refl-${version}`, delay_ms: 1 } });
    expect([...call.frame]).toEqual([...prepareGrpcCall({ protoFile: DEMO_PROTO, method: GREETER, message: { name: `refl-${version}`, delay_ms: 1 } }).frame]);
    const result = await startLoad(load(srv.port, call.path, call.frame), startClock()).done;
    const t = result.recorder.totals();
    expect(t.sent).toBeGreaterThan(0);
    expect(t.failed).toBe(0);
    expect(t.sent).toBe(srv.calls.get(`refl-${version}`));
    expect(result.recorder.statusCodes()).toEqual({ OK: t.sent });
  });

  it('gathers a request type spread over files and packages (and a well-known type), and a short run counts every call', async () => {
    const srv = await start({ reflection: true, inventory: true });
    const r = await reflectGrpcService({ url: `http://127.0.0.1:${srv.port}`, service: 'zerodrop.inventory.Inventory', timeoutMs: 10_000 });
    expect(r.files).toEqual(['zerodrop_inventory.proto', 'zerodrop_common.proto', 'google_protobuf.proto']);
    const message = { sku: 'sku-1', counts: [3, 4], kind: 'KIND_BOOK', labels: { shelf: 'a' }, at: { seconds: 1 }, size: { width_cm: 1.5 } };
    const call = encodeGrpcCall(r.root, 'reflection', { method: RESERVE, message });
    expect([...call.frame]).toEqual([...prepareGrpcCall({ protoFile: join(INVENTORY_DIR, 'inventory.proto'), method: RESERVE, message }).frame]);
    const result = await startLoad(load(srv.port, call.path, call.frame), startClock()).done;
    const t = result.recorder.totals();
    expect(t.failed).toBe(0);
    expect(t.sent).toBeGreaterThan(0);
    expect(t.sent).toBe(srv.calls.get('reserve:sku-1'));
  });

  it('names the services the server offers when it has not the one asked for', async () => {
    const srv = await start({ reflection: true, inventory: true });
    const err = await reflectGrpcService({ url: `http://127.0.0.1:${srv.port}`, service: 'zerodrop.demo.Greeterr', timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems).toEqual([{ path: 'target.grpc.method', message: 'the server offers no service zerodrop.demo.Greeterr (its reflection lists: zerodrop.demo.Greeter, zerodrop.inventory.Inventory)' }]);
    expect((err as InvalidInputError).exitCode).toBe(3);
  });

  it('says a server without reflection serves none, and how to do without it (exit 3)', async () => {
    const srv = await start({});
    const f = await failureOf(reflectGrpcService({ url: `http://127.0.0.1:${srv.port}`, service: 'zerodrop.demo.Greeter', timeoutMs: 10_000 }));
    expect(f).toMatchObject({ code: 'E_GRPC_NO_REFLECTION', exitCode: 3 });
    expect(f.message).toBe(`no --proto was given for zerodrop.demo.Greeter, and the gRPC server at 127.0.0.1:${srv.port} does not serve reflection (grpc.reflection.v1 and v1alpha ServerReflection: UNIMPLEMENTED)`);
    expect(f.hint).toMatch(/--proto FILE.*@grpc\/reflection in Node, reflection\.Register\(s\) in grpc-go/);
  });

  it('words an unreachable server as the reachability check does (exit 4)', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const f = await failureOf(reflectGrpcService({ url: `http://127.0.0.1:${port}`, service: 'zerodrop.demo.Greeter', timeoutMs: 10_000 }));
    expect(f).toMatchObject({ code: 'E_TARGET_UNREACHABLE', exitCode: 4 });
    expect(f.message).toBe(`cannot reach http://127.0.0.1:${port} for its reflection (v1): connection refused by 127.0.0.1:${port}`);
    expect(f.hint).toMatch(/Nothing is listening there/);
  });
});

// The wire of grpc.reflection.v1 as a strict server speaks it (the test's own, apart from zerodrop's).
const WIRE = protobuf.Root.fromJSON({
  nested: {
    Request: { fields: { fileByFilename: { type: 'string', id: 3 }, fileContainingSymbol: { type: 'string', id: 4 }, listServices: { type: 'string', id: 7 } } },
    Response: { fields: { fileDescriptorResponse: { type: 'Files', id: 4 }, errorResponse: { type: 'Error', id: 7 } } },
    Files: { fields: { fileDescriptorProto: { rule: 'repeated', type: 'bytes', id: 1 } } },
    Error: { fields: { errorCode: { type: 'int32', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
  },
});
const REQ = WIRE.lookupType('Request');
const RES = WIRE.lookupType('Response');

describe('gRPC server reflection against a strict server: one file per answer, imports by name', () => {
  let server: grpc.Server;
  let port = 0;
  const asked: string[] = [];
  const tenants: string[] = [];
  let serveCommon = true;
  beforeAll(async () => {
    // The inventory's files as grpc-go serves them: each names its imports; the well-known one is not served.
    const def = loader.loadSync('inventory.proto', { keepCase: true, includeDirs: [INVENTORY_DIR] });
    const byName = new Map<string, protobuf.Message & { name: string; dependency: string[] }>();
    for (const d of Object.values(def)) {
      for (const b of ('fileDescriptorProtos' in d ? (d.fileDescriptorProtos as Buffer[]) : [])) {
        const f = descriptor.FileDescriptorProto.decode(b) as protobuf.Message & { name: string; dependency: string[] };
        if (!f.name.startsWith('google')) byName.set(f.name, f);
      }
    }
    byName.get('zerodrop_inventory.proto')!.dependency = ['zerodrop_common.proto'];
    byName.get('zerodrop_common.proto')!.dependency = ['google/protobuf/timestamp.proto'];
    const encode = (f: protobuf.Message): Uint8Array => descriptor.FileDescriptorProto.encode(f).finish();
    server = new grpc.Server();
    server.addService(
      {
        ServerReflectionInfo: {
          path: '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
          requestStream: true,
          responseStream: true,
          requestSerialize: (r: object) => Buffer.from(REQ.encode(REQ.fromObject(r)).finish()),
          requestDeserialize: (b: Buffer) => REQ.toObject(REQ.decode(b)),
          responseSerialize: (r: object) => Buffer.from(RES.encode(RES.fromObject(r)).finish()),
          responseDeserialize: (b: Buffer) => RES.toObject(RES.decode(b)),
        },
      },
      {
        ServerReflectionInfo(call: grpc.ServerDuplexStream<{ fileByFilename?: string; fileContainingSymbol?: string }, object>) {
          tenants.push(String(call.metadata.get('x-tenant')[0] ?? ''));
          call.on('data', (req: { fileByFilename?: string; fileContainingSymbol?: string }) => {
            asked.push(req.fileContainingSymbol !== undefined ? `symbol ${req.fileContainingSymbol}` : `file ${req.fileByFilename}`);
            const name = req.fileContainingSymbol === 'zerodrop.inventory.Inventory' ? 'zerodrop_inventory.proto' : req.fileByFilename === 'zerodrop_common.proto' && !serveCommon ? undefined : req.fileByFilename;
            const f = name === undefined ? undefined : byName.get(name);
            call.write(f === undefined ? { errorResponse: { errorCode: 5, errorMessage: 'not found' } } : { fileDescriptorResponse: { fileDescriptorProto: [encode(f)] } });
          });
          call.on('end', () => call.end());
        },
      },
    );
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  });
  afterAll(() => new Promise<void>((r) => server.tryShutdown(() => r())));

  it('follows each file\'s imports by name until none is missing, with the metadata the target has', async () => {
    asked.length = 0;
    tenants.length = 0;
    serveCommon = true;
    const r = await reflectGrpcService({ url: `http://127.0.0.1:${port}`, service: 'zerodrop.inventory.Inventory', metadata: { 'x-tenant': 'blue' }, timeoutMs: 10_000 });
    expect(asked).toEqual(['symbol zerodrop.inventory.Inventory', 'file zerodrop_common.proto']);
    expect(tenants).toEqual(['blue']);
    expect(r.files).toEqual(['zerodrop_inventory.proto', 'zerodrop_common.proto']);
    const message = { sku: 's', at: { seconds: 2 }, labels: { k: 'v' } };
    expect([...encodeGrpcCall(r.root, 'reflection', { method: RESERVE, message }).frame]).toEqual([...prepareGrpcCall({ protoFile: join(INVENTORY_DIR, 'inventory.proto'), method: RESERVE, message }).frame]);
  });

  it('names the import the server cannot give', async () => {
    serveCommon = false;
    const f = await failureOf(reflectGrpcService({ url: `http://127.0.0.1:${port}`, service: 'zerodrop.inventory.Inventory', timeoutMs: 10_000 }));
    expect(f).toMatchObject({ code: 'E_GRPC_REFLECTION', exitCode: 4 });
    expect(f.message).toBe("the server's reflection gave zerodrop_inventory.proto for zerodrop.inventory.Inventory but not the files they import: zerodrop_common.proto");
  });
});

describe('gRPC server reflection over TLS', () => {
  let dir = '';
  let srv: GrpcTestServer;
  let ca = '';
  beforeAll(async () => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      throw new Error('this test makes its certificate with openssl: install it (Debian: apt-get install openssl)');
    }
    dir = mkdtempSync(join(tmpdir(), 'zerodrop-grpc-refl-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    srv = await startGrpcServer({ reflection: true, credentials: grpc.ServerCredentials.createSsl(null, [{ private_key: readFileSync(join(dir, 'key.pem')), cert_chain: Buffer.from(ca) }]) });
  });
  afterAll(async () => {
    await srv.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reflects with the CA given, and with insecure; refuses an untrusted certificate as the reachability check does', async () => {
    const url = `https://127.0.0.1:${srv.port}`;
    expect((await reflectGrpcService({ url, service: 'zerodrop.demo.Greeter', ca, timeoutMs: 10_000 })).version).toBe('v1');
    expect((await reflectGrpcService({ url, service: 'zerodrop.demo.Greeter', insecure: true, timeoutMs: 10_000 })).version).toBe('v1');
    const f = await failureOf(reflectGrpcService({ url, service: 'zerodrop.demo.Greeter', timeoutMs: 10_000 }));
    expect(f.code).toBe('E_TARGET_UNREACHABLE');
    expect(f.message).toBe(`cannot reach ${url} for its reflection (v1): the TLS handshake with 127.0.0.1:${srv.port} failed (self-signed certificate)`);
    expect(f.hint).toMatch(/Trust the CA/);
  });

  it('the runner step encodes the scenario\'s message with the reflected types, over TLS with the scenario\'s CA', async () => {
    const caFile = join(dir, 'cert.pem');
    const s = resolveScenario(undefined, { url: `grpcs://127.0.0.1:${srv.port}`, grpcMethod: GREETER, data: '{"name":"step"}', ca: caFile, duration: '1s' }, { readText: (p: string) => readFileSync(p, 'utf8'), resolvePath: (p: string) => p });
    expect(s.target.grpc?.protoFile).toBeUndefined();
    const o = loadOptionsOf(s, s.target.url!, 1000);
    expect(o.body).toBeUndefined();
    const notes: string[] = [];
    await describeGrpcByReflection(s, o, { onNote: (n) => notes.push(n) });
    srv.calls.clear();
    const result = await startLoad({ ...o, durationMs: 300, model: 'closed', connections: 1 }, startClock()).done;
    expect(result.recorder.totals().failed).toBe(0);
    expect(result.recorder.totals().sent).toBe(srv.calls.get('step'));
    expect(notes).toEqual(["zerodrop.demo.Greeter described by the server's reflection (v1: zerodrop_demo.proto)"]);

    const bad = resolveScenario(undefined, { url: `grpcs://127.0.0.1:${srv.port}`, grpcMethod: 'zerodrop.demo.Greeter/Nope', ca: caFile, duration: '1s' }, { readText: () => '', resolvePath: (p: string) => p });
    const err = await describeGrpcByReflection(bad, loadOptionsOf(bad, bad.target.url!, 1000), {}).catch((e: unknown) => e);
    expect((err as InvalidInputError).problems).toEqual([{ path: 'target.grpc.method', message: 'service zerodrop.demo.Greeter has no method Nope (methods: SayHello)' }]);
  });
});
