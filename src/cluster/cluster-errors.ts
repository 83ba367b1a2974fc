import { ApiException } from '@kubernetes/client-node';
import { CouldNotRunError, ZerodropError } from '../errors.js';

/** The HTTP code of a failed API call, or undefined when the call never got an answer. */
export function apiErrorCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; statusCode?: unknown };
    if (typeof e.statusCode === 'number') return e.statusCode;
    if (typeof e.code === 'number' && e.code >= 100 && e.code < 600) return e.code;
  }
  return undefined;
}

/** The message of a Kubernetes Status body (or of the error itself), for error text. */
export function apiErrorMessage(err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        // not JSON: use it as is
      }
      if (body.length > 0) return body.slice(0, 300);
    } else if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') {
      return (body as { message: string }).message;
    }
    return `HTTP ${err.code}`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/** True when the error says the API server could not be reached at all (no HTTP answer). */
export function isNetworkError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const o = e as { code?: unknown; errno?: unknown; type?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && (NETWORK_CODES.has(o.code) || o.code.startsWith('ERR_TLS') || o.code.includes('CERT'))) return true;
    if (typeof o.errno === 'string' && NETWORK_CODES.has(o.errno)) return true;
    if (o.type === 'system' || o.type === 'request-timeout') return true;
    e = o.cause;
  }
  return false;
}

/**
 * Turns a failed API call into a ZerodropError: 401/403 and unreachable servers become
 * CouldNotRunError with a hint; other codes a CouldNotRunError naming the call. ZerodropErrors
 * pass through unchanged.
 */
export function mapApiError(err: unknown, what: string, server: string): ZerodropError {
  if (err instanceof ZerodropError) return err;
  const code = apiErrorCode(err);
  if (code === 401) {
    return new CouldNotRunError('E_CLUSTER_UNAUTHORIZED', `the API server at ${server} rejected our credentials while trying to ${what} (401 Unauthorized)`, {
      hint: 'check the user of the kubeconfig context (token or client certificate expired?); `kubectl auth whoami` shows who you are',
      cause: err,
    });
  }
  if (code === 403) {
    return new CouldNotRunError('E_CLUSTER_FORBIDDEN', `not allowed to ${what}: ${apiErrorMessage(err)} (403 Forbidden)`, {
      hint: 'zerodrop needs get/list/watch/patch on deployments and replicasets, get/list/watch on pods, services and endpointslices; check with `kubectl auth can-i`',
      cause: err,
    });
  }
  if (code === undefined && isNetworkError(err)) {
    return new CouldNotRunError('E_CLUSTER_UNREACHABLE', `could not reach the API server at ${server} while trying to ${what}: ${apiErrorMessage(err)}`, {
      hint: 'is the cluster running and the kubeconfig context right? `kubectl --context <ctx> version` should answer',
      cause: err,
    });
  }
  if (code === undefined && err instanceof Error && /HTTP protocol is not allowed/.test(err.message)) {
    return new CouldNotRunError('E_CLUSTER_PLAIN_HTTP', `the API server ${server} is plain HTTP, which @kubernetes/client-node refuses unless TLS verification is skipped`, {
      hint: 'use the https:// address of the API server, or set insecure-skip-tls-verify: true on that cluster in the kubeconfig',
      cause: err,
    });
  }
  return new CouldNotRunError('E_CLUSTER_API', `could not ${what}: ${apiErrorMessage(err)}${code === undefined ? '' : ` (HTTP ${code})`}`, { cause: err });
}
