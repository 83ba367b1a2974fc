import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** Upstream probe defaults (core/v1 SetDefaults_Probe). */
export const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 } as const;

/** A probe's timing, defaults applied. */
export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

function num(v: unknown, dflt: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
}

/** Reads a probe's timing fields with the upstream defaults and minimums. */
export function probeTiming(probe: any): ProbeTiming {
  return {
    initialDelayMs: num(probe?.initialDelaySeconds, PROBE_DEFAULTS.initialDelaySeconds, 0) * 1000,
    periodMs: num(probe?.periodSeconds, PROBE_DEFAULTS.periodSeconds, 1) * 1000,
    timeoutMs: num(probe?.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds, 1) * 1000,
    successThreshold: num(probe?.successThreshold, PROBE_DEFAULTS.successThreshold, 1),
    failureThreshold: num(probe?.failureThreshold, PROBE_DEFAULTS.failureThreshold, 1),
  };
}

/** What a probe or hook handler needs to reach its container. */
export interface HandlerTarget {
  podIP: string;
  /** Resolves a probe port (number or container port name) to the port the process listens on. */
  resolvePort(port: unknown): number | undefined;
  env: Record<string, string>;
  cwd?: string;
}

/** A handler's result: success and a message as the kubelet would put in an event. */
export interface HandlerResult {
  ok: boolean;
  message: string;
}

/** GET with the kubelet's rules: 200-399 is success, redirects are not followed, no keep-alive. */
export function httpGetHandler(h: any, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const port = target.resolvePort(h?.port);
  if (port === undefined) return Promise.resolve({ ok: false, message: `invalid port ${String(h?.port)}` });
  const scheme = String(h?.scheme ?? 'HTTP').toUpperCase();
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.34', accept: '*/*', connection: 'close' };
  if (Array.isArray(h?.httpHeaders)) for (const x of h.httpHeaders) if (x?.name) headers[String(x.name).toLowerCase()] = String(x.value ?? '');
  const host = typeof h?.host === 'string' && h.host !== '' ? h.host : target.podIP;
  const path = typeof h?.path === 'string' && h.path !== '' ? (h.path.startsWith('/') ? h.path : `/${h.path}`) : '/';
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: HandlerResult): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const mod = scheme === 'HTTPS' ? https : http;
    const req = mod.request({ host, port, path, method: 'GET', headers, agent: false, timeout: timeoutMs, ...(scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) }, (res) => {
      const code = res.statusCode ?? 0;
      res.resume();
      res.on('error', () => undefined);
      done({ ok: code >= 200 && code < 400, message: `HTTP probe ${code >= 200 && code < 400 ? 'succeeded' : 'failed'} with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      done({ ok: false, message: `Get "${scheme.toLowerCase()}://${host}:${port}${path}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, message: `Get "${scheme.toLowerCase()}://${host}:${port}${path}": dial tcp ${host}:${port}: ${e.code === 'ECONNREFUSED' ? 'connect: connection refused' : e.message}` }));
    req.end();
  });
}

/** TCP connect check. */
export function tcpSocketHandler(h: any, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const port = target.resolvePort(h?.port);
  if (port === undefined) return Promise.resolve({ ok: false, message: `invalid port ${String(h?.port)}` });
  const host = typeof h?.host === 'string' && h.host !== '' ? h.host : target.podIP;
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    s.on('connect', () => {
      clearTimeout(t);
      s.destroy();
      resolve({ ok: true, message: 'ok' });
    });
    s.on('error', (e) => {
      clearTimeout(t);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` });
    });
  });
}

/** Runs a command in the container's environment; exit 0 is success. */
export function execHandler(h: any, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  const cmd: unknown[] = Array.isArray(h?.command) ? h.command : [];
  const [file, ...args] = cmd.map(String);
  if (file === undefined) return Promise.resolve({ ok: false, message: 'exec: no command' });
  return new Promise((resolve) => {
    let out = '';
    const p = spawn(file, args, { env: target.env, stdio: ['ignore', 'pipe', 'pipe'], ...(target.cwd === undefined ? {} : { cwd: target.cwd }) });
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      resolve({ ok: false, message: `command timed out after ${timeoutMs / 1000}s` });
    }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', (e) => {
      clearTimeout(t);
      resolve({ ok: false, message: e.message });
    });
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ ok: code === 0, message: code === 0 ? out : `command failed with exit code ${String(code)}: ${out.slice(0, 1024)}` });
    });
  });
}

/** Runs a probe (httpGet, tcpSocket or exec) once. */
export function runProbe(probe: any, target: HandlerTarget): Promise<HandlerResult> {
  const { timeoutMs } = probeTiming(probe);
  if (probe?.httpGet) return httpGetHandler(probe.httpGet, target, timeoutMs);
  if (probe?.tcpSocket) return tcpSocketHandler(probe.tcpSocket, target, timeoutMs);
  if (probe?.exec) return execHandler(probe.exec, target, timeoutMs);
  // grpc probes are not emulated; report them as failing so nothing becomes Ready by accident.
  return Promise.resolve({ ok: false, message: 'unsupported probe handler' });
}

/**
 * Runs a lifecycle hook (preStop, postStart): exec, httpGet, or the native `sleep` action. The
 * kubelet waits for it up to `timeoutMs` (for preStop, the grace period).
 */
export async function runHook(hook: any, target: HandlerTarget, timeoutMs: number): Promise<HandlerResult> {
  if (hook?.sleep) {
    const ms = Math.max(0, Number(hook.sleep.seconds ?? 0) * 1000);
    await new Promise((r) => setTimeout(r, Math.min(ms, timeoutMs)));
    return { ok: true, message: 'slept' };
  }
  if (hook?.httpGet) return httpGetHandler(hook.httpGet, target, timeoutMs);
  if (hook?.exec) return execHandler(hook.exec, target, timeoutMs);
  return { ok: false, message: 'unsupported hook handler' };
}
