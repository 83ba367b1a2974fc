import { badMethodMessage, checkGrpcCall, parseGrpcMethod } from '../../traffic/grpc-message.js';
import type { ScenarioFlags } from '../fields.js';
import { HEADER_NAME, parseDuration } from '../parse.js';
import type { GrpcSpec } from '../types.js';
import { isObject, type ResolveContext, type ScenarioReader } from './reader.js';

/** What resolving `target.grpc` gives: the spec, and the path the calls go to (/package.Service/Method). */
export interface ResolvedGrpc {
  spec: GrpcSpec;
  path: string;
}

/**
 * `target.grpc`: gRPC unary calls instead of HTTP requests (undefined when the section and the
 * grpc flags are absent). The .proto is loaded, the method found and the message encoded here, so
 * a wrong proto path, method or message is an input problem before anything runs; without a
 * .proto, the runner asks the server's reflection before the traffic (runner/grpc-reflection-step.ts)
 * and only the method's form and the message's JSON are checked here. `urlTls` is
 * what the URL's scheme says (grpcs:/https: true, grpc:/http: false; undefined without a URL).
 */
export function resolveGrpc(r: ScenarioReader, flags: Pick<ScenarioFlags, 'metadata'>, fileData: unknown, ctx: ResolveContext, timeoutMs: number, urlTls: boolean | undefined): ResolvedGrpc | undefined {
  const { problems, label, text, optional } = r;
  const raw = r.get('target.grpc');
  if (raw === undefined && flags.metadata === undefined) return undefined;
  if (raw !== undefined && !isObject(raw)) {
    problems.add('target.grpc', 'expected a mapping: method, proto, message, metadata, deadline, tls');
    return undefined;
  }
  const method = text('target.grpc.method');
  if (method === undefined) problems.add(label('target.grpc.method'), 'which gRPC method? e.g. --grpc-method zerodrop.demo.Greeter/SayHello');
  const protoGiven = text('target.grpc.proto');
  const protoFile = protoGiven === undefined ? undefined : ctx.resolvePath(protoGiven, r.fromFlag('target.grpc.proto'));

  let message: unknown = {};
  const m = r.get('target.grpc.message');
  if (typeof m === 'string') {
    let textValue: string | undefined = m;
    if (m.startsWith('@')) {
      try {
        textValue = ctx.readText(ctx.resolvePath(m.slice(1), r.fromFlag('target.grpc.message')));
      } catch (err) {
        problems.add(label('target.grpc.message'), `cannot read the message file "${m.slice(1)}": ${(err as Error).message}`);
        textValue = undefined;
      }
    }
    if (textValue !== undefined) {
      try {
        message = JSON.parse(textValue);
      } catch (err) {
        problems.add(label('target.grpc.message'), `not JSON: ${(err as Error).message}; give the message as a JSON object, e.g. '{"name":"zerodrop"}'`);
      }
    }
  } else if (m !== undefined) {
    message = m;
  }

  const metadata: Record<string, string> = {};
  const fileMd = isObject(fileData) && isObject(fileData.target) && isObject(fileData.target.grpc) ? fileData.target.grpc.metadata : undefined;
  const addMd = (key: string, value: string, where: string): void => {
    const k = key.trim().toLowerCase();
    if (!HEADER_NAME.test(k) || k.startsWith('grpc-')) problems.add(where, `"${key}" is not a metadata key you may set (letters, digits, - _ .; grpc-* is reserved)`);
    else metadata[k] = value;
  };
  if (isObject(fileMd)) {
    for (const [k, v] of Object.entries(fileMd)) {
      if (typeof v === 'string' || typeof v === 'number') addMd(k, String(v), `target.grpc.metadata.${k}`);
      else problems.add(`target.grpc.metadata.${k}`, `a metadata value must be a text, got ${JSON.stringify(v)}`);
    }
  } else if (fileMd !== undefined) {
    problems.add('target.grpc.metadata', 'expected a mapping of metadata keys to values');
  }
  for (const kv of flags.metadata ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) problems.add('--metadata', `"${kv}" is not key=value, e.g. --metadata x-tenant=blue`);
    else addMd(kv.slice(0, eq), kv.slice(eq + 1), '--metadata');
  }

  const deadlineMs = optional('target.grpc.deadline', parseDuration, timeoutMs);
  if (deadlineMs <= 0) problems.add(label('target.grpc.deadline'), 'the deadline must be above 0, e.g. 1s');
  const tlsSet = r.get('target.grpc.tls');
  const tls = r.bool('target.grpc.tls', urlTls ?? false);
  if (tlsSet !== undefined && urlTls !== undefined && tls !== urlTls) {
    problems.add(label('target.grpc.tls'), `the URL's scheme says ${urlTls ? 'TLS' : 'plaintext'}: use ${tls ? 'grpcs://' : 'grpc://'} or drop the flag`);
  }

  if (method === undefined) return undefined;
  if (protoFile === undefined) {
    // The server's reflection describes the method: its form and the message's shape are all there is to check now.
    const before = problems.problems.length;
    if (parseGrpcMethod(method) === undefined) problems.add(label('target.grpc.method'), badMethodMessage(method));
    if (typeof message !== 'object' || message === null || Array.isArray(message)) problems.add(label('target.grpc.message'), `expected a JSON object, got ${JSON.stringify(message)}`);
    if (problems.problems.length > before) return undefined;
  }
  const err = protoFile === undefined ? undefined : checkGrpcCall({ protoFile, method, message }, { proto: label('target.grpc.proto'), method: label('target.grpc.method'), message: label('target.grpc.message') });
  if (err !== undefined) {
    for (const p of err.problems) problems.add(p.path, p.message);
    return undefined;
  }
  const slash = method.replace(/^\//, '');
  const i = slash.includes('/') ? slash.lastIndexOf('/') : slash.lastIndexOf('.');
  return { spec: { method: `${slash.slice(0, i)}/${slash.slice(i + 1)}`, ...(protoFile === undefined ? {} : { protoFile }), message, metadata, deadlineMs, tls }, path: `/${slash.slice(0, i)}/${slash.slice(i + 1)}` };
}
