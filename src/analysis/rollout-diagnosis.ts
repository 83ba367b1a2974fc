import type { FailureClass } from '../metrics/outcome.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { Diagnosis, OutageWindow } from './results.js';

/** What the rollout diagnosis rules read: outage windows with their failure classes, and the rollout events. */
export interface RolloutDiagnosisInput {
  outages: readonly OutageWindow[];
  /** Every rollout event of the run; when empty, the windows' nearbyEvents are used. */
  events: readonly RolloutEventRecord[];
  /** The load used keep-alive connections. */
  keepAlive?: boolean;
  /** Resets on connections that had already carried a request (when the traffic engine tells them apart). */
  resetsOnReusedConnections?: number;
  /**
   * Resets on connections that had carried no response yet, per interval (when the traffic engine
   * tells them apart). Such a reset is never a keep-alive connection cut under reuse: it is a new
   * connection given up at once, which is how a userspace proxy passes on a refused dial.
   */
  newConnectionResets?: ReadonlyArray<{ tMs: number; count: number }>;
  /**
   * The Service dataplane (`nftables`, `userspace`; undefined on a real cluster). The userspace
   * proxy accepts a connection before it dials the pod, so a pod that refuses it shows as a reset.
   */
  dataplane?: string;
  /** Error codes seen (e.g. UND_ERR_SOCKET for "other side closed"), when known. */
  errorCodes?: Readonly<Record<string, number>>;
  /** Answers by HTTP status over the run, when known (tells a proxy's 502/503/504 apart). */
  statusCodes?: Readonly<Record<string, number>>;
  /** Failures per pod, when the responses name the pod that answered. */
  perPod?: Readonly<Record<string, Partial<Record<FailureClass, number>>>>;
  /** How long after a pod starts terminating a new connection may still reach it (default 3000 ms: endpoint propagation). */
  propagationMs?: number;
  /** How long after a pod becomes ready its early failures are blamed on readiness (default 5000 ms). */
  readyWindowMs?: number;
  /**
   * Width of the intervals outage windows are made of (default 100 ms): a window starts at the
   * start of its first failing interval, so an event inside that interval still came before the
   * failures it explains.
   */
  intervalMs?: number;
}

/** A diagnosis with the number of failed requests it accounts for, to rank them. */
export interface RankedDiagnosis extends Diagnosis {
  weight: number;
}

/** One rule: reads the input, returns a likely cause or null. */
export type RolloutDiagnosisRule = (input: RolloutDiagnosisInput) => RankedDiagnosis | null;

const DEFAULT_PROPAGATION_MS = 3000;
const DEFAULT_READY_WINDOW_MS = 5000;
/**
 * Error codes of undici and Node that mean the server closed a connection that had been in use
 * (ERR_HTTP2_STREAM_CANCEL, HTTP2_SESSION_CLOSED: an HTTP/2 stream cut by its session's close, no
 * GOAWAY covering it).
 */
const REUSED_CLOSE_CODES = ['UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNRESET', 'ERR_HTTP2_STREAM_CANCEL', 'HTTP2_SESSION_CLOSED'];

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function count(o: OutageWindow, classes: readonly FailureClass[]): number {
  let n = 0;
  for (const c of classes) n += o.failures[c] ?? 0;
  return n;
}

/** Resets on new connections among the window's requests (by their interval). */
function newConnResets(o: OutageWindow, input: RolloutDiagnosisInput): number {
  let n = 0;
  for (const r of input.newConnectionResets ?? []) if (r.tMs >= o.startMs && r.tMs < o.endMs) n += r.count;
  return Math.min(n, o.failures.reset ?? 0);
}

/**
 * Resets that may stand for refusals: on the userspace dataplane, when the engine could not tell
 * new connections from reused ones, any reset may be a refused dial passed on as a reset.
 */
function resetsMayBeRefusals(input: RolloutDiagnosisInput): boolean {
  return input.dataplane === 'userspace' && input.newConnectionResets === undefined;
}

/**
 * Connections the pod refused, whichever way the dataplane passed that on: refused (the kernel
 * dataplanes reject the SYN), or reset on a new connection before any answer (a userspace proxy
 * has accepted the connection by the time its dial is refused). So the same rollout reads the
 * same on every dataplane.
 */
function refusals(o: OutageWindow, input: RolloutDiagnosisInput): number {
  return count(o, ['refused']) + (resetsMayBeRefusals(input) ? count(o, ['reset']) : newConnResets(o, input));
}

/** Why a reset may be a refusal, for the evidence (empty when none was counted as one). */
function refusalNote(fresh: number, input: RolloutDiagnosisInput): string {
  if (fresh === 0) return '';
  const how = input.dataplane === 'userspace' ? ': the userspace dataplane accepts a connection before it dials the pod, so a refusal reaches the client as a reset' : '';
  return resetsMayBeRefusals(input) ? `; ${plural(fresh, 'reset')} may be refusals${how}` : `; ${plural(fresh, 'reset')} on new connections that never got an answer${how}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function eventsOf(input: RolloutDiagnosisInput): RolloutEventRecord[] {
  if (input.events.length > 0) return [...input.events].sort((a, b) => a.tMs - b.tMs);
  const seen = new Map<string, RolloutEventRecord>();
  for (const o of input.outages) for (const e of o.nearbyEvents ?? []) seen.set(`${e.tMs}|${e.type}|${e.object}`, e);
  return [...seen.values()].sort((a, b) => a.tMs - b.tMs);
}

/** The latest event of the first type group that has one at or before t (and not before t - lookback). */
function lastOf(events: readonly RolloutEventRecord[], groups: ReadonlyArray<readonly string[]>, t: number, lookbackMs: number): RolloutEventRecord | undefined {
  for (const g of groups) {
    const hit = lastBefore(events, g, t, lookbackMs);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function lastBefore(events: readonly RolloutEventRecord[], types: readonly string[], t: number, lookbackMs: number): RolloutEventRecord | undefined {
  let hit: RolloutEventRecord | undefined;
  for (const e of events) {
    if (e.tMs > t) break;
    if (e.tMs >= t - lookbackMs && types.includes(e.type)) hit = e;
  }
  return hit;
}

/** The latest time the first failure of a window can have happened: the end of its first interval. */
function firstFailureBy(o: OutageWindow, input: RolloutDiagnosisInput): number {
  return o.startMs + Math.min(input.intervalMs ?? 100, o.durationMs);
}

function podOf(object: string): string {
  const i = object.indexOf('/');
  return i < 0 ? object : object.slice(i + 1);
}

function byPod(input: RolloutDiagnosisInput, pod: string, classes: readonly FailureClass[]): string {
  const counts = input.perPod?.[pod];
  if (counts === undefined) return '';
  let n = 0;
  for (const c of classes) n += counts[c] ?? 0;
  return n > 0 ? `; pod ${pod} answered ${plural(n, 'failed request')}` : '';
}

function spans(windows: ReadonlyArray<{ o: OutageWindow; e: RolloutEventRecord }>, verb: string): string {
  // A window starts at its first failing interval, so the event may lie inside that interval.
  const shown = windows.slice(0, 3).map(({ o, e }) => `${secs(o.startMs)}-${secs(o.endMs)}, ${o.startMs >= e.tMs ? `${secs(o.startMs - e.tMs)} after` : 'as'} ${e.object} ${verb}`);
  return shown.join('; ') + (windows.length > 3 ? `; and ${plural(windows.length - 3, 'more window')}` : '');
}

/** Pods first: they name the pod; endpoints when only they were seen. */
const TERMINATING = [['pod-terminating'], ['endpoint-terminating']];
const READY = [['pod-ready'], ['endpoint-ready']];

/** Refused or reset right after a pod began terminating: the pod stopped listening while the Service still sent it new connections. */
export const preStopRule: RolloutDiagnosisRule = (input) => {
  const events = eventsOf(input);
  const prop = input.propagationMs ?? DEFAULT_PROPAGATION_MS;
  const hits: Array<{ o: OutageWindow; e: RolloutEventRecord; n: number }> = [];
  let fresh = 0;
  for (const o of input.outages) {
    const n = count(o, ['refused', 'reset']);
    if (n === 0) continue;
    const e = lastOf(events, TERMINATING, firstFailureBy(o, input), prop);
    if (e === undefined) continue;
    // Refusals (however the dataplane passed them on) point at the missing delay, and so do
    // resets with no keep-alive explanation.
    const r = refusals(o, input);
    if (r > 0 || !keepAliveResets(input)) {
      hits.push({ o, e, n });
      fresh += r - count(o, ['refused']);
    }
  }
  if (hits.length === 0) return null;
  const n = hits.reduce((s, h) => s + h.n, 0);
  const first = hits[0] as (typeof hits)[number];
  return {
    id: 'prestop-delay',
    cause: 'the pod stopped accepting connections while the Service still routed new ones to it: no preStop delay, or one shorter than endpoint propagation',
    evidence: `${plural(n, 'request')} refused or reset within ${secs(prop)} of a pod starting to terminate (${spans(hits, 'began terminating')})${refusalNote(fresh, input)}${byPod(input, podOf(first.e.object), ['refused', 'reset'])}`,
    fix: 'add lifecycle.preStop (sleep action, or exec ["sleep", "10"]) longer than endpoint propagation (5-10 s) and shorter than terminationGracePeriodSeconds, so the pod keeps serving until no proxy sends it traffic',
    weight: n,
  };
};

function keepAliveResets(input: RolloutDiagnosisInput): boolean {
  if ((input.resetsOnReusedConnections ?? 0) > 0) return true;
  if (input.keepAlive !== true) return false;
  return REUSED_CLOSE_CODES.some((c) => (input.errorCodes?.[c] ?? 0) > 0);
}

/** Resets on reused keep-alive connections of a terminating pod: the app exits (or closes) without draining idle and in-flight connections. */
export const keepAliveRule: RolloutDiagnosisRule = (input) => {
  if (!keepAliveResets(input)) return null;
  const events = eventsOf(input);
  const hits: Array<{ o: OutageWindow; e: RolloutEventRecord; n: number }> = [];
  for (const o of input.outages) {
    // Resets of new connections never rode a kept-alive connection.
    const n = count(o, ['reset', 'other']) - newConnResets(o, input);
    if (n <= 0) continue;
    // A terminating pod keeps its established connections until it closes them: look back over the whole grace period.
    const e = lastBefore(events, ['pod-terminating'], firstFailureBy(o, input), 120_000);
    if (e !== undefined) hits.push({ o, e, n });
  }
  if (hits.length === 0) return null;
  const n = hits.reduce((s, h) => s + h.n, 0);
  const reused = input.resetsOnReusedConnections;
  return {
    id: 'keepalive-not-drained',
    cause: 'the app does not drain keep-alive connections: clients kept sending requests on connections to a terminating pod (endpoint removal does not move established connections) until the app cut them',
    evidence: `${plural(n, 'request')} reset or closed on a terminating pod (${spans(hits, 'began terminating')})${reused !== undefined && reused > 0 ? `; ${plural(reused, 'reset')} hit reused connections` : ''}`,
    fix: 'on SIGTERM stop accepting, answer in-flight requests with `Connection: close`, close idle keep-alive connections (server.closeIdleConnections() in Node), finish in-flight work, then exit',
    weight: n,
  };
};

/** Refused or 5xx right after a pod became ready: it was marked ready before the app could serve. */
export const readinessRule: RolloutDiagnosisRule = (input) => {
  const events = eventsOf(input);
  const win = input.readyWindowMs ?? DEFAULT_READY_WINDOW_MS;
  const prop = input.propagationMs ?? DEFAULT_PROPAGATION_MS;
  const hits: Array<{ o: OutageWindow; e: RolloutEventRecord; n: number }> = [];
  let fresh = 0;
  // Behind a load balancer a new pod gets traffic only once its target passed the health checks:
  // 5xx then are the load balancer's (src/analysis/load-balancer-diagnosis.ts), not a too-early pod's.
  const behindLoadBalancer = events.some((e) => e.type.startsWith('target-'));
  for (const o of input.outages) {
    const r = refusals(o, input);
    const n = r + (behindLoadBalancer ? 0 : count(o, ['http_5xx']));
    if (n === 0) continue;
    const ready = lastOf(events, READY, firstFailureBy(o, input), win);
    if (ready === undefined) continue;
    // A termination closer to the window explains it better (preStopRule).
    const term = lastOf(events, TERMINATING, firstFailureBy(o, input), prop);
    if (term !== undefined && term.tMs > ready.tMs) continue;
    hits.push({ o, e: ready, n });
    fresh += r - count(o, ['refused']);
  }
  if (hits.length === 0) return null;
  const n = hits.reduce((s, h) => s + h.n, 0);
  const first = hits[0] as (typeof hits)[number];
  return {
    id: 'readiness-too-early',
    cause: 'a new pod got traffic before it could serve it: no readiness probe (a running container counts as ready at once), or a probe that passes before the app is listening and warmed up',
    evidence: `${plural(n, 'request')} refused or answered 5xx within ${secs(win)} of a pod becoming ready (${spans(hits, 'became ready')})${refusalNote(fresh, input)}${byPod(input, podOf(first.e.object), ['refused', 'http_5xx'])}`,
    fix: 'add a readinessProbe that checks the app itself (an HTTP health path on the serving port), and minReadySeconds so a new pod proves itself before old ones go',
    weight: n,
  };
};

/** Ready-pod level over time from the events, relative to the start (pods ready before the watch count as 0). */
function readyDips(events: readonly RolloutEventRecord[]): Array<{ startMs: number; endMs: number; depth: number }> {
  const ready = new Set<string>();
  const gone = new Set<string>();
  let level = 0;
  const dips: Array<{ startMs: number; endMs: number; depth: number }> = [];
  let open: { startMs: number; endMs: number; depth: number } | undefined;
  for (const e of events) {
    if (!e.object.startsWith('pod/')) continue;
    const pod = e.object;
    if (e.type === 'pod-ready') {
      if (!ready.has(pod)) {
        ready.add(pod);
        gone.delete(pod);
        level++;
      }
    } else if (e.type === 'pod-not-ready' || e.type === 'pod-terminating' || e.type === 'pod-deleted') {
      if (ready.has(pod)) {
        ready.delete(pod);
        gone.add(pod);
        level--;
      } else if (!gone.has(pod) && e.type !== 'pod-deleted') {
        // A pod ready since before the watch: first loss counts.
        gone.add(pod);
        level--;
      }
    } else continue;
    if (level < 0 && open === undefined) open = { startMs: e.tMs, endMs: Number.POSITIVE_INFINITY, depth: -level };
    else if (level < 0 && open !== undefined) open.depth = Math.max(open.depth, -level);
    else if (level >= 0 && open !== undefined) {
      open.endMs = e.tMs;
      dips.push(open);
      open = undefined;
    }
  }
  if (open !== undefined) dips.push(open);
  return dips;
}

/** Timeouts (or 503s) while fewer pods were ready than before the rollout: maxUnavailable lets capacity drop below the load. */
export const capacityRule: RolloutDiagnosisRule = (input) => {
  const dips = readyDips(eventsOf(input));
  if (dips.length === 0) return null;
  let n = 0;
  let deepest = 0;
  const shown: string[] = [];
  for (const o of input.outages) {
    const k = count(o, ['timeout']) + (o.failures.http_5xx ?? 0);
    if (k === 0 || count(o, ['timeout']) === 0) continue;
    const dip = dips.find((d) => o.startMs < d.endMs && o.endMs > d.startMs);
    if (dip === undefined) continue;
    n += k;
    deepest = Math.max(deepest, dip.depth);
    if (shown.length < 3) shown.push(`${secs(o.startMs)}-${secs(o.endMs)}`);
  }
  if (n === 0) return null;
  return {
    id: 'capacity-dip',
    cause: 'serving capacity dropped during the rollout: old pods went away before new ones were ready, so the remaining pods could not keep up with the load (maxUnavailable too high for the load)',
    evidence: `${plural(n, 'request')} timed out or got 5xx at ${shown.join(', ')} while up to ${plural(deepest, 'pod')} fewer than before the rollout were ready`,
    fix: 'set strategy.rollingUpdate.maxUnavailable: 0 and maxSurge: 1 (or more), add minReadySeconds, and size replicas for the load with one pod missing',
    weight: n,
  };
};

/** Containers killed by SIGKILL (exit 137) while terminating: the grace period ran out before the app finished draining. */
export const gracePeriodRule: RolloutDiagnosisRule = (input) => {
  const events = eventsOf(input);
  const killed = events.filter((e) => e.type === 'pod-killed' || (e.type === 'pod-deleted' && e.message !== undefined && /exit 137|SIGKILL/.test(e.message)));
  // One pod may show up as killed and then deleted: count pods.
  const pods = [...new Set(killed.map((e) => e.object))];
  if (pods.length === 0) return null;
  let n = 0;
  for (const o of input.outages) {
    const k = count(o, ['reset', 'other', 'http_5xx']);
    if (k > 0 && killed.some((e) => e.tMs >= o.startMs - 2000 && e.tMs <= o.endMs + 2000)) n += k;
  }
  const first = killed[0] as RolloutEventRecord;
  return {
    id: 'grace-period-too-short',
    cause: 'pods were killed (SIGKILL, exit 137) before they finished draining: terminationGracePeriodSeconds is shorter than the preStop delay plus the time the app needs to finish in-flight requests',
    evidence: `${plural(pods.length, 'pod')} killed at the end of the grace period (first: ${first.object} at ${secs(first.tMs)})${n > 0 ? `; ${plural(n, 'request')} failed around those kills` : ''}`,
    fix: 'raise terminationGracePeriodSeconds above preStop delay + drain time (with margin), and make the app exit on SIGTERM once drained (a shell as PID 1 may swallow the signal: use exec)',
    weight: Math.max(n, 1),
  };
};

/** Every rule, in the order they are tried. */
export const ROLLOUT_DIAGNOSIS_RULES: readonly RolloutDiagnosisRule[] = [preStopRule, keepAliveRule, readinessRule, capacityRule, gracePeriodRule];

/**
 * Reads the outage windows against the rollout events and says, in plain words, why requests
 * failed and how to fix each cause; the causes that explain the most failures come first.
 * `rules` adds rule sets of the front door (e.g. the load balancer's) to the rollout's own.
 */
export function diagnoseRollout(input: RolloutDiagnosisInput, rules: readonly RolloutDiagnosisRule[] = ROLLOUT_DIAGNOSIS_RULES): Diagnosis[] {
  const found: RankedDiagnosis[] = [];
  for (const rule of rules) {
    const d = rule(input);
    if (d !== null) found.push(d);
  }
  found.sort((a, b) => b.weight - a.weight);
  return found.map(({ id, cause, evidence, fix }) => ({ id, cause, evidence, fix }));
}
