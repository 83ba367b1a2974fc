/*
 * What the emulator's load balancer and zerodrop's lint both know of the AWS Load Balancer
 * Controller (conventions/ holds such facts about real controllers, so the tool never imports the
 * emulator). The load balancer's settings, read from the Service's annotations under the names the AWS Load
 * Balancer Controller gives them (docs/guide/service/annotations.md), with its defaults. A value
 * that does not parse falls back to the default and is reported, as the controller reports a
 * bad annotation in an Event instead of failing the Service.
 */

/** Prefix of the AWS Load Balancer Controller's Service annotations. */
export const AWS_LB_PREFIX = 'service.beta.kubernetes.io/aws-load-balancer-';

/** The annotations the emulator's load balancer honours, by what they set. */
export const LB_ANNOTATIONS = {
  healthCheckProtocol: `${AWS_LB_PREFIX}healthcheck-protocol`,
  healthCheckPort: `${AWS_LB_PREFIX}healthcheck-port`,
  healthCheckPath: `${AWS_LB_PREFIX}healthcheck-path`,
  healthCheckInterval: `${AWS_LB_PREFIX}healthcheck-interval`,
  healthCheckTimeout: `${AWS_LB_PREFIX}healthcheck-timeout`,
  healthyThreshold: `${AWS_LB_PREFIX}healthcheck-healthy-threshold`,
  unhealthyThreshold: `${AWS_LB_PREFIX}healthcheck-unhealthy-threshold`,
  successCodes: `${AWS_LB_PREFIX}healthcheck-success-codes`,
  targetGroupAttributes: `${AWS_LB_PREFIX}target-group-attributes`,
  attributes: `${AWS_LB_PREFIX}attributes`,
} as const;

/** The target group attribute that sets the deregistration delay. */
export const DEREGISTRATION_DELAY_ATTRIBUTE = 'deregistration_delay.timeout_seconds';
/** The load balancer attribute that sets how long a request may wait on a target (504 after it). */
export const IDLE_TIMEOUT_ATTRIBUTE = 'idle_timeout.timeout_seconds';

/** How the load balancer checks, routes to and drains its targets. */
export interface LoadBalancerSettings {
  /** `HTTP`: a GET of `path` must answer one of `successCodes`; `TCP`: a connection must open. */
  healthCheckProtocol: 'HTTP' | 'TCP';
  /** `traffic-port` (the target's own port) or a port number. */
  healthCheckPort: 'traffic-port' | number;
  healthCheckPath: string;
  healthCheckIntervalMs: number;
  healthCheckTimeoutMs: number;
  /** Consecutive passed checks before a target is healthy (from initial or unhealthy). */
  healthyThreshold: number;
  /** Consecutive failed checks before a target is unhealthy. */
  unhealthyThreshold: number;
  /** Inclusive status ranges a health check must answer. */
  successCodes: Array<[number, number]>;
  /** How long a deregistered target drains before its connections are cut. */
  deregistrationDelayMs: number;
  /** How long a forwarded request may wait for the target's answer before the 504. */
  idleTimeoutMs: number;
}

/** The AWS Load Balancer Controller's defaults for a Service (IP targets), and ALB's idle timeout. */
export const LB_DEFAULTS: LoadBalancerSettings = {
  healthCheckProtocol: 'TCP',
  healthCheckPort: 'traffic-port',
  healthCheckPath: '/',
  healthCheckIntervalMs: 10_000,
  healthCheckTimeoutMs: 10_000,
  healthyThreshold: 3,
  unhealthyThreshold: 3,
  successCodes: [[200, 399]],
  deregistrationDelayMs: 300_000,
  idleTimeoutMs: 60_000,
};

/** Settings with the problems found reading them (annotation: message). */
export interface ParsedSettings {
  settings: LoadBalancerSettings;
  problems: string[];
}

/** Parses `key=value,key=value` (target group and load balancer attributes). */
export function parseAttributes(text: string | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const part of (text ?? '').split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    m.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  return m;
}

/** Parses success codes: `200`, `200-299`, `200,302`. Undefined on bad syntax. */
export function parseSuccessCodes(text: string): Array<[number, number]> | undefined {
  const out: Array<[number, number]> = [];
  for (const part of text.split(',')) {
    const m = part.trim().match(/^(\d{3})(?:-(\d{3}))?$/);
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo < 100 || hi > 599 || hi < lo) return undefined;
    out.push([lo, hi]);
  }
  return out.length > 0 ? out : undefined;
}

function intIn(text: string | undefined, lo: number, hi: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return n >= lo && n <= hi ? n : undefined;
}

/**
 * Reads the settings from a Service's annotations. Ranges are AWS's: interval 5-300 s, timeout
 * 2-120 s, thresholds 2-10, deregistration delay 0-3600 s, idle timeout 1-4000 s. The emulator
 * also accepts an interval and timeout down to 1 s, so scenarios run in seconds, not minutes.
 */
export function readLoadBalancerSettings(annotations: Readonly<Record<string, string>> | undefined): ParsedSettings {
  const a = annotations ?? {};
  const s: LoadBalancerSettings = { ...LB_DEFAULTS, successCodes: [...LB_DEFAULTS.successCodes] };
  const problems: string[] = [];
  const num = (key: string, lo: number, hi: number, set: (n: number) => void): void => {
    const raw = a[key];
    if (raw === undefined) return;
    const n = intIn(raw, lo, hi);
    if (n === undefined) problems.push(`${key}: "${raw}" is not a whole number from ${lo} to ${hi}; using the default`);
    else set(n);
  };
  const proto = a[LB_ANNOTATIONS.healthCheckProtocol];
  if (proto !== undefined) {
    const p = proto.trim().toUpperCase();
    if (p === 'HTTP' || p === 'TCP') s.healthCheckProtocol = p;
    else if (p === 'HTTPS') {
      s.healthCheckProtocol = 'HTTP';
      problems.push(`${LB_ANNOTATIONS.healthCheckProtocol}: HTTPS checks are made over plain HTTP in the emulator`);
    } else problems.push(`${LB_ANNOTATIONS.healthCheckProtocol}: "${proto}" is not HTTP, HTTPS or TCP; using TCP`);
  }
  const port = a[LB_ANNOTATIONS.healthCheckPort];
  if (port !== undefined && port.trim() !== 'traffic-port') {
    const n = intIn(port, 1, 65535);
    if (n === undefined) problems.push(`${LB_ANNOTATIONS.healthCheckPort}: "${port}" is not traffic-port or a port number; using traffic-port`);
    else s.healthCheckPort = n;
  }
  const path = a[LB_ANNOTATIONS.healthCheckPath];
  if (path !== undefined) {
    if (path.startsWith('/')) s.healthCheckPath = path;
    else problems.push(`${LB_ANNOTATIONS.healthCheckPath}: "${path}" must start with /; using /`);
  }
  num(LB_ANNOTATIONS.healthCheckInterval, 1, 300, (n) => (s.healthCheckIntervalMs = n * 1000));
  num(LB_ANNOTATIONS.healthCheckTimeout, 1, 120, (n) => (s.healthCheckTimeoutMs = n * 1000));
  num(LB_ANNOTATIONS.healthyThreshold, 2, 10, (n) => (s.healthyThreshold = n));
  num(LB_ANNOTATIONS.unhealthyThreshold, 2, 10, (n) => (s.unhealthyThreshold = n));
  const codes = a[LB_ANNOTATIONS.successCodes];
  if (codes !== undefined) {
    const parsed = parseSuccessCodes(codes);
    if (parsed === undefined) problems.push(`${LB_ANNOTATIONS.successCodes}: "${codes}" is not a list of codes or ranges such as 200-399; using 200-399`);
    else s.successCodes = parsed;
  }
  const tg = parseAttributes(a[LB_ANNOTATIONS.targetGroupAttributes]);
  const delay = tg.get(DEREGISTRATION_DELAY_ATTRIBUTE);
  if (delay !== undefined) {
    const n = intIn(delay, 0, 3600);
    if (n === undefined) problems.push(`${LB_ANNOTATIONS.targetGroupAttributes}: ${DEREGISTRATION_DELAY_ATTRIBUTE}="${delay}" is not a whole number of seconds from 0 to 3600; using 300`);
    else s.deregistrationDelayMs = n * 1000;
  }
  const lb = parseAttributes(a[LB_ANNOTATIONS.attributes]);
  const idle = lb.get(IDLE_TIMEOUT_ATTRIBUTE);
  if (idle !== undefined) {
    const n = intIn(idle, 1, 4000);
    if (n === undefined) problems.push(`${LB_ANNOTATIONS.attributes}: ${IDLE_TIMEOUT_ATTRIBUTE}="${idle}" is not a whole number of seconds from 1 to 4000; using 60`);
    else s.idleTimeoutMs = n * 1000;
  }
  if (s.healthCheckTimeoutMs > s.healthCheckIntervalMs) {
    // The default timeout shrinks with a shorter interval; a timeout given too long is reported.
    if (a[LB_ANNOTATIONS.healthCheckTimeout] !== undefined) problems.push(`${LB_ANNOTATIONS.healthCheckTimeout}: the timeout (${s.healthCheckTimeoutMs / 1000} s) is longer than the interval (${s.healthCheckIntervalMs / 1000} s); using the interval`);
    s.healthCheckTimeoutMs = s.healthCheckIntervalMs;
  }
  return { settings: s, problems };
}

/** True when a Service carries any AWS load balancer annotation. */
export function hasAwsLoadBalancerAnnotation(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return Object.keys(annotations ?? {}).some((k) => k.startsWith(AWS_LB_PREFIX));
}

/** The namespace label that turns the controller's pod readiness gate injection on (value `enabled`). */
export const READINESS_GATE_INJECT_LABEL = 'elbv2.k8s.aws/pod-readiness-gate-inject';
/** Prefix of the pod condition (and readiness gate) the controller sets per target group. */
export const TARGET_HEALTH_CONDITION_PREFIX = 'target-health.elbv2.k8s.aws/';
