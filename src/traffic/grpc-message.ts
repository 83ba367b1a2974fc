import { createRequire } from 'node:module';
import type * as protobuf from 'protobufjs';
import type { Type } from 'protobufjs';
import { InvalidInputError, ProblemList } from '../errors.js';

/**
 * protobufjs is loaded on the first gRPC call only (it is CommonJS, so a synchronous require
 * serves the synchronous checks): a plain HTTP run never needs its ~35 modules, which every run
 * used to load at start.
 */
const requireCjs = createRequire(import.meta.url);
let protobufjs: typeof protobuf | undefined;
function pb(): typeof protobuf {
  return (protobufjs ??= requireCjs('protobufjs') as typeof protobuf);
}

/** What a gRPC unary call sends, as a scenario names it. */
export interface GrpcCallSpec {
  /** The .proto file that declares the service (absolute, or relative to the working directory). */
  protoFile: string;
  /** `package.Service/Method` (a leading `/` and `package.Service.Method` are accepted too). */
  method: string;
  /** The request message as JSON data (proto3 JSON: field names as declared or lowerCamelCase). */
  message: unknown;
}

/** A gRPC call ready to send: its HTTP/2 path and its request, framed as the wire carries it. */
export interface PreparedGrpcCall {
  /** `/package.Service/Method`. */
  path: string;
  /** The request message behind gRPC's 5-byte prefix (uncompressed flag, big-endian length). */
  frame: Uint8Array;
}

/** Field paths the problems of prepareGrpcCall are reported under. */
export interface GrpcFieldPaths {
  proto: string;
  method: string;
  message: string;
}

const DEFAULT_PATHS: GrpcFieldPaths = { proto: 'grpc.proto', method: 'grpc.method', message: 'grpc.message' };

/** gRPC's length-prefixed message: flag 0 (not compressed), then the length as uint32 big-endian. */
export function frameGrpcMessage(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.length);
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, 5);
  return out;
}

const camel = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The message as protobufjs's fromObject takes it (fields by their declared names, with the
 * proto loaded keepCase), or the first reason it does not fit the type: an unknown field, which
 * fromObject would silently drop, or a value verify rejects.
 */
function normalize(type: Type, value: unknown, where: string, problems: string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${where || type.name}: expected a JSON object for ${type.fullName.slice(1)}, got ${JSON.stringify(value)}`);
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key] ?? Object.values(type.fields).find((f) => camel(f.name) === key);
    const at = where === '' ? key : `${where}.${key}`;
    if (field === undefined) {
      problems.push(`no field "${at}" (fields: ${Object.keys(type.fields).join(', ') || 'none'})`);
      continue;
    }
    field.resolve();
    const sub = field.resolvedType;
    if (sub instanceof pb().Type && v !== null && !sub.fullName.startsWith('.google.protobuf.')) {
      if (field.map && typeof v === 'object') out[field.name] = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, normalize(sub, x, `${at}.${k}`, problems)]));
      else if (field.repeated && Array.isArray(v)) out[field.name] = v.map((x, i) => normalize(sub, x, `${at}[${i}]`, problems));
      else out[field.name] = normalize(sub, v, at, problems);
    } else if (sub instanceof pb().Enum) {
      // proto3 JSON names enum values; protobufjs's verify takes only their numbers.
      const num = (x: unknown, where: string): unknown => {
        if (typeof x !== 'string') return x;
        const n = sub.values[x];
        if (n === undefined) problems.push(`${where}: no value ${x} in ${sub.fullName.slice(1)} (values: ${Object.keys(sub.values).join(', ')})`);
        return n ?? x;
      };
      if (field.map && typeof v === 'object' && v !== null) out[field.name] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, num(x, `${at}.${k}`)]));
      else if (field.repeated && Array.isArray(v)) out[field.name] = v.map((x, i) => num(x, `${at}[${i}]`));
      else out[field.name] = num(v, at);
    } else {
      out[field.name] = v;
    }
  }
  return out;
}

/** A method name split into its service and method, or undefined when it is not `package.Service/Method` (or `.Method`, with or without a leading `/`). */
export function parseGrpcMethod(method: string): { service: string; method: string } | undefined {
  const m = /^\/?([A-Za-z_][\w.]*)[/.]([A-Za-z_]\w*)$/.exec(method);
  return m === null ? undefined : { service: m[1]!, method: m[2]! };
}

/** The problem message of a method name parseGrpcMethod refuses. */
export function badMethodMessage(method: string): string {
  return `"${method}" is not a gRPC method: use package.Service/Method, e.g. zerodrop.demo.Greeter/SayHello`;
}

/**
 * Loads the .proto, finds the method and encodes the request message, checking each step: the
 * file is readable and parses, the service and method exist (and are unary), and the message fits
 * the request type. Every problem is reported under `paths` at once (InvalidInputError).
 */
export function prepareGrpcCall(spec: GrpcCallSpec, paths: GrpcFieldPaths = DEFAULT_PATHS): PreparedGrpcCall {
  const p = new ProblemList();
  let root: protobuf.Root;
  try {
    root = new (pb().Root)().loadSync(spec.protoFile, { keepCase: true });
    root.resolveAll();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    p.add(paths.proto, e.code === 'ENOENT' ? `proto file not found: ${spec.protoFile}` : `cannot load ${spec.protoFile}: ${e.message}`);
    p.throwIfAny();
    throw err;
  }
  return encodeGrpcCall(root, spec.protoFile, spec, paths);
}

/**
 * Finds the method in `root` (types by their declared field names: a .proto loaded keepCase, or
 * descriptors from server reflection) and encodes the request message, with the checks of
 * prepareGrpcCall; `source` names where the types came from in the problems (a file, "the server's reflection").
 */
export function encodeGrpcCall(root: protobuf.Root, source: string, spec: Omit<GrpcCallSpec, 'protoFile'>, paths: GrpcFieldPaths = DEFAULT_PATHS): PreparedGrpcCall {
  const p = new ProblemList();
  const parsed = parseGrpcMethod(spec.method);
  if (parsed === undefined) {
    p.add(paths.method, badMethodMessage(spec.method));
    p.throwIfAny();
  }
  const { service: serviceName, method: methodName } = parsed!;
  const services: string[] = [];
  const collect = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof pb().Service) services.push(o.fullName.slice(1));
      if (o instanceof pb().Namespace) collect(o);
    }
  };
  collect(root);
  const service = root.lookup(serviceName);
  if (!(service instanceof pb().Service)) {
    p.add(paths.method, `no service ${serviceName} in ${source} (services: ${services.join(', ') || 'none'})`);
    p.throwIfAny();
  }
  const svc = service as protobuf.Service;
  const method = svc.methods[methodName];
  if (method === undefined) {
    p.add(paths.method, `service ${serviceName} has no method ${methodName} (methods: ${Object.keys(svc.methods).join(', ')})`);
    p.throwIfAny();
  }
  if (method!.requestStream === true || method!.responseStream === true) {
    p.add(paths.method, `${serviceName}/${methodName} is a streaming method; only unary calls are load-tested`);
    p.throwIfAny();
  }
  method!.resolve();
  const type = method!.resolvedRequestType!;
  const problems: string[] = [];
  const normalized = normalize(type, spec.message ?? {}, '', problems);
  if (problems.length === 0) {
    const why = type.verify(normalized as Record<string, unknown>);
    if (why !== null) problems.push(why);
  }
  for (const why of problems) p.add(paths.message, `does not fit ${type.fullName.slice(1)}: ${why}`);
  p.throwIfAny();
  const bytes = type.encode(type.fromObject(normalized as Record<string, unknown>)).finish();
  return { path: `/${svc.fullName.slice(1)}/${method!.name}`, frame: frameGrpcMessage(bytes) };
}

/** The InvalidInputError of a gRPC call that cannot be prepared (see prepareGrpcCall), or undefined when it can. */
export function checkGrpcCall(spec: GrpcCallSpec, paths?: GrpcFieldPaths): InvalidInputError | undefined {
  try {
    prepareGrpcCall(spec, paths);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidInputError) return err;
    throw err;
  }
}
