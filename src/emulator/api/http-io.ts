import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from './api-error.js';
import { decodeK8sProtobuf, PROTOBUF_CONTENT_TYPE } from './protobuf.js';

/** Largest request body the emulated API server reads (as upstream's 3 MiB limit). */
export const MAX_BODY = 3 * 1024 * 1024;

/** Writes a JSON answer with the headers the real API server sends. */
export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

/** Answers with the Status of an ApiError (any other error is a 500 InternalError); ends the response when headers already went out. */
export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

/** Reads the whole request body; 413 RequestEntityTooLarge past MAX_BODY. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Decodes a request body by its Content-Type: JSON (the default), YAML or Kubernetes protobuf; 415 for anything else. */
export function parseObjectBody(contentType: string | undefined, body: Buffer): unknown {
  const base = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (base === PROTOBUF_CONTENT_TYPE) return decodeK8sProtobuf(body);
  const text = body.toString('utf8');
  try {
    if (base === 'application/json' || base === '') return JSON.parse(text) as unknown;
    if (base === 'application/yaml' || base === 'application/x-yaml' || base === 'text/yaml') return parseYaml(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding body: ${err instanceof Error ? err.message : String(err)}`);
  }
  throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
}

/** True for a plain JSON object (not null, not an array). */
export function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
