import { redactUrl } from '../../redact.js';
import { CLIENT_CHOICES, CLIENT_KINDS, nodeHttp2Refusal, undiciRefusal } from '../../traffic/client-kind.js';
import type { ClientKind } from '../../traffic/client-kind.js';
import type { ScenarioFlags } from '../fields.js';
import { HEADER_NAME, parseDuration, parseHeader, parseStatusRanges } from '../parse.js';
import type { Scenario } from '../types.js';
import { resolveGrpc } from './grpc.js';
import { isObject, type ResolveContext, type ScenarioReader } from './reader.js';

/** Request headers a scenario may not set, with what to do instead. */
const FRAMING_HEADERS: Record<string, string> = {
  connection: 'keep-alive is the default; use --no-keep-alive (target.keepAlive: false) for a new connection per request',
  'keep-alive': 'connections stay open while the target keeps them; use --no-keep-alive (target.keepAlive: false) for a new connection per request',
  'content-length': 'it follows the body (--body)',
  'transfer-encoding': 'bodies are sent with a content-length',
  upgrade: 'protocol upgrades are not load-tested; use --http2 for HTTP/2 (over TLS, or h2c with prior knowledge over http://)',
  expect: '100-continue is not supported; the body is sent with the request',
};

/**
 * The `target` section: where the requests go and what they are. Headers merge the file's with
 * `--header` (flags win per name), `--body @file` reads a file; `fileData` is the file as given
 * (its headers are read before any flag is written in).
 */
export function resolveTarget(r: ScenarioReader, flags: Pick<ScenarioFlags, 'header' | 'body' | 'metadata'>, fileData: unknown, ctx: ResolveContext): Scenario['target'] {
  const { problems, label, take, optional, bool, text } = r;
  let url = text('target.url');
  const grpcAsked = r.get('target.grpc') !== undefined || flags.metadata !== undefined;
  const serviceGiven = r.get('kubernetes.service') !== undefined || r.get('kubernetes.loadBalancer') !== undefined;
  if (url === undefined && r.get('target.url') === undefined && !serviceGiven) {
    problems.add('target.url', 'no target: give --url http://host:port/path (or target.url), or the Kubernetes Service with --service (kubernetes.service)');
  } else if (url !== undefined) {
    let parsedUrl: URL | undefined;
    try {
      parsedUrl = new URL(url);
    } catch {
      problems.add(label('target.url'), `"${redactUrl(url)}" is not a URL: use e.g. http://127.0.0.1:8080/health`);
    }
    const grpcScheme = parsedUrl?.protocol === 'grpc:' || parsedUrl?.protocol === 'grpcs:';
    // A WebSocket load may name its target ws:// or wss:// (http:// and https:// work too).
    const wsOk = r.get('load.kind') === 'websocket' && (parsedUrl?.protocol === 'ws:' || parsedUrl?.protocol === 'wss:');
    if (grpcScheme && !grpcAsked) {
      problems.add(label('target.url'), `a ${parsedUrl!.protocol}// target needs the method to call: add --grpc-method (target.grpc.method), and --proto FILE unless the server serves reflection`);
    } else if (parsedUrl && !grpcScheme && !wsOk && parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
      problems.add(label('target.url'), `only http://, https://, grpc:// and grpcs:// (and ws://, wss:// for --load-kind websocket) targets are supported, got ${parsedUrl.protocol}`);
    }
  }
  const method = (text('target.method') ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) problems.add(label('target.method'), `"${method}" is not an HTTP method`);

  const headers: Record<string, string> = {};
  const fileHeaders = isObject(fileData) && isObject(fileData.target) ? fileData.target.headers : undefined;
  if (isObject(fileHeaders)) {
    for (const [k, v] of Object.entries(fileHeaders)) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
      else problems.add(`target.headers.${k}`, `a header value must be a text, got ${JSON.stringify(v)}`);
    }
  } else if (Array.isArray(fileHeaders)) {
    fileHeaders.forEach((h, i) => {
      const p = take(`target.headers[${i}]`, parseHeader(h));
      if (p) headers[p[0]] = p[1];
    });
  } else if (fileHeaders !== undefined) {
    problems.add('target.headers', 'expected a mapping of header names to values, or a list of "Name: value"');
  }
  for (const h of flags.header ?? []) {
    const p = take('--header', parseHeader(h));
    if (p) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === p[0].toLowerCase()) delete headers[existing];
      headers[p[0]] = p[1];
    }
  }

  // Framing and connection headers are the client's to write (both clients frame each request
  // themselves; undici refuses most of these outright): say what to use instead.
  for (const name of Object.keys(headers)) {
    const why = FRAMING_HEADERS[name.toLowerCase()];
    if (why !== undefined) problems.add(`target.headers.${name}`, `zerodrop writes this header itself: ${why}`);
  }

  let body: string | undefined;
  const bodyFlag = flags.body;
  const bodyFile = text('target.bodyFile');
  const readBody = (path: string, fromFlag: boolean, where: string): string | undefined => {
    try {
      return ctx.readText(ctx.resolvePath(path, fromFlag));
    } catch (err) {
      problems.add(where, `cannot read body file "${path}": ${(err as Error).message}`);
      return undefined;
    }
  };
  if (bodyFlag !== undefined) {
    body = bodyFlag.startsWith('@') ? readBody(bodyFlag.slice(1), true, '--body') : bodyFlag;
  } else if (bodyFile !== undefined) {
    body = readBody(bodyFile, false, 'target.bodyFile');
  } else {
    const b = r.get('target.body');
    if (b !== undefined) body = typeof b === 'string' ? b : JSON.stringify(b);
  }

  const timeoutMs = optional('target.timeout', parseDuration, 2000);
  if (timeoutMs <= 0) problems.add(label('target.timeout'), 'the request timeout must be above 0, e.g. 2s');
  const caPath = text('target.ca');
  const http2 = bool('target.http2', false);

  const podHeaderName = text('target.podHeader');
  if (podHeaderName !== undefined && !HEADER_NAME.test(podHeaderName)) problems.add(label('target.podHeader'), `"${podHeaderName}" is not a header name, e.g. x-pod-name`);
  const clientName = text('target.client') ?? 'auto';
  let client: ClientKind | undefined;
  if (clientName !== 'auto' && !(CLIENT_KINDS as readonly string[]).includes(clientName)) {
    problems.add(label('target.client'), `unknown client "${clientName}": choose auto, ${CLIENT_CHOICES}`);
  } else if (clientName !== 'auto') {
    client = clientName as ClientKind;
    const refusal = client === 'undici' ? undiciRefusal(url ?? 'https:', http2) : undefined;
    if (refusal !== undefined) problems.add(label('target.client'), `${refusal}: use --client lean (or auto) for cleartext HTTP/2 (h2c)`);
    const h2only = client === 'node-http2' ? nodeHttp2Refusal(http2) : undefined;
    if (h2only !== undefined) problems.add(label('target.client'), h2only);
  }
  const successStatus = optional('target.successStatus', parseStatusRanges, [[200, 399]] as Array<[number, number]>);

  let path = text('target.path') ?? '/';
  let urlTls: boolean | undefined;
  if (url !== undefined && grpcAsked) {
    try {
      const p = new URL(url).protocol;
      urlTls = p === 'grpcs:' || p === 'https:';
    } catch {
      // reported above
    }
  }
  const grpc = grpcAsked ? resolveGrpc(r, flags, fileData, ctx, timeoutMs, urlTls) : undefined;
  if (grpcAsked) {
    // A gRPC call is an HTTP/2 POST of the framed message to /package.Service/Method.
    if (http2) problems.add(label('target.http2'), 'gRPC always speaks HTTP/2: drop --http2');
    if (body !== undefined) problems.add(bodyFlag !== undefined ? '--body' : 'target.body', 'a gRPC call sends its message: give it as JSON with --data (target.grpc.message)');
    if (clientName !== 'auto') problems.add(label('target.client'), 'gRPC calls go through zerodrop\'s own HTTP/2 client: drop --client');
    if (r.get('target.method') !== undefined) problems.add(label('target.method'), 'a gRPC call is always a POST: drop --method');
    if (r.get('load.agents') !== undefined) problems.add('load.agents', 'gRPC load from agent pods is not supported yet: generate it from this process');
    if (grpc !== undefined) {
      path = grpc.path;
      if (url !== undefined) {
        try {
          const u = new URL(url);
          url = `${grpc.spec.tls ? 'https' : 'http'}://${u.host}${grpc.path}`;
        } catch {
          // reported above
        }
      }
    }
  }

  return {
    url,
    path,
    ...(grpc === undefined ? {} : { grpc: grpc.spec }),
    method: grpcAsked ? 'POST' : method,
    headers,
    body,
    timeoutMs,
    keepAlive: bool('target.keepAlive', true),
    http2,
    caFile: caPath === undefined ? undefined : ctx.resolvePath(caPath, r.fromFlag('target.ca')),
    insecure: bool('target.insecure', false),
    successStatus,
    podHeader: podHeaderName,
    client,
  };
}
