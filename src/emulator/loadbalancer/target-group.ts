import http from 'node:http';
import net from 'node:net';
import type { LoadBalancerSettings } from '../../conventions/aws-load-balancer.js';
import { nextTargetState, registeredTarget, servesTraffic, type TargetHealth, type TargetInput, type TargetState } from './target-state.js';

/** Where a target listens and which pod it is. */
export interface TargetAddress {
  /** Stable id: the pod's name when known, else ip:port. */
  id: string;
  ip: string;
  port: number;
  pod?: { namespace: string; name: string };
}

/** One registered target: its address, health, health-check timer and the requests on it. */
export interface Target {
  address: TargetAddress;
  state: TargetState;
  /** Keep-alive connections from the load balancer to this target (cut when its drain ends). */
  agent: http.Agent;
  /** Requests forwarded to it that have not finished. */
  inFlight: Set<http.ClientRequest>;
  checkTimer: NodeJS.Timeout | undefined;
  drainTimer: NodeJS.Timeout | undefined;
}

/** A change of a target's health, as the group reports it. */
export interface TargetTransition {
  target: TargetAddress;
  from: TargetHealth | 'unregistered';
  to: TargetHealth;
  reason: string;
  /** In words, e.g. `healthy after 2 passed health checks`. */
  message: string;
}

/** Why an HTTP health check failed, by AWS reason code, or undefined when it passed. */
type CheckResult = { ok: true } | { ok: false; reason: string; detail: string };

/**
 * A target group: registered targets with their health, checked on an interval; new requests go
 * round-robin to healthy targets (and, when none is healthy, to the unhealthy ones: ALB fails
 * open); deregistered targets drain for the deregistration delay, or less when their last request
 * ends, and then their connections are cut.
 */
export class TargetGroup {
  private readonly targets = new Map<string, Target>();
  private rr = 0;
  private stopped = false;

  constructor(
    /** The target group's name, as the readiness gate condition carries it. */
    readonly name: string,
    private settings: LoadBalancerSettings,
    private readonly onTransition: (t: TargetTransition) => void,
  ) {}

  /** The settings in force (health checks already scheduled keep their next run). */
  configure(settings: LoadBalancerSettings): void {
    this.settings = settings;
  }

  /** The current settings. */
  current(): LoadBalancerSettings {
    return this.settings;
  }

  /** The registered targets (draining ones included), by id. */
  list(): Target[] {
    return [...this.targets.values()];
  }

  /** The target with this id, if registered. */
  get(id: string): Target | undefined {
    return this.targets.get(id);
  }

  /** Registers a target (a draining one with the same id is replaced). Health checks start at once. */
  register(address: TargetAddress): void {
    if (this.stopped) return;
    const had = this.targets.get(address.id);
    if (had !== undefined && had.state.health !== 'draining' && had.address.ip === address.ip && had.address.port === address.port) return;
    if (had !== undefined) this.finishDrain(had, 'replaced by a new registration');
    // No `timeout`: Node's agent then ignores the target's Keep-Alive hint, as an ALB does, so an
    // app closing idle connections sooner than the load balancer races its reuse (the classic 502).
    const t: Target = { address, state: registeredTarget(), agent: new http.Agent({ keepAlive: true }), inFlight: new Set(), checkTimer: undefined, drainTimer: undefined };
    this.targets.set(address.id, t);
    this.onTransition({ target: address, from: 'unregistered', to: 'initial', reason: t.state.reason, message: `registered; initial health checks (${this.thresholdWords()})` });
    this.scheduleCheck(t, 0);
  }

  /** Deregisters a target: no new requests; in-flight ones may finish until the deregistration delay ends. */
  deregister(id: string): void {
    const t = this.targets.get(id);
    if (t === undefined || t.state.health === 'draining') return;
    this.apply(t, { kind: 'deregister' }, `draining for up to ${this.settings.deregistrationDelayMs / 1000} s with ${t.inFlight.size} in-flight ${t.inFlight.size === 1 ? 'request' : 'requests'}`);
    if (t.checkTimer !== undefined) clearTimeout(t.checkTimer);
    t.checkTimer = undefined;
    if (t.inFlight.size === 0) {
      // ALB ends a deregistration at once when the target has nothing in flight.
      queueMicrotask(() => this.finishDrain(t, 'no request was in flight'));
      return;
    }
    t.drainTimer = setTimeout(() => this.finishDrain(t, 'the deregistration delay ended'), this.settings.deregistrationDelayMs);
  }

  /**
   * The target for a new request: round-robin over the healthy ones; when none is healthy, over
   * the unhealthy ones (fail open); undefined when no target may serve (none registered, or all
   * still in their initial checks or draining): the listener answers 503.
   */
  pick(): Target | undefined {
    let pool = this.list().filter((t) => servesTraffic(t.state));
    if (pool.length === 0) pool = this.list().filter((t) => t.state.health === 'unhealthy');
    if (pool.length === 0) return undefined;
    this.rr = (this.rr + 1) % pool.length;
    return pool[this.rr];
  }

  /** Tracks a forwarded request on its target; a draining target ends its drain when its last one ends. */
  track(t: Target, req: http.ClientRequest): void {
    t.inFlight.add(req);
    req.once('close', () => {
      t.inFlight.delete(req);
      if (t.inFlight.size === 0 && t.state.health === 'draining' && t.drainTimer !== undefined) {
        clearTimeout(t.drainTimer);
        t.drainTimer = undefined;
        queueMicrotask(() => this.finishDrain(t, 'its last in-flight request finished'));
      }
    });
  }

  /** Stops every timer and cuts every connection (the load balancer is gone). */
  stop(): void {
    this.stopped = true;
    for (const t of this.targets.values()) {
      if (t.checkTimer !== undefined) clearTimeout(t.checkTimer);
      if (t.drainTimer !== undefined) clearTimeout(t.drainTimer);
      for (const r of t.inFlight) r.destroy();
      t.agent.destroy();
    }
    this.targets.clear();
  }

  private thresholdWords(): string {
    const s = this.settings;
    return `${s.healthCheckProtocol} every ${s.healthCheckIntervalMs / 1000} s, healthy after ${s.healthyThreshold}, unhealthy after ${s.unhealthyThreshold}`;
  }

  private finishDrain(t: Target, why: string): void {
    if (this.targets.get(t.address.id) !== t) return;
    if (t.drainTimer !== undefined) clearTimeout(t.drainTimer);
    if (t.checkTimer !== undefined) clearTimeout(t.checkTimer);
    const cut = t.inFlight.size;
    for (const r of t.inFlight) r.destroy(new Error('the deregistration delay ended'));
    t.agent.destroy();
    this.targets.delete(t.address.id);
    const from = t.state.health;
    t.state = nextTargetState(t.state.health === 'draining' ? t.state : nextTargetState(t.state, { kind: 'deregister' }, this.settings), { kind: 'drained' }, this.settings);
    this.onTransition({
      target: t.address,
      from,
      to: 'deregistered',
      reason: t.state.reason,
      message: `deregistered: ${why}${cut > 0 ? `; cut ${cut} in-flight ${cut === 1 ? 'request' : 'requests'}` : ''}`,
    });
  }

  private apply(t: Target, input: TargetInput, detail?: string): void {
    const before = t.state;
    t.state = nextTargetState(t.state, input, this.settings);
    if (t.state.health === before.health) return;
    let message = detail ?? '';
    if (t.state.health === 'healthy') message = `healthy after ${t.state.passes} passed health ${t.state.passes === 1 ? 'check' : 'checks'}`;
    else if (t.state.health === 'unhealthy') message = `unhealthy after ${t.state.failures} failed health ${t.state.failures === 1 ? 'check' : 'checks'}${detail ? `: ${detail}` : ''}`;
    this.onTransition({ target: t.address, from: before.health, to: t.state.health, reason: t.state.reason, message });
  }

  private scheduleCheck(t: Target, delayMs: number): void {
    if (this.stopped) return;
    t.checkTimer = setTimeout(() => {
      t.checkTimer = undefined;
      if (this.targets.get(t.address.id) !== t || t.state.health === 'draining') return;
      void this.check(t).then((r) => {
        if (this.stopped || this.targets.get(t.address.id) !== t || t.state.health === 'draining') return;
        this.apply(t, r.ok ? { kind: 'check', ok: true } : { kind: 'check', ok: false, reason: r.reason }, r.ok ? undefined : r.detail);
        this.scheduleCheck(t, this.settings.healthCheckIntervalMs);
      });
    }, delayMs);
  }

  private check(t: Target): Promise<CheckResult> {
    const s = this.settings;
    const port = s.healthCheckPort === 'traffic-port' ? t.address.port : s.healthCheckPort;
    const host = t.address.ip;
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: CheckResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        finish({ ok: false, reason: 'Target.Timeout', detail: `no answer within ${s.healthCheckTimeoutMs / 1000} s` });
        req?.destroy();
        sock?.destroy();
      }, s.healthCheckTimeoutMs);
      let req: http.ClientRequest | undefined;
      let sock: net.Socket | undefined;
      if (s.healthCheckProtocol === 'TCP') {
        sock = net.connect({ host, port }, () => {
          sock?.destroy();
          finish({ ok: true });
        });
        sock.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, reason: 'Target.FailedHealthChecks', detail: `connection failed (${e.code ?? e.message})` }));
        return;
      }
      req = http.get({ host, port, path: s.healthCheckPath, agent: false, headers: { 'user-agent': 'ELB-HealthChecker/2.0' } }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        if (s.successCodes.some(([lo, hi]) => code >= lo && code <= hi)) finish({ ok: true });
        else finish({ ok: false, reason: 'Target.ResponseCodeMismatch', detail: `health check answered ${code}` });
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, reason: 'Target.FailedHealthChecks', detail: `connection failed (${e.code ?? e.message})` }));
    });
  }
}
