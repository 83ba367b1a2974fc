/*
 * The probe loops of one container instance (upstream pkg/kubelet/prober, one worker per probe):
 * startup gates the others; readiness sets the container ready after successThreshold successes
 * and unready after failureThreshold failures; startup and liveness failures restart the
 * container. Single probe runs are in probes.ts.
 */
import type { ContainerProcess } from './container-process.js';
import type { PodContainer } from './pod-container.js';
import { probeTiming, runProbe, type HandlerTarget } from './probes.js';

type Json = Record<string, any>;

/** What the probe loops need from the pod worker that runs the container. */
export interface ProberHost {
  /** How probes reach the container. */
  target: HandlerTarget;
  /** `namespace/name` of the pod, for log lines. */
  podKey: string;
  /** The pod is being deleted: liveness and startup stop probing. */
  isTerminating(): boolean;
  /** The kubelet stopped: every loop ends. */
  isStopped(): boolean;
  /** The pod's spec.terminationGracePeriodSeconds now (a probe's own value overrides it). */
  podGraceSeconds(): unknown;
  /** The container's started or ready flag changed. */
  writeStatus(): void;
  /** Kills the container (preStop, SIGTERM, SIGKILL at grace) so that its restart policy restarts it. */
  kill(graceMs: number): void;
  log(m: string): void;
}

/** The grace period of a kill for a failed probe: probe-level terminationGracePeriodSeconds, else the pod's, else 30 s. */
export function probeGraceMs(probe: Json, podGraceSeconds: unknown): number {
  const s = probe['terminationGracePeriodSeconds'] ?? podGraceSeconds ?? 30;
  return Math.max(0, Number(s)) * 1000;
}

/**
 * Starts the probe loops of a container instance that has just started; they end with the
 * instance (its cancels) and when the kubelet stops. A container without a startup probe is
 * started at once, and without a readiness probe ready once started.
 */
export function startProbes(c: PodContainer, proc: ContainerProcess, host: ProberHost): void {
  const target = host.target;
  const startup: Json | undefined = c.spec['startupProbe'];
  const readiness: Json | undefined = c.spec['readinessProbe'];
  const liveness: Json | undefined = c.spec['livenessProbe'];
  const alive = (): boolean => c.proc === proc && !proc.isDone && !host.isStopped();
  let triggerReadiness = (): void => undefined;
  const loop = (kind: string, probe: Json, onResult: (ok: boolean, message: string) => void, gate: () => boolean): (() => void) => {
    const t = probeTiming(probe);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async (): Promise<void> => {
      timer = undefined;
      if (!alive() || running) return;
      if (gate()) {
        running = true;
        const r = await runProbe(probe, target);
        running = false;
        if (!alive()) return;
        onResult(r.ok, r.message);
      }
      if (alive() && timer === undefined) timer = setTimeout(() => void tick(), t.periodMs);
    };
    timer = setTimeout(() => void tick(), t.initialDelayMs);
    c.cancels.push(() => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    });
    void kind;
    return () => {
      // an immediate run, as upstream triggers readiness when a container has just started
      if (timer !== undefined && Date.now() - c.startedAtMs >= t.initialDelayMs) {
        clearTimeout(timer);
        timer = undefined;
        void tick();
      }
    };
  };

  if (startup) {
    const st = probeTiming(startup);
    let fails = 0;
    loop(
      'startup',
      startup,
      (ok, message) => {
        if (c.started) return;
        if (ok) {
          c.started = true;
          if (!readiness) c.ready = true;
          host.writeStatus();
          triggerReadiness();
        } else if (++fails >= st.failureThreshold) {
          host.log(`kubelet: pod ${host.podKey} container ${c.name} failed startup probe, will be restarted: ${message}`);
          host.kill(probeGraceMs(startup, host.podGraceSeconds()));
        }
      },
      () => !c.started && !host.isTerminating(),
    );
  } else {
    c.started = true;
    if (!readiness) c.ready = true;
  }
  if (readiness) {
    const rt = probeTiming(readiness);
    triggerReadiness = loop(
      'readiness',
      readiness,
      (ok) => {
        // Upstream readiness keeps probing while the pod terminates; only the result counts.
        if (ok) {
          c.readiness.failures = 0;
          if (!c.ready && ++c.readiness.successes >= rt.successThreshold) {
            c.ready = true;
            host.writeStatus();
          }
        } else {
          c.readiness.successes = 0;
          // A container not yet ready stays not ready; a ready one flips after failureThreshold.
          if (c.ready && ++c.readiness.failures >= rt.failureThreshold) {
            c.ready = false;
            host.writeStatus();
          }
        }
      },
      () => c.started,
    );
  }
  if (liveness) {
    const lt = probeTiming(liveness);
    let fails = 0;
    loop(
      'liveness',
      liveness,
      (ok, message) => {
        if (ok) {
          fails = 0;
          return;
        }
        if (++fails >= lt.failureThreshold) {
          fails = 0;
          host.log(`kubelet: pod ${host.podKey} container ${c.name} failed liveness probe, will be restarted: ${message}`);
          host.kill(probeGraceMs(liveness, host.podGraceSeconds()));
        }
      },
      // Upstream stops liveness and startup probing once the pod is being deleted.
      () => c.started && !host.isTerminating(),
    );
  }
}
