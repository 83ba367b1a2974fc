import type { FailureClass } from '../metrics/outcome.js';
import type { TriggerRecord } from '../rollout/command-trigger.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { GeneratorHealth } from '../traffic/generator-health.js';
import type { Diagnosis, OutageWindow } from './results.js';
import { formatCount, formatSeconds, plural } from '../text/format.js';
import type { SpanCounts, VerdictWindow } from './phases.js';

/** What the diagnosis rules look at. */
export interface DiagnosisContext {
  /** Counts of the verdict window, with its span and label. */
  window: SpanCounts & VerdictWindow;
  /** Counts of the baseline phase; null without one. */
  baseline: SpanCounts | null;
  /** Counts over the whole run. */
  totals: SpanCounts;
  outages: readonly OutageWindow[];
  statusCodes: Readonly<Record<string, number>>;
  errorCodes: Readonly<Record<string, number>>;
  events: readonly RolloutEventRecord[];
  trigger: TriggerRecord | null;
  generator: GeneratorHealth;
}

/** A diagnosis with how much it explains (failures it accounts for), to rank findings. */
export interface Finding extends Diagnosis {
  weight: number;
}

/** One rule: looks at the run, returns a likely cause with its fix, or null. */
export type DiagnosisRule = (ctx: DiagnosisContext) => Finding | null;

/** When failures of some classes happened, in words: outage windows inside the verdict window, and the delay after the release command. */
function when(ctx: DiagnosisContext, classes: readonly FailureClass[]): string {
  const inWindow = ctx.outages.filter(
    (o) => o.startMs < ctx.window.endMs && o.endMs > ctx.window.startMs && classes.some((c) => (o.failures[c] ?? 0) > 0),
  );
  if (inWindow.length === 0) return '';
  const spans = inWindow.slice(0, 3).map((o) => `${trimS(o.startMs)}-${formatSeconds(o.endMs)}`);
  const more = inWindow.length > 3 ? ` and ${plural(inWindow.length - 3, 'more window')}` : '';
  const first = inWindow[0] as OutageWindow;
  const after = ctx.trigger !== null && first.startMs >= ctx.trigger.startMs
    ? `, starting ${formatSeconds(first.startMs - ctx.trigger.startMs)} after the release command started`
    : '';
  return ` at ${spans.join(', ')}${more}${after}`;
}

function trimS(ms: number): string {
  return formatSeconds(ms).replace(/ s$/, '');
}

function classRule(cls: FailureClass, id: string, cause: string, fix: string, verb: string): DiagnosisRule {
  return (ctx) => {
    const n = ctx.window.failures[cls];
    if (n === 0) return null;
    return { id, cause, evidence: `${formatCount(n)} ${n === 1 ? 'request' : 'requests'} ${verb} ${ctx.window.label}${when(ctx, [cls])}`, fix, weight: n };
  };
}

/** Connection refused: nothing listening where the dataplane sent a new connection. */
export const refusedRule: DiagnosisRule = classRule(
  'refused',
  'connection-refused',
  'connections were refused: nothing was listening where the Service sent them, so traffic was routed to a pod that had stopped (or had not yet started) listening',
  'give the pod a readiness probe so it gets traffic only once it listens, and a preStop sleep longer than endpoint propagation (5-10 s) but shorter than terminationGracePeriodSeconds, so a terminating pod keeps listening until traffic stops arriving',
  'were refused',
);

/** Connection reset: in-flight or keep-alive connections cut by an exiting app. */
export const resetRule: DiagnosisRule = classRule(
  'reset',
  'connection-reset',
  'connections were cut with requests on them: the app exited, or closed keep-alive connections, while requests were in flight',
  'handle SIGTERM: stop accepting, finish in-flight requests, close idle keep-alive connections (answer with Connection: close while draining), then exit; keep terminationGracePeriodSeconds above preStop plus drain time',
  'were reset',
);

/** Timeouts: lost capacity or a stalled app. */
export const timeoutRule: DiagnosisRule = classRule(
  'timeout',
  'timeouts',
  'requests ran past the timeout: serving capacity dropped during the rollout (too few ready pods for the load) or the app stalled',
  'set maxUnavailable 0 and maxSurge 1 or more so capacity never drops, and minReadySeconds so new pods warm up before old ones go; check CPU limits and start-up work',
  'timed out',
);

/** 4xx answers: usually the request, sometimes an incompatible new version. */
export const clientErrorRule: DiagnosisRule = classRule(
  'http_4xx',
  'client-errors',
  'the target answered client errors (4xx): usually the request itself (URL, headers, auth) is wrong; if they appear only during the rollout, the new version rejects requests the old one accepted',
  'check the URL, method and headers; keep the API compatible across the two versions that serve side by side during a rollout',
  'got a 4xx answer',
);

/** 5xx answers: a proxy without a ready upstream (502/503/504) or the app itself (500). */
export const serverErrorRule: DiagnosisRule = (ctx) => {
  const n = ctx.window.failures.http_5xx;
  if (n === 0) return null;
  const codes = Object.entries(ctx.statusCodes).filter(([code, count]) => Number(code) >= 500 && Number(code) <= 599 && count > 0);
  const proxy = codes.filter(([code]) => code === '502' || code === '503' || code === '504').reduce((s, [, c]) => s + c, 0);
  const app = codes.reduce((s, [, c]) => s + c, 0) - proxy;
  const list = codes.map(([code, count]) => `${code} x${formatCount(count)}`).join(', ');
  const parts: string[] = [];
  if (proxy > 0) parts.push('a proxy or load balancer in front answered 502/503/504 because it had no ready upstream, or the upstream shut down mid-request');
  if (app > 0 || parts.length === 0) parts.push('the app itself answered server errors');
  const fixes: string[] = [];
  if (proxy > 0) fixes.push('for 502/503/504: a readiness probe, a preStop sleep longer than the proxy takes to drop the pod, and maxUnavailable 0');
  if (app > 0 || fixes.length === 0) fixes.push(`for the app's own errors: read its logs around the outage windows${ctx.trigger === null ? '' : ' (new pods starting up are the usual suspects)'}`);
  return {
    id: 'server-errors',
    cause: `the app or a proxy answered errors: ${parts.join('; ')}`,
    evidence: `${plural(n, 'request')} got a 5xx answer ${ctx.window.label}${when(ctx, ['http_5xx'])}${list ? ` (status codes over the run: ${list})` : ''}`,
    fix: fixes.join('; '),
    weight: n,
  };
};

/** Other errors: named by their error codes. */
export const otherRule: DiagnosisRule = (ctx) => {
  const n = ctx.window.failures.other;
  if (n === 0) return null;
  const codes = Object.entries(ctx.errorCodes)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([code, count]) => `${code} x${formatCount(count)}`)
    .join(', ');
  return {
    id: 'other-errors',
    cause: `requests failed for other reasons${codes ? ` (error codes over the run: ${codes})` : ''}`,
    evidence: `${plural(n, 'request')} failed otherwise ${ctx.window.label}${when(ctx, ['other'])}`,
    fix: 'look the error codes up: DNS errors (ENOTFOUND, EAI_AGAIN) point at the target name, TLS errors at certificates, EPIPE and "other side closed" at connections closed under a request',
    weight: n,
  };
};

/** Failures before the release: pre-existing, not caused by it. */
export const baselineRule: DiagnosisRule = (ctx) => {
  const b = ctx.baseline;
  if (b === null || b.failed === 0) return null;
  if (ctx.window.failed === 0) {
    return {
      id: 'pre-existing-failures',
      cause: 'the service was failing before the release, and stopped failing during it: the release did not cause these failures',
      evidence: `${plural(b.failed, 'request')} failed in the baseline, none ${ctx.window.label}`,
      fix: "fix the service's steady-state errors; they are not the release's",
      weight: b.failed,
    };
  }
  return {
    id: 'pre-existing-failures',
    cause: 'the service was already failing before the release, so some failures during it may not be the release\'s',
    evidence: `${plural(b.failed, 'request')} failed in the baseline, ${formatCount(ctx.window.failed)} ${ctx.window.label}`,
    fix: "fix the steady-state errors first (compare the failure classes of the baseline and the rollout), so the release can be judged on its own",
    weight: b.failed,
  };
};

/** The generator fell behind: a measurement problem, not the service's. */
export const generatorRule: DiagnosisRule = (ctx) => {
  const unsent = Math.max(ctx.generator.unsent, ctx.totals.unsent);
  if (unsent === 0 && !ctx.generator.saturated) return null;
  const evidence = [
    unsent > 0 ? `${plural(unsent, 'scheduled request')} could not be sent on time` : '',
    ctx.generator.saturated ? 'the generator reported saturation' : '',
  ].filter((s) => s.length > 0);
  return {
    id: 'generator-behind',
    cause: 'the load generator could not keep its schedule, so the run did not apply the planned load',
    evidence: evidence.join('; '),
    fix: 'use more workers or a lower rate, or run zerodrop on a machine with more free CPU, closer to the target',
    weight: 0,
  };
};

/** Every rule, in the order ties are listed. A later rule set adds rollout-event attribution. */
export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  refusedRule,
  resetRule,
  serverErrorRule,
  timeoutRule,
  clientErrorRule,
  otherRule,
  baselineRule,
  generatorRule,
];

/** Runs the rules and ranks what they found by how many failures each explains. */
export function diagnose(ctx: DiagnosisContext, rules: readonly DiagnosisRule[] = DIAGNOSIS_RULES): Diagnosis[] {
  const found: Array<Finding & { order: number }> = [];
  rules.forEach((rule, order) => {
    const f = rule(ctx);
    if (f !== null) found.push({ ...f, order });
  });
  found.sort((a, b) => b.weight - a.weight || a.order - b.order);
  return found.map(({ id, cause, evidence, fix }) => ({ id, cause, evidence, fix }));
}
