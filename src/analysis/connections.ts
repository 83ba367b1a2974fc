import type { RolloutEventRecord } from '../rollout/events.js';
import type { CloseKind } from '../streams/close-kind.js';
import type { ConnectionEvent, ConnectionRecording } from '../streams/connection-log.js';
import { formatCount, formatLatency, formatRate, formatSeconds, plural } from '../text/format.js';
import type { Check, Diagnosis } from './results.js';

/** Upper edges (ms) of the reconnect-time histogram buckets; the last bucket is everything above. */
export const RECONNECT_BUCKETS_MS: readonly number[] = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

/** One second of the connection timeline (seconds with anything to show only). */
export interface ConnectionSecond {
  /** Start of the second, ms since t0. */
  tMs: number;
  opened: number;
  /** Of those, reconnects (a connection replacing one that went). */
  reconnected: number;
  graceful: number;
  error: number;
  cut: number;
  connectFailed: number;
  /** Messages lost with the connections cut in this second. */
  lost: number;
}

/** report.connections: what the long-lived connections of a WebSocket or SSE load went through. */
export interface ConnectionsReport {
  kind: 'websocket' | 'sse';
  /** Connections the load held open at once. */
  connections: number;
  /** Messages per second per connection (sent for WebSocket, expected for SSE). */
  messageRate: number;
  /** Connections opened over the run, reconnects included. */
  opened: number;
  /** Ended by the server with a close frame meaning "come back" (1000, 1001, 1012, 1013), or a stream's clean end. */
  closedGracefully: number;
  /** Ended by the server with an error close code (1002, 1011, 4xxx...). */
  closedWithError: number;
  /** Ended without a close frame (1006: reset, or FIN without a close frame) or a stream torn mid-way. */
  cut: number;
  /** Closed by the client at the end of the load. */
  closedAtEnd: number;
  /** Connect attempts that got no connection, by why (`refused`, `timeout`, `http_503`...). */
  connectFailures: Record<string, number>;
  /** Close codes seen, e.g. {"1001": 3, "1006": 2}. */
  closeCodes: Record<string, number>;
  messages: {
    sent: number;
    answered: number;
    /** Sent, never answered because the connection was cut. */
    lost: number;
    /** Unanswered by the deadline. */
    timedOut: number;
    /** Sent again on a new connection after a graceful close left them unanswered (judged on that try). */
    resent: number;
    /** Not sent: the client had no connection at their time (reconnecting). */
    skipped: number;
  };
  reconnect: {
    /** Reconnects (a connection opened after one went). */
    count: number;
    /** A graceful close followed by a reconnect within this long is no failure. */
    promptMs: number;
    /** Graceful closes not followed by a connection within promptMs. */
    slow: number;
    p50Ms: number | null;
    p99Ms: number | null;
    maxMs: number | null;
    /** Reconnect times by bucket: `upToMs` null is the bucket above the last edge. */
    histogram: Array<{ upToMs: number | null; count: number }>;
  };
  /** The connections the verdict judges: those open during its window. */
  window: {
    startMs: number;
    endMs: number;
    /** Connections open at the window's start plus those opened in it. */
    held: number;
    cut: number;
    closedWithError: number;
    slowReconnects: number;
    /** cut + closedWithError + slowReconnects. */
    failed: number;
    /** failed / held. */
    observedFailureRate: number;
  };
  /** Per pod (when the pod header named it): what its connections went through. */
  pods?: Array<{ pod: string; opened: number; closedGracefully: number; closedWithError: number; cut: number; lost: number }>;
  /** Per second with anything to show. */
  timeline: ConnectionSecond[];
}

/** What the connection analysis needs besides the recording. */
export interface ConnectionsInput {
  recording: ConnectionRecording;
  /** Message counts of the whole run (from the recorder: sent, answered, lost = reset, timed out = timeout). */
  messages: { sent: number; answered: number; lost: number; timedOut: number };
  /** The verdict window. */
  window: { startMs: number; endMs: number; label: string };
  /** When the load ended (a graceful close this long before it without a reconnect is judged against promptMs up to here). */
  endMs: number;
  budget: number;
  events: readonly RolloutEventRecord[];
}

/** The connection section, its check, and the findings in the protocol's own terms. */
export interface ConnectionsAnalysis {
  report: ConnectionsReport;
  check: Check;
  diagnosis: Diagnosis[];
}

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

type Close = Extract<ConnectionEvent, { kind: 'close' }>;
type Open = Extract<ConnectionEvent, { kind: 'open' }>;

/** For each graceful close, whether the client was connected again within promptMs (or the run ended first). */
function slowAfterGraceful(events: readonly ConnectionEvent[], promptMs: number, endMs: number): Close[] {
  const slow: Close[] = [];
  const next = new Map<number, Open>();
  // Walk backwards so each close sees the client's next open.
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i] as ConnectionEvent;
    if (e.kind === 'open') next.set(e.client, e);
    else if (e.kind === 'close' && e.close === 'graceful') {
      const o = next.get(e.client);
      const waited = o === undefined ? endMs - e.tMs : o.tMs - e.tMs;
      if (waited > promptMs) slow.push(e);
    }
  }
  return slow.reverse();
}

/** The connection events of a run, counted, placed on a per-second timeline and judged against the budget. */
export function analyzeConnections(input: ConnectionsInput): ConnectionsAnalysis {
  const { recording: rec, window: w } = input;
  const events = rec.events;
  const closes = events.filter((e): e is Close => e.kind === 'close');
  const opens = events.filter((e): e is Open => e.kind === 'open');
  const kindCount = (k: CloseKind, list: readonly Close[] = closes): number => list.filter((c) => c.close === k).length;

  const connectFailures: Record<string, number> = {};
  const closeCodes: Record<string, number> = {};
  for (const e of events) {
    if (e.kind === 'connect-failed') connectFailures[e.reason] = (connectFailures[e.reason] ?? 0) + 1;
    if (e.kind === 'close' && e.code !== undefined) closeCodes[String(e.code)] = (closeCodes[String(e.code)] ?? 0) + 1;
  }

  const reconnectTimes = opens.flatMap((o) => (o.reconnectMs === undefined ? [] : [o.reconnectMs])).sort((a, b) => a - b);
  const histogram = [...RECONNECT_BUCKETS_MS, null].map((upToMs, k) => {
    const low = k === 0 ? Number.NEGATIVE_INFINITY : (RECONNECT_BUCKETS_MS[k - 1] as number);
    return { upToMs, count: reconnectTimes.filter((t) => t > low && (upToMs === null || t <= upToMs)).length };
  });
  const slow = slowAfterGraceful(events, rec.promptMs, input.endMs);

  // The window: connections open at its start, and those opened in it.
  const inWindow = (t: number): boolean => t >= w.startMs && t < w.endMs;
  const openBefore = opens.filter((o) => o.tMs < w.startMs).length - closes.filter((c) => c.tMs < w.startMs).length;
  const held = Math.max(0, openBefore) + opens.filter((o) => inWindow(o.tMs)).length;
  const wCloses = closes.filter((c) => inWindow(c.tMs));
  const wSlow = slow.filter((c) => inWindow(c.tMs)).length;
  const wCut = kindCount('cut', wCloses);
  const wError = kindCount('error', wCloses);
  const failed = wCut + wError + wSlow;

  const timeline = new Map<number, ConnectionSecond>();
  const second = (t: number): ConnectionSecond => {
    const s = Math.floor(t / 1000) * 1000;
    let row = timeline.get(s);
    if (row === undefined) {
      row = { tMs: s, opened: 0, reconnected: 0, graceful: 0, error: 0, cut: 0, connectFailed: 0, lost: 0 };
      timeline.set(s, row);
    }
    return row;
  };
  for (const e of events) {
    const row = second(e.tMs);
    if (e.kind === 'open') {
      row.opened++;
      if (e.reconnectMs !== undefined) row.reconnected++;
    } else if (e.kind === 'close') {
      row[e.close]++;
      row.lost += e.lost;
    } else row.connectFailed++;
  }

  let pods: ConnectionsReport['pods'];
  if (events.some((e) => e.kind !== 'connect-failed' && e.pod !== undefined)) {
    const byPod = new Map<string, NonNullable<ConnectionsReport['pods']>[number]>();
    const of = (pod: string): NonNullable<ConnectionsReport['pods']>[number] => {
      let p = byPod.get(pod);
      if (p === undefined) {
        p = { pod, opened: 0, closedGracefully: 0, closedWithError: 0, cut: 0, lost: 0 };
        byPod.set(pod, p);
      }
      return p;
    };
    for (const e of events) {
      if (e.kind === 'connect-failed' || e.pod === undefined) continue;
      const p = of(e.pod);
      if (e.kind === 'open') p.opened++;
      else {
        if (e.close === 'graceful') p.closedGracefully++;
        else if (e.close === 'error') p.closedWithError++;
        else p.cut++;
        p.lost += e.lost;
      }
    }
    pods = [...byPod.values()].sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0));
  }

  const report: ConnectionsReport = {
    kind: rec.kind,
    connections: rec.connections,
    messageRate: rec.messageRate,
    opened: opens.length,
    closedGracefully: kindCount('graceful'),
    closedWithError: kindCount('error'),
    cut: kindCount('cut'),
    closedAtEnd: rec.closedAtEnd,
    connectFailures: sortKeys(connectFailures),
    closeCodes: sortKeys(closeCodes),
    messages: { ...input.messages, resent: rec.resent, skipped: rec.skipped },
    reconnect: {
      count: reconnectTimes.length,
      promptMs: rec.promptMs,
      slow: slow.length,
      p50Ms: percentile(reconnectTimes, 0.5),
      p99Ms: percentile(reconnectTimes, 0.99),
      maxMs: reconnectTimes.length === 0 ? null : (reconnectTimes[reconnectTimes.length - 1] as number),
      histogram,
    },
    window: { startMs: w.startMs, endMs: w.endMs, held, cut: wCut, closedWithError: wError, slowReconnects: wSlow, failed, observedFailureRate: held === 0 ? 0 : failed / held },
    ...(pods === undefined ? {} : { pods }),
    timeline: [...timeline.values()].sort((a, b) => a.tMs - b.tMs),
  };
  return { report, check: connectionsCheck(report, input), diagnosis: connectionDiagnosis(report, input, slow) };
}

function sortKeys(rec: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(rec).sort().map((k) => [k, rec[k] as number]));
}

const noun = (kind: 'websocket' | 'sse'): string => (kind === 'websocket' ? 'WebSocket connection' : 'stream');

/**
 * The connection check: abrupt disconnects (and error closes, and graceful closes not followed
 * by a prompt reconnect) over the connections held in the window, against the budget. Judged on
 * the observed rate alone: a load holds tens of connections, never the thousands a confidence
 * bound at a 0.1% budget would need, and each connection is one client's whole experience.
 */
function connectionsCheck(r: ConnectionsReport, input: ConnectionsInput): Check {
  const id = 'connections-within-budget';
  const name = `${noun(r.kind)}s cut within the ${formatRate(input.budget)} budget`;
  const w = r.window;
  const label = input.window.label;
  if (w.held === 0) return { id, name, status: 'inconclusive', message: `no ${noun(r.kind)} was open ${label}: there is nothing to judge` };
  const parts: string[] = [];
  if (w.cut > 0) parts.push(`${formatCount(w.cut)} cut without a close frame`);
  if (w.closedWithError > 0) parts.push(`${formatCount(w.closedWithError)} closed with an error code`);
  if (w.slowReconnects > 0) parts.push(`${formatCount(w.slowReconnects)} closed gracefully but not followed by a reconnect within ${formatLatency(r.reconnect.promptMs)}`);
  if (w.failed === 0) {
    const graceful = r.closedGracefully === 0 ? '' : `; ${plural(r.closedGracefully, 'graceful close')}, each followed by a reconnect within ${formatLatency(r.reconnect.promptMs)}`;
    return { id, name, status: 'pass', message: `none of the ${plural(w.held, noun(r.kind))} held ${label} was cut${graceful}` };
  }
  const rate = w.observedFailureRate;
  const msg = `of the ${plural(w.held, noun(r.kind))} held ${label}, ${parts.join(', ')} (${formatRate(rate)})`;
  if (rate > input.budget) return { id, name, status: 'fail', message: `${msg}, over the ${formatRate(input.budget)} budget` };
  return { id, name, status: 'pass', message: `${msg}, within the ${formatRate(input.budget)} budget` };
}

const podOf = (object: string): string => object.replace(/^(pod|endpoint)\//, '');

/** Findings in WebSocket (or SSE) terms: what the server did to its connections, and the fix. */
function connectionDiagnosis(r: ConnectionsReport, input: ConnectionsInput, slow: readonly Close[]): Diagnosis[] {
  const out: Array<Diagnosis & { weight: number }> = [];
  const ws = r.kind === 'websocket';
  const closes = input.recording.events.filter((e): e is Close => e.kind === 'close');
  const terminating = input.events.filter((e) => e.type === 'pod-terminating');
  const cuts = closes.filter((c) => c.close === 'cut');
  if (cuts.length > 0) {
    // A cut of a pod told to terminate (same pod, or any termination within the grace period before).
    const onExit = cuts.filter((c) => terminating.some((e) => e.tMs <= c.tMs && c.tMs - e.tMs <= 120_000 && (c.pod === undefined || podOf(e.object) === c.pod)));
    const lost = cuts.reduce((n, c) => n + c.lost, 0);
    const pods = [...new Set(cuts.flatMap((c) => (c.pod === undefined ? [] : [c.pod])))];
    const when = `at ${formatSeconds(cuts[0]!.tMs)}${cuts.length > 1 ? `-${formatSeconds(cuts[cuts.length - 1]!.tMs)}` : ''}`;
    const podPart = pods.length === 0 ? '' : ` on ${plural(pods.length, 'pod')} (${pods.slice(0, 3).join(', ')}${pods.length > 3 ? ', ...' : ''})`;
    const lostPart = `${plural(lost, 'message')} in flight ${lost === 1 ? 'was' : 'were'} lost with them`;
    out.push({
      id: ws ? 'websocket-cut-on-exit' : 'stream-cut-on-exit',
      cause: onExit.length > 0
        ? ws
          ? `${plural(cuts.length, 'WebSocket connection')} ${cuts.length === 1 ? 'was' : 'were'} cut without a close frame (1006) when pods exited on SIGTERM: the app dropped its clients instead of saying goodbye`
          : `${plural(cuts.length, 'stream')} ${cuts.length === 1 ? 'was' : 'were'} torn mid-way when pods exited on SIGTERM: the app did not end its streams`
        : ws
          ? `${plural(cuts.length, 'WebSocket connection')} ${cuts.length === 1 ? 'was' : 'were'} cut without a close frame (1006)`
          : `${plural(cuts.length, 'stream')} ${cuts.length === 1 ? 'was' : 'were'} torn mid-way`,
      evidence: `${plural(cuts.length, 'cut')} ${when}${podPart}${onExit.length > 0 ? `, ${formatCount(onExit.length)} of them after the pod began terminating` : ''}; ${lostPart}`,
      fix: ws
        ? 'on SIGTERM (after a preStop delay, with readiness failing) send close 1001 (going away) to every client and wait for their close frames before exiting, within terminationGracePeriodSeconds; clients then reconnect to a serving pod and resend what was unanswered'
        : 'on SIGTERM (after a preStop delay, with readiness failing) end every stream cleanly (the last chunk, or an event telling clients to reconnect) before exiting, within terminationGracePeriodSeconds',
      weight: cuts.length * 1000 + lost,
    });
  }
  const errors = closes.filter((c) => c.close === 'error');
  if (errors.length > 0) {
    const codes = [...new Set(errors.map((c) => c.code))].join(', ');
    out.push({
      id: 'websocket-error-close',
      cause: `the server closed ${plural(errors.length, 'connection')} with an error code (${codes}) instead of 1001 going away`,
      evidence: `${plural(errors.length, 'error close')} at ${formatSeconds(errors[0]!.tMs)}${errors.length > 1 ? ` and later` : ''}`,
      fix: 'close with 1001 (going away) or 1012 (service restart) when shutting down, so clients know to reconnect at once',
      weight: errors.length * 1000,
    });
  }
  const refused = r.connectFailures['refused'] ?? 0;
  const failedConnects = Object.values(r.connectFailures).reduce((n, v) => n + v, 0);
  if (slow.length > 0 || failedConnects > 0) {
    const reasons = Object.entries(r.connectFailures).map(([k, v]) => `${formatCount(v)} ${k}`).join(', ');
    out.push({
      id: 'reconnect-not-prompt',
      cause: refused > 0
        ? 'reconnecting clients were refused: the Service still sent new connections to a pod that had stopped listening (no preStop delay, or shorter than endpoint propagation), or to a pod not listening yet (no readiness probe)'
        : 'reconnecting clients did not find a serving pod at once',
      evidence: [
        failedConnects === 0 ? '' : `${plural(failedConnects, 'connect attempt')} failed (${reasons})`,
        slow.length === 0 ? '' : `${plural(slow.length, 'graceful close')} not followed by a reconnect within ${formatLatency(r.reconnect.promptMs)}`,
        `reconnect time p50 ${fmtMs(r.reconnect.p50Ms)}, p99 ${fmtMs(r.reconnect.p99Ms)}, max ${fmtMs(r.reconnect.maxMs)}`,
      ].filter((x) => x !== '').join('; '),
      fix: 'close client connections only after a preStop delay longer than endpoint propagation (so reconnects land on other pods), give new pods a readiness probe, and keep capacity with maxUnavailable 0 / maxSurge 1',
      weight: slow.length * 1000 + failedConnects,
    });
  }
  const timedOut = input.messages.timedOut;
  if (timedOut > 0) {
    out.push({
      id: ws ? 'websocket-answers-late' : 'stream-events-late',
      cause: ws
        ? 'messages went unanswered past the deadline on connections that stayed open: the server stalled, or too few pods served the clients during the rollout'
        : 'events stopped coming for longer than the deadline on streams that stayed open: the server stalled, or too few pods served the streams during the rollout',
      evidence: `${plural(timedOut, ws ? 'message' : 'event')} ${ws ? 'unanswered' : 'not received'} by the answer deadline (load.answerDeadline)`,
      fix: 'keep capacity through the rollout (maxUnavailable 0, maxSurge 1 or more, minReadySeconds), and check that the app keeps serving its open connections while it starts or drains',
      weight: timedOut,
    });
  }
  out.sort((a, b) => b.weight - a.weight);
  return out.map(({ id, cause, evidence, fix }) => ({ id, cause, evidence, fix }));
}

const fmtMs = (ms: number | null): string => (ms === null ? 'n/a' : formatLatency(ms));

/** The unit a stream load counts: a WebSocket message, or an SSE event waited for. */
export const unitOf = (kind: 'websocket' | 'sse'): string => (kind === 'websocket' ? 'message' : 'event');

/** Rewords a check about requests for a load whose unit is a message or an event (the verdict's rules are the same). */
export function inMessages<T extends { name: string; message: string }>(check: T, unit = 'message'): T {
  const swap = (s: string): string => s.replace(/\brequests\b/g, `${unit}s`).replace(/\brequest\b/g, unit);
  return { ...check, name: swap(check.name), message: swap(check.message) };
}

/** Diagnosis ids of the request rules that still read right for messages (the rest speak of HTTP requests). */
export const STREAM_SAFE_DIAGNOSES: readonly string[] = ['grace-period-too-short', 'capacity-dip', 'generator-behind', 'pre-existing-failures'];
