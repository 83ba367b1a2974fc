// gRPC server reflection, client side: one control call before any traffic that asks the server
// for the files describing a service, so a run needs no .proto. grpc-js carries this one call (a
// bidi stream, TLS, metadata, status mapping); the load itself stays on the lean client.
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { CouldNotRunError, EXIT, InvalidInputError, ZerodropError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { decodeDescriptorFile, missingDependencies, rootOfDescriptors, type DescriptorFile } from './grpc-descriptors.js';
import { explainConnectError } from './preflight.js';

/** The reflection protocol's versions, newest first: v1alpha is what older servers serve. */
export type ReflectionVersion = 'v1' | 'v1alpha';

/** Where and how to ask: the target's address and TLS, as its load will go. */
export interface ReflectionOptions {
  /** The target, http:// (plaintext) or https:// (TLS): host and port are used. */
  url: string;
  /** The fully qualified service, e.g. zerodrop.demo.Greeter. */
  service: string;
  /** Metadata sent with the call (lower-case keys), as with every load call. */
  metadata?: Record<string, string>;
  /** CA certificates to trust (PEM) for https://. */
  ca?: string | Uint8Array;
  /** Skip certificate verification (https://). */
  insecure?: boolean;
  /** The :authority to send (an Ingress rule's host); default host:port of the URL. */
  authority?: string;
  /** The whole exchange's deadline, ms. */
  timeoutMs: number;
  /** Aborts the exchange (Ctrl-C): the call then throws an interrupted error (exit 130). */
  signal?: AbortSignal;
  /** The field path a missing service is reported under. */
  methodPath?: string;
}

/** What the server's reflection gave: the types, and from where. */
export interface ReflectedTypes {
  root: protobuf.Root;
  version: ReflectionVersion;
  /** The files it sent, in the order received. */
  files: string[];
}

// The wire shape of grpc.reflection.{v1,v1alpha}.ServerReflectionRequest/Response (the same in
// both versions); only the members zerodrop uses. Field numbers from grpc/reflection/v1/reflection.proto.
const WIRE = protobuf.Root.fromJSON({
  nested: {
    Request: { fields: { host: { type: 'string', id: 1 }, fileByFilename: { type: 'string', id: 3 }, fileContainingSymbol: { type: 'string', id: 4 }, listServices: { type: 'string', id: 7 } } },
    Response: {
      fields: {
        fileDescriptorResponse: { type: 'FileDescriptorResponse', id: 4 },
        listServicesResponse: { type: 'ListServiceResponse', id: 6 },
        errorResponse: { type: 'ErrorResponse', id: 7 },
      },
    },
    FileDescriptorResponse: { fields: { fileDescriptorProto: { rule: 'repeated', type: 'bytes', id: 1 } } },
    ListServiceResponse: { fields: { service: { rule: 'repeated', type: 'ServiceResponse', id: 1 } } },
    ServiceResponse: { fields: { name: { type: 'string', id: 1 } } },
    ErrorResponse: { fields: { errorCode: { type: 'int32', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
  },
});
const REQUEST = WIRE.lookupType('Request');
const RESPONSE = WIRE.lookupType('Response');

type ReflectionRequest = { fileByFilename: string } | { fileContainingSymbol: string } | { listServices: string };

interface ReflectionResponse {
  fileDescriptorResponse?: { fileDescriptorProto?: Uint8Array[] };
  listServicesResponse?: { service?: Array<{ name?: string }> };
  errorResponse?: { errorCode?: number; errorMessage?: string };
}

/** One reflection stream: requests answered in order, one response each (the protocol's rule). */
class ReflectionStream {
  private readonly call: grpc.ClientDuplexStream<ReflectionRequest, ReflectionResponse>;
  private readonly waiting: Array<{ resolve: (r: ReflectionResponse) => void; reject: (e: Error) => void }> = [];
  private failed: Error | undefined;

  constructor(client: grpc.Client, version: ReflectionVersion, metadata: grpc.Metadata, deadline: number) {
    this.call = client.makeBidiStreamRequest(
      `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
      (r: ReflectionRequest) => Buffer.from(REQUEST.encode(REQUEST.fromObject(r)).finish()),
      (b: Buffer) => RESPONSE.toObject(RESPONSE.decode(b), { defaults: false }) as ReflectionResponse,
      metadata,
      { deadline },
    );
    this.call.on('data', (r: ReflectionResponse) => this.waiting.shift()?.resolve(r));
    this.call.on('error', (e: Error) => this.fail(e));
    this.call.on('end', () => this.fail(this.failed ?? Object.assign(new Error('the server ended the reflection stream before answering'), { code: grpc.status.UNKNOWN, details: 'stream ended' })));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  ask(req: ReflectionRequest): Promise<ReflectionResponse> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(req);
    });
  }

  close(): void {
    this.call.end();
    this.call.cancel();
  }
}

const isStatus = (e: unknown, code: grpc.status): boolean => (e as { code?: unknown }).code === code;

/**
 * Asks the server's reflection service (v1, then v1alpha when v1 is UNIMPLEMENTED) for the file
 * declaring `service`, then for every file it imports until none is missing, and builds one Root
 * of their types. Throws E_GRPC_NO_REFLECTION (exit 3) when the server serves neither version, an
 * InvalidInputError listing the services it offers when it has no such service, the reachability
 * error (E_TARGET_UNREACHABLE, exit 4) when it cannot be reached, E_GRPC_REFLECTION otherwise.
 */
export async function reflectGrpcService(opts: ReflectionOptions): Promise<ReflectedTypes> {
  const u = new URL(opts.url);
  const tls = u.protocol === 'https:';
  const hostPort = `${u.hostname}:${u.port || (tls ? '443' : '80')}`;
  const creds = tls ? grpc.credentials.createSsl(opts.ca === undefined ? null : Buffer.from(opts.ca), null, null, opts.insecure === true ? { rejectUnauthorized: false } : {}) : grpc.credentials.createInsecure();
  const client = new grpc.Client(hostPort, creds, opts.authority === undefined ? {} : { 'grpc.default_authority': opts.authority });
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(opts.metadata ?? {})) md.set(k, v);
  const deadline = Date.now() + opts.timeoutMs;
  const aborted = (): boolean => opts.signal?.aborted === true;
  let stream: ReflectionStream | undefined;
  const onAbort = (): void => stream?.close();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const version of ['v1', 'v1alpha'] as const) {
      if (aborted()) throw interrupted();
      stream = new ReflectionStream(client, version, md, deadline);
      try {
        const files = await gather(stream, opts);
        let root: protobuf.Root;
        try {
          root = rootOfDescriptors(files);
        } catch (err) {
          throw new ZerodropError('E_GRPC_REFLECTION', `the files the server's reflection gave for ${opts.service} (${[...files.keys()].join(', ')}) do not resolve: ${(err as Error).message}`);
        }
        return { root, version, files: [...files.keys()] };
      } catch (err) {
        if (aborted()) throw interrupted();
        if (err instanceof ZerodropError) throw err;
        if (version === 'v1' && isStatus(err, grpc.status.UNIMPLEMENTED)) continue;
        throw reflectionCallError(err, { version, service: opts.service, url: opts.url, timeoutMs: opts.timeoutMs });
      } finally {
        stream.close();
      }
    }
    throw new ZerodropError('E_INTERNAL', 'reflection: no version left to try');
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    client.close();
  }
}

/** The files declaring the service and everything they import, by name. */
async function gather(stream: ReflectionStream, opts: ReflectionOptions): Promise<Map<string, DescriptorFile>> {
  const files = new Map<string, DescriptorFile>();
  const add = (r: ReflectionResponse): void => {
    for (const bytes of r.fileDescriptorResponse?.fileDescriptorProto ?? []) {
      const f = decodeDescriptorFile(bytes);
      if (!files.has(f.name)) files.set(f.name, f);
    }
  };
  const first = await stream.ask({ fileContainingSymbol: opts.service });
  if (first.errorResponse !== undefined) {
    if ((first.errorResponse.errorCode ?? 0) !== grpc.status.NOT_FOUND) throw answerError(first, `file_containing_symbol ${opts.service}`);
    const list = await stream.ask({ listServices: '*' });
    const names = (list.listServicesResponse?.service ?? []).map((s) => s.name ?? '').filter((n) => n !== '');
    throw new InvalidInputError([{ path: opts.methodPath ?? 'target.grpc.method', message: `the server offers no service ${opts.service} (its reflection lists: ${names.join(', ') || 'none'})` }]);
  }
  add(first);
  const unavailable = new Set<string>();
  for (;;) {
    const missing = missingDependencies(files).filter((d) => !unavailable.has(d));
    if (missing.length === 0) break;
    for (const name of missing) {
      const r = await stream.ask({ fileByFilename: name });
      if (r.errorResponse !== undefined) unavailable.add(name);
      else add(r);
      // A server that answers with other files than the one asked for must not loop forever.
      if (!files.has(name)) unavailable.add(name);
    }
  }
  if (unavailable.size > 0) throw new ZerodropError('E_GRPC_REFLECTION', `the server's reflection gave ${[...files.keys()].join(', ')} for ${opts.service} but not the files they import: ${[...unavailable].join(', ')}`);
  return files;
}

function answerError(r: ReflectionResponse, asked: string): ZerodropError {
  const code = r.errorResponse?.errorCode ?? 0;
  return new ZerodropError('E_GRPC_REFLECTION', `the server's reflection answered ${asked} with ${grpc.status[code] ?? code}: ${r.errorResponse?.errorMessage ?? ''}`);
}

/**
 * A failed reflection call (a grpc-js error: status code and details) in words: no reflection
 * (UNIMPLEMENTED), the reachability check's error (UNAVAILABLE, DEADLINE_EXCEEDED), or the status as it came.
 */
export function reflectionCallError(err: unknown, opts: { version: ReflectionVersion; service: string; url: string; timeoutMs: number }): ZerodropError {
  const version = opts.version;
  const u = new URL(opts.url);
  const hostPort = `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  const e = err as { code?: number; details?: string; message?: string };
  const status = typeof e.code === 'number' ? (grpc.status[e.code] ?? String(e.code)) : 'no status';
  if (isStatus(err, grpc.status.UNIMPLEMENTED)) {
    return new ZerodropError('E_GRPC_NO_REFLECTION', `no --proto was given for ${opts.service}, and the gRPC server at ${hostPort} does not serve reflection (grpc.reflection.v1 and v1alpha ServerReflection: UNIMPLEMENTED)`);
  }
  if (isStatus(err, grpc.status.UNAVAILABLE) || isStatus(err, grpc.status.DEADLINE_EXCEEDED)) {
    const details = e.details ?? e.message ?? '';
    // grpc-js words the connection's error in its details: "No connection established. Last error: Error: connect ECONNREFUSED ...".
    const last = /Last error: (?:\w*Error: )?(.*?)(?:\. Resolution note:.*)?$/.exec(details)?.[1] ?? details;
    const code = isStatus(err, grpc.status.DEADLINE_EXCEEDED) ? 'ETIMEDOUT' : (/\b(E[A-Z]{4,}|ERR_[A-Z0-9_]+|[A-Z_]*CERT[A-Z_]*|UNABLE_TO_[A-Z_]+)\b/.exec(details)?.[1] ?? '');
    const tlsText = code === '' && /certificate|ssl|tls|handshake/i.test(last);
    const { why, hint } = tlsText
      ? { why: `the TLS handshake with ${hostPort} failed (${last})`, hint: explainConnectError('ERR_TLS_', u, opts.timeoutMs).hint }
      : code === ''
        ? { why: last, hint: 'Check the URL, the network path and the service logs.' }
        : explainConnectError(code, u, opts.timeoutMs);
    return new CouldNotRunError('E_TARGET_UNREACHABLE', `cannot reach ${redactUrl(opts.url)} for its reflection (${version}): ${why}`, { hint, cause: err });
  }
  return new ZerodropError('E_GRPC_REFLECTION', `the server's reflection call (${version}) for ${opts.service} failed: ${status}: ${e.details ?? e.message ?? ''}`, { cause: err });
}

function interrupted(): ZerodropError {
  return new ZerodropError('E_INTERRUPTED', "interrupted while asking the gRPC server's reflection, before the traffic started: no report was written", { exitCode: EXIT.interrupted });
}
