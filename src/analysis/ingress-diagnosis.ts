import type { FailureClass } from '../metrics/outcome.js';
import { reloadedEndpoints, type RolloutEventRecord } from '../rollout/events.js';
import type { Diagnosis, OutageWindow } from './results.js';

/**
 * The front door's half of the diagnosis when the traffic went through an Ingress: recognises the
 * ingress's own error answers (502/503/504 that no pod answered) and names why it gave them, from
 * the controller's reload events against the pods' termination.
 */

/** What the ingress rules read. */
export interface IngressDiagnosisInput {
  outages: readonly OutageWindow[];
  /** Every rollout event of the run; `ingress-reload` events say the traffic went through an Ingress. */
  events: readonly RolloutEventRecord[];
  /** Status codes over the run. */
  statusCodes: Readonly<Record<string, number>>;
  /** Failures per pod when the responses name the pod that answered (target.podHeader): a 5xx a pod answered is the app's. */
  perPod?: Readonly<Record<string, Partial<Record<FailureClass, number>>>>;
  /** Width of the timeline intervals (default 100 ms). */
  intervalMs?: number;
  /** The Ingress the traffic went through (kubernetes.ingress), when the run knows it; else the reload events tell. */
  ingress?: string;
}

/** A diagnosis with the failures it accounts for. */
export interface IngressFinding extends Diagnosis {
  weight: number;
}

/** The status codes a proxy answers itself when its upstream fails: bad gateway, unavailable, gateway timeout. */
export const PROXY_STATUS_CODES = ['502', '503', '504'] as const;

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * How many answers came from the ingress itself: its 502/503/504, less the 5xx the pods answered
 * (named by the pod header). Without the pod header every 502/503/504 counts, and `sure` is false.
 */
export function ingressOwnErrors(statusCodes: Readonly<Record<string, number>>, perPod: IngressDiagnosisInput['perPod']): { count: number; sure: boolean } {
  const proxy = PROXY_STATUS_CODES.reduce((n, c) => n + (statusCodes[c] ?? 0), 0);
  if (perPod === undefined) return { count: proxy, sure: false };
  const all5xx = Object.entries(statusCodes).reduce((n, [c, k]) => n + (Number(c) >= 500 && Number(c) <= 599 ? k : 0), 0);
  const byPods = Object.values(perPod).reduce((n, f) => n + (f.http_5xx ?? 0), 0);
  return { count: Math.max(0, Math.min(proxy, all5xx - byPods)), sure: true };
}

/** One pod the ingress still routed to after it had stopped: from its termination to the reload that removed it. */
export interface StaleEndpoint {
  pod: string;
  terminatingMs: number;
  /** When the pod was gone (its process ended and it was deleted). */
  goneMs: number;
  /** The reload that removed it from the upstream (undefined: none did while the run watched). */
  removedMs: number | undefined;
}

/**
 * Pods that were gone before the ingress's reload removed them: the ingress kept sending to an
 * address where nothing listened any more (or that closed its connections under it).
 */
export function staleEndpoints(events: readonly RolloutEventRecord[]): StaleEndpoint[] {
  const sorted = [...events].sort((a, b) => a.tMs - b.tMs);
  const out: StaleEndpoint[] = [];
  const seen = new Set<string>();
  for (const e of sorted) {
    if (e.type !== 'pod-terminating' || !e.object.startsWith('pod/')) continue;
    const pod = e.object.slice(4);
    if (seen.has(pod)) continue;
    seen.add(pod);
    const gone = sorted.find((x) => x.tMs >= e.tMs && x.type === 'pod-deleted' && x.object === e.object);
    if (gone === undefined) continue;
    const removed = sorted.find((x) => x.tMs >= e.tMs && x.type === 'ingress-reload' && reloadedEndpoints(x.message).removed.includes(pod));
    if (removed === undefined || removed.tMs > gone.tMs) out.push({ pod, terminatingMs: e.tMs, goneMs: gone.tMs, removedMs: removed?.tMs });
  }
  return out;
}

/** How long after a reload a client-side cut is blamed on it: the old workers close their idle client connections at once. */
export const RELOAD_CUT_WINDOW_MS = 1000;

/** Resets and other connection failures (a cut keep-alive connection) of the windows that start within RELOAD_CUT_WINDOW_MS of a reload. */
function reloadCuts(input: IngressDiagnosisInput): { count: number; windows: OutageWindow[] } {
  const reloads = input.events.filter((e) => e.type === 'ingress-reload').map((e) => e.tMs);
  const step = input.intervalMs ?? 100;
  const windows = input.outages.filter((o) => (o.failures.reset ?? 0) + (o.failures.other ?? 0) > 0 && reloads.some((t) => o.startMs >= t - step && o.startMs <= t + RELOAD_CUT_WINDOW_MS));
  return { count: windows.reduce((n, o) => n + (o.failures.reset ?? 0) + (o.failures.other ?? 0), 0), windows };
}

function proxyFailuresIn(outages: readonly OutageWindow[], from: number, to: number): number {
  let n = 0;
  for (const o of outages) if (o.startMs < to && o.endMs > from) n += o.failures.http_5xx ?? 0;
  return n;
}

/**
 * The outage windows without the 5xx the ingress answered itself while it routed to stopped pods,
 * for the pod-level rules: those failures are the front door's, already named by
 * {@link diagnoseIngress}, and would otherwise be blamed on whatever pod event sits nearby (a new
 * pod becoming ready, in a rolling update).
 */
export function withoutIngressErrors(input: IngressDiagnosisInput): OutageWindow[] {
  if (!input.events.some((e) => e.type === 'ingress-reload')) return [...input.outages];
  const cuts = new Set(reloadCuts(input).windows);
  const uncut = input.outages.map((o) => (cuts.has(o) ? { ...o, failures: { ...o.failures, reset: 0, other: 0 } } : o));
  if (ingressOwnErrors(input.statusCodes, input.perPod).count === 0) return uncut;
  const step = input.intervalMs ?? 100;
  const lastMs = Math.max(...input.events.map((e) => e.tMs));
  const spans = staleEndpoints(input.events).map((s) => [s.terminatingMs - step, (s.removedMs ?? lastMs) + step] as const);
  return uncut.map((o) => (spans.some(([a, b]) => o.startMs < b && o.endMs > a) && (o.failures.http_5xx ?? 0) > 0 ? { ...o, failures: { ...o.failures, http_5xx: 0 } } : o));
}

/**
 * Reads the run as seen through an Ingress and names the causes of the ingress's own errors:
 * the pod stopped before the ingress saw its endpoint go (preStop shorter than the controller's
 * sync), or the proxy reused a keep-alive connection the pod had closed. Empty when the traffic
 * did not go through an Ingress (no `ingress-reload` event) or the ingress answered no error.
 */
export function diagnoseIngress(input: IngressDiagnosisInput): IngressFinding[] {
  const reloads = input.events.filter((e) => e.type === 'ingress-reload');
  if (reloads.length === 0 && input.ingress === undefined) return [];
  const ingress = reloads[0]?.object ?? `ingress/${input.ingress ?? ''}`;
  const own = ingressOwnErrors(input.statusCodes, input.perPod);
  const cut = reloads.length === 0 ? undefined : reloadCutFinding(ingress, input);
  if (own.count === 0) return cut === undefined ? [] : [cut];
  const step = input.intervalMs ?? 100;
  const whose = own.sure ? 'answered by the ingress itself (no pod named them)' : 'most likely from the ingress (set target.podHeader to tell its answers from the app\'s)';
  const codes = PROXY_STATUS_CODES.filter((c) => (input.statusCodes[c] ?? 0) > 0).map((c) => `${c} x${input.statusCodes[c] ?? 0}`).join(', ');
  if (reloads.length === 0) {
    // A controller that records no reloads on the Ingress (ingress-nginx on a real cluster changes
    // endpoints without one): the errors are the ingress's, but when it dropped which pod is unknown.
    return [
      {
        id: 'ingress-own-errors',
        cause: `${ingress} answered errors itself: it proxied to pods that had stopped, or reused kept-alive connections they had closed (its controller's view of the endpoints is not visible in the Ingress's events, so the run cannot tell which)`,
        evidence: `${plural(own.count, 'request')} got ${codes} ${whose}`,
        fix: "give the pods a preStop sleep longer than the ingress controller takes to drop an endpoint (ingress-nginx: ~3.3 s), drain on SIGTERM with Connection: close, and keep the app's keep-alive timeout above the proxy's upstream keep-alive timeout (ingress-nginx: 60 s)",
        weight: own.count,
      },
    ];
  }
  const found: IngressFinding[] = [];

  const stale = staleEndpoints(input.events);
  let staleFailures = 0;
  if (stale.length > 0) {
    const lastMs = Math.max(...input.events.map((e) => e.tMs));
    for (const s of stale) staleFailures += proxyFailuresIn(input.outages, s.terminatingMs - step, (s.removedMs ?? lastMs) + step);
    staleFailures = Math.min(staleFailures, own.count);
    const lags = stale.filter((s) => s.removedMs !== undefined).map((s) => (s.removedMs as number) - s.terminatingMs);
    const worst = lags.length > 0 ? Math.max(...lags) : undefined;
    const first = stale[0] as StaleEndpoint;
    if (staleFailures > 0) {
      found.push({
        id: 'ingress-stale-endpoint',
        cause: `the pods stopped before ${ingress} saw their endpoints go: its controller follows endpoint changes on its own schedule (a sync delay, then a reload), and kept proxying to pods that had already exited, so it answered 502/503 itself`,
        evidence: `${plural(staleFailures, 'request')} got ${codes} ${whose} while ${plural(stale.length, 'pod')} that had stopped were still in its upstream (first: pod/${first.pod} began terminating at ${secs(first.terminatingMs)}, was gone at ${secs(first.goneMs)}, ${first.removedMs === undefined ? 'and no reload removed it while the run watched' : `and the ingress removed it only at ${secs(first.removedMs)}`})${worst === undefined ? '' : `; the ingress took up to ${secs(worst)} to drop a terminating pod`}`,
        fix: `give the pods a preStop sleep longer than the ingress controller's sync delay plus a reload (ingress-nginx syncs at most every ~3.3 s; ${worst === undefined ? 'measure it' : `here up to ${secs(worst)}`}), shorter than terminationGracePeriodSeconds, and drain on SIGTERM (finish in-flight requests, answer Connection: close) so the proxy's kept-alive connections end cleanly`,
        weight: staleFailures,
      });
    }
  }
  const rest = own.count - staleFailures;
  if (rest > 0) {
    found.push({
      id: 'ingress-keepalive-reuse',
      cause: `${ingress}'s proxy reused kept-alive connections to pods that had closed them: nginx keeps idle upstream connections (ingress-nginx: upstream-keepalive-timeout 60 s) and a pod that closes one as a request is sent on it turns that request into a 502 (nginx does not retry non-idempotent requests)`,
      evidence: `${plural(rest, 'request')} got ${codes} ${whose}${stale.length === 0 ? ' while every pod it routed to was still running' : ' outside the times it routed to stopped pods'}`,
      fix: "make the app's keep-alive timeout longer than the proxy's upstream keep-alive timeout (Node: server.keepAliveTimeout = 65000; ingress-nginx's default is 60 s), and drain on SIGTERM by answering Connection: close instead of closing idle connections under the proxy",
      weight: rest,
    });
  }
  if (cut !== undefined) found.push(cut);
  return found.sort((a, b) => b.weight - a.weight);
}

/**
 * Client connections cut right after a reload: nginx's old workers close their idle keep-alive
 * client connections when a reload retires them, and a request sent on one at that moment fails.
 * A front door that reloads on endpoint changes does this (the emulator's does; ingress-nginx
 * changes endpoints without a reload); the pods are not to blame.
 */
function reloadCutFinding(ingress: string, input: IngressDiagnosisInput): IngressFinding | undefined {
  const { count, windows } = reloadCuts(input);
  if (count === 0) return undefined;
  return {
    id: 'ingress-reload-cut',
    cause: `${ingress} cut client keep-alive connections when it reloaded: a reload retires nginx's workers, which close their idle client connections, and a request sent on one as it closes fails (the pods are not involved)`,
    evidence: `${plural(count, 'request')} reset or cut within ${secs(RELOAD_CUT_WINDOW_MS)} of an ingress reload (first at ${secs((windows[0] as OutageWindow).startMs)})`,
    fix: 'clients should retry a request that failed on a reused keep-alive connection before any answer (safe for idempotent requests); on the emulator, whose ingress reloads on every endpoint change, send with target.keepAlive: false; ingress-nginx itself changes endpoints without a reload',
    weight: count,
  };
}
