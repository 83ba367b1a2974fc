import type { IntOrString, V1Container, V1Deployment, V1LifecycleHandler, V1PodDisruptionBudget, V1Service } from '@kubernetes/client-node';
import { selectorMatches } from '../labels/label-selector.js';

/** One problem (or advice) about a Deployment's readiness for zero-downtime rollouts. */
export interface Finding {
  /** Stable id, e.g. `readiness-probe-missing`. */
  id: string;
  severity: 'error' | 'warning' | 'info';
  /** What it is about, e.g. `deployment/web container app`, `service/web`. */
  object: string;
  message: string;
  fix: string;
}

/** What the lint looks at: the Deployment, and when known its Service(s) and the namespace's PodDisruptionBudgets. */
export interface LintInput {
  deployment: V1Deployment;
  /** A Service in front of the Deployment (checked with `services`). */
  service?: V1Service;
  /** Services in front of the Deployment, each checked against its pods. */
  services?: readonly V1Service[];
  /** The PodDisruptionBudgets of the namespace; undefined when unknown (the check is skipped). */
  podDisruptionBudgets?: readonly V1PodDisruptionBudget[];
}

/** Kubernetes' default terminationGracePeriodSeconds. */
export const DEFAULT_GRACE_SECONDS = 30;

/** A preStop delay shorter than this may end before endpoint removal has reached every proxy. */
export const MIN_PRESTOP_SECONDS = 5;

/** Time the app should have left after preStop to drain in-flight requests. */
export const MIN_DRAIN_SECONDS = 5;

/**
 * Resolves an int-or-percent against a total, rounding up (maxSurge) or down (maxUnavailable),
 * as the Deployment controller does.
 */
export function resolveIntOrPercent(v: IntOrString | undefined, fallback: string, total: number, roundUp: boolean): number {
  const value = v ?? fallback;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (m === null) {
    const n = Number(value);
    return Number.isFinite(n) ? n : 0;
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** maxSurge and maxUnavailable of a RollingUpdate Deployment resolved for its replica count (both 0: unavailable 1). */
export function resolveRollingUpdate(d: V1Deployment): { replicas: number; maxSurge: number; maxUnavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate;
  const maxSurge = resolveIntOrPercent(ru?.maxSurge, '25%', replicas, true);
  let maxUnavailable = resolveIntOrPercent(ru?.maxUnavailable, '25%', replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { replicas, maxSurge, maxUnavailable };
}

/** How long a preStop hook holds the pod, in seconds: known for `sleep` (native or exec), unknown (null) for other hooks, undefined without a hook. */
export function preStopDelaySeconds(h: V1LifecycleHandler | undefined): number | null | undefined {
  if (h === undefined) return undefined;
  if (h.sleep !== undefined) return h.sleep.seconds;
  const cmd = h.exec?.command;
  if (cmd !== undefined && cmd.length > 0) {
    const bin = (cmd[0] ?? '').split('/').pop();
    if (bin === 'sleep' && cmd[1] !== undefined) return parseSleepArg(cmd[1]);
    const m = /(?:^|[\s;&|(])sleep\s+(\d+(?:\.\d+)?)(s?)(?=$|[\s;&|)])/.exec(cmd.join(' '));
    if (m !== null) return Number(m[1]);
    return null;
  }
  return null;
}

function parseSleepArg(arg: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(arg.trim());
  if (m === null) return null;
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

function servesTraffic(c: V1Container): boolean {
  return (c.ports?.length ?? 0) > 0;
}

/**
 * Checks a Deployment (and its Service and PodDisruptionBudgets) for what zero-downtime rollouts
 * need: readiness probes, a preStop delay shorter than the grace period, a safe maxUnavailable,
 * two or more replicas, RollingUpdate, minReadySeconds, a PodDisruptionBudget, and a Service
 * whose selector and targetPort reach the pods.
 */
export function lintDeployment(input: LintInput): Finding[] {
  const d = input.deployment;
  const name = d.metadata?.name ?? '';
  const obj = `deployment/${name}`;
  const out: Finding[] = [];
  const podSpec = d.spec?.template?.spec;
  const containers = podSpec?.containers ?? [];
  const grace = podSpec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  // With one container it serves traffic whether or not it declares ports.
  const serving = containers.filter((c) => servesTraffic(c) || containers.length === 1);

  // Strategy
  const strategy = d.spec?.strategy?.type ?? 'RollingUpdate';
  if (strategy === 'Recreate') {
    out.push({
      id: 'strategy-recreate',
      severity: 'error',
      object: obj,
      message: 'strategy Recreate stops every old pod before any new pod starts: downtime by design',
      fix: 'use strategy.type RollingUpdate with maxUnavailable 0 and maxSurge 1',
    });
  } else {
    const { replicas, maxSurge, maxUnavailable } = resolveRollingUpdate(d);
    if (maxUnavailable > 0) {
      const left = Math.max(0, replicas - maxUnavailable);
      const raw = d.spec?.strategy?.rollingUpdate?.maxUnavailable;
      const given = raw === undefined ? '25% (the default)' : String(raw);
      out.push({
        id: 'max-unavailable',
        severity: left === 0 ? 'error' : 'warning',
        object: obj,
        message:
          left === 0
            ? `maxUnavailable ${given} resolves to ${maxUnavailable} of ${replicas} replicas: every serving pod may be down at once during the rollout`
            : `maxUnavailable ${given} resolves to ${maxUnavailable} of ${replicas} replicas: serving capacity drops to ${left}/${replicas} during the rollout, so the remaining pods take the full load`,
        fix: `set strategy.rollingUpdate.maxUnavailable: 0 and maxSurge: ${Math.max(1, maxSurge)} so a new pod is ready before an old one goes`,
      });
    }
  }

  const replicas = d.spec?.replicas ?? 1;
  if (replicas < 2) {
    out.push({
      id: 'replicas-low',
      severity: 'warning',
      object: obj,
      message: `${replicas} replica${replicas === 1 ? '' : 's'}: a crash, eviction or node drain is an outage, and one pod carries all the load while the next starts`,
      fix: 'run at least 2 replicas (and a PodDisruptionBudget)',
    });
  }

  if ((d.spec?.minReadySeconds ?? 0) <= 0) {
    out.push({
      id: 'min-ready-seconds',
      severity: 'info',
      object: obj,
      message: 'minReadySeconds is 0: an old pod may go as soon as a new one passes its first readiness check, before it has warmed up',
      fix: 'set minReadySeconds to a few seconds (e.g. 5-10) so a new pod proves itself before the next old pod terminates',
    });
  }

  // Containers
  for (const c of containers) {
    const cobj = `${obj} container ${c.name}`;
    const isServing = serving.includes(c);
    if (c.readinessProbe === undefined && isServing) {
      out.push({
        id: 'readiness-probe-missing',
        severity: 'error',
        object: cobj,
        message: 'no readiness probe: the pod receives traffic as soon as the container starts, before the app listens',
        fix: 'add a readinessProbe (httpGet on a health path, or tcpSocket on the serving port)',
      });
    }
    const delay = preStopDelaySeconds(c.lifecycle?.preStop);
    if (delay === undefined) {
      if (isServing) {
        out.push({
          id: 'prestop-missing',
          severity: 'error',
          object: cobj,
          message: 'no preStop hook: SIGTERM arrives while proxies and load balancers still send new connections to the pod (endpoint removal takes seconds to propagate)',
          fix: `add lifecycle.preStop.sleep.seconds: 10 (or exec: ["sleep", "10"]) and keep it below terminationGracePeriodSeconds (${grace})`,
        });
      }
    } else if (delay === null) {
      out.push({
        id: 'prestop-unknown-delay',
        severity: 'info',
        object: cobj,
        message: 'the preStop hook is not a plain sleep, so its delay cannot be checked against the grace period',
        fix: `make sure it waits longer than endpoint propagation (5-10 s) and ends well before terminationGracePeriodSeconds (${grace})`,
      });
    } else if (delay >= grace) {
      out.push({
        id: 'prestop-exceeds-grace',
        severity: 'error',
        object: cobj,
        message: `the preStop delay (${delay} s) is not shorter than terminationGracePeriodSeconds (${grace} s): the container is killed (SIGKILL) with no time to drain`,
        fix: `raise terminationGracePeriodSeconds to at least ${delay + Math.max(MIN_DRAIN_SECONDS, 10)} or shorten the preStop sleep`,
      });
    } else {
      if (delay < MIN_PRESTOP_SECONDS && isServing) {
        out.push({
          id: 'prestop-too-short',
          severity: 'warning',
          object: cobj,
          message: `the preStop delay (${delay} s) may end before endpoint removal reaches every proxy (1-3 s on a healthy cluster, more on large ones or behind an ingress)`,
          fix: `sleep ${MIN_PRESTOP_SECONDS}-10 s in preStop`,
        });
      }
      if (grace - delay < MIN_DRAIN_SECONDS) {
        out.push({
          id: 'grace-period-short',
          severity: 'warning',
          object: cobj,
          message: `terminationGracePeriodSeconds (${grace} s) leaves ${grace - delay} s after the preStop delay (${delay} s) to finish in-flight requests before SIGKILL`,
          fix: `raise terminationGracePeriodSeconds to at least ${delay + Math.max(MIN_DRAIN_SECONDS, 10)}`,
        });
      }
    }
  }

  // PodDisruptionBudget
  const podLabels = d.spec?.template?.metadata?.labels ?? {};
  if (input.podDisruptionBudgets !== undefined) {
    const pdb = input.podDisruptionBudgets.find((p) => selectorMatches(p.spec?.selector, podLabels));
    if (pdb === undefined) {
      out.push({
        id: 'pdb-missing',
        severity: 'warning',
        object: obj,
        message: 'no PodDisruptionBudget selects these pods: a node drain may evict them all at once',
        fix: 'add a PodDisruptionBudget with the pod labels as selector and maxUnavailable: 1 (or minAvailable below the replica count)',
      });
    }
  }

  // Services
  const services = [...(input.service === undefined ? [] : [input.service]), ...(input.services ?? [])];
  for (const svc of services) out.push(...lintService(svc, podLabels, containers));
  return out;
}

function labelList(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** True when a Service's selector (equality on every key) selects pods with these labels; false without a selector. */
export function serviceSelects(svc: V1Service, podLabels: Record<string, string>): boolean {
  const sel = svc.spec?.selector;
  if (sel === undefined || Object.keys(sel).length === 0) return false;
  return Object.entries(sel).every(([k, v]) => podLabels[k] === v);
}

/**
 * Checks one Service against the pods of a Deployment: it must have a selector, the selector
 * must select the pods, and every targetPort (number or name) must be one the pods serve.
 */
export function lintService(svc: V1Service, podLabels: Record<string, string>, containers: readonly V1Container[]): Finding[] {
  const out: Finding[] = [];
  const sobj = `service/${svc.metadata?.name ?? ''}`;
  const sel = svc.spec?.selector;
  if (sel === undefined || Object.keys(sel).length === 0) {
    out.push({
      id: 'service-no-selector',
      severity: 'warning',
      object: sobj,
      message: 'the Service has no selector: its endpoints are managed by hand and will not follow the rollout',
      fix: `set spec.selector to the pod labels (${Object.entries(podLabels).map(([k, v]) => `${k}: ${v}`).join(', ')})`,
    });
    return out;
  }
  if (!serviceSelects(svc, podLabels)) {
    const wrong = Object.entries(sel)
      .filter(([k, v]) => podLabels[k] !== v)
      .map(([k, v]) => (podLabels[k] === undefined ? `the pods have no label ${k}` : `${k} is ${podLabels[k]} on the pods, not ${v}`));
    out.push({
      id: 'service-selector-mismatch',
      severity: 'error',
      object: sobj,
      message: `the Service selector (${labelList(sel)}) selects none of the Deployment's pods (labels ${labelList(podLabels) || 'none'}): ${wrong.join('; ')}. The Service has no endpoints and every request to it fails`,
      fix: 'make spec.selector a subset of the pod template labels',
    });
    return out;
  }
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      numbers.add(p.containerPort);
      if (p.name !== undefined) names.add(p.name);
    }
  }
  for (const p of svc.spec?.ports ?? []) {
    const target: IntOrString = p.targetPort ?? p.port;
    const label = p.name === undefined ? `port ${p.port}` : `port ${p.name} (${p.port})`;
    if (typeof target === 'string' && !/^\d+$/.test(target)) {
      if (!names.has(target)) {
        out.push({
          id: 'service-target-port',
          severity: 'error',
          object: sobj,
          message: `${label} targets the named port "${target}", which no container declares${names.size > 0 ? ` (named ports: ${[...names].join(', ')})` : ''}: the endpoints get no port and requests fail`,
          fix: 'name the container port the same as the Service targetPort, or use the port number',
        });
      }
    } else if (numbers.size > 0 && !numbers.has(Number(target))) {
      // A numeric targetPort reaches whatever listens there, declared or not: a warning, not an error.
      out.push({
        id: 'service-target-port',
        severity: 'warning',
        object: sobj,
        message: `${label} targets port ${target}, which no container declares (declared: ${[...numbers].join(', ')})`,
        fix: 'point targetPort at the port the app listens on, and declare it in the container ports',
      });
    }
  }
  return out;
}
