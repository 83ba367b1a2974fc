import { CouldNotRunError } from '../errors.js';
import { redactUrl } from '../scenario/redact.js';
import { errorCodeOf } from './classify.js';
import { buildDispatchOptions, buildPool, parseTargetUrl } from './target.js';
import type { TargetOptions } from './target.js';

/** What the preflight request needs: the target part of LoadOptions (keepAlive is irrelevant). */
export type PreflightOptions = Omit<TargetOptions, 'keepAlive'>;

const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_OSSL_|HOSTNAME_MISMATCH)/;

/** Turns the error code of a failed preflight into a sentence and a hint the user can act on. */
function explain(code: string, u: URL, timeoutMs: number): { why: string; hint: string } {
  const hostPort = `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  if (code === 'ECONNREFUSED') {
    return {
      why: `connection refused by ${hostPort}`,
      hint: 'Nothing is listening there: start the service (or a port-forward to it) and check the host and port of the URL.',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL' || code === 'EAI_NONAME') {
    return {
      why: `the host name ${u.hostname} could not be resolved (${code})`,
      hint: 'Check the host name. Cluster-internal Service names only resolve inside the cluster: use a port-forward or an ingress address from outside.',
    };
  }
  if (TLS_CODE.test(code)) {
    return {
      why: `the TLS handshake with ${hostPort} failed (${code})`,
      hint: 'Trust the CA that signed the server certificate (ca), or set insecure: true to skip verification in a test environment. Check http vs https too.',
    };
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT' || code === 'TimeoutError') {
    return {
      why: `no answer from ${hostPort} within ${timeoutMs} ms (${code})`,
      hint: 'Check that the URL points at the service and that no firewall or network policy drops the traffic; raise the timeout if the service is slow to answer.',
    };
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { why: `${hostPort} is unreachable (${code})`, hint: 'Check the address and the network path (VPN, port-forward, cluster network).' };
  }
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') {
    return {
      why: `${hostPort} closed the connection before answering (${code})`,
      hint: 'Check the scheme (http vs https) and the port: a TLS port spoken to in plain HTTP, or the reverse, often looks like this.',
    };
  }
  return { why: `the request failed (${code})`, hint: 'Check the URL, the network path and the service logs.' };
}

/**
 * Sends one request before the run so an unreachable target fails fast with a clear message
 * (exit 4) instead of producing a run full of `refused`. Any HTTP answer, even a 500, counts as
 * reachable: judging answers is the run's job.
 */
export async function checkReachable(opts: PreflightOptions): Promise<void> {
  const u = parseTargetUrl(opts.url);
  const pool = buildPool({ ...opts, keepAlive: true }, 1);
  const d = buildDispatchOptions({ ...opts, keepAlive: true });
  try {
    const res = await pool.request({
      path: d.path,
      method: d.method,
      headers: d.headers ?? null,
      body: d.body ?? null,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: AbortSignal.timeout(opts.timeoutMs + 50),
    });
    await res.body.dump();
  } catch (err) {
    const code = errorCodeOf(err);
    const { why, hint } = explain(code, u, opts.timeoutMs);
    throw new CouldNotRunError('E_TARGET_UNREACHABLE', `cannot reach ${redactUrl(opts.url)}: ${why}`, { hint, cause: err });
  } finally {
    await pool.destroy().catch(() => undefined);
  }
}
