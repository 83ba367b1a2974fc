import type { KObject, Store } from '../api/store-types.js';
import type { BackoffPolicy } from './backoff.js';
import { ContainerProcess, type ContainerExit } from './container-process.js';
import { containerEnv, expandVars } from './container-env.js';
import type { ImageMap } from './images.js';
import { LogBuffer } from './log-buffer.js';
import { formatPortMap, PORT_MAP_ANNOTATION, type PodAddress, type PodAddressAllocator } from './pod-addressing.js';
import { isoSeconds, newPodContainer, type ContainerState, type PodContainer } from './pod-container.js';
import { PodStatusManager, readinessGatesOf } from './pod-status.js';
import { startProbes } from './prober.js';
import { runHook, type HandlerTarget } from './probes.js';

type Json = Record<string, any>;

/** Everything a pod worker shares with its kubelet. */
export interface PodWorkerContext {
  store: Store;
  nodeName: string;
  hostIP: string;
  images: ImageMap;
  allocator: PodAddressAllocator;
  backoff: BackoffPolicy;
  basePath: string | undefined;
  log: (m: string) => void;
  /** The log buffer of a container of this pod (kept by the kubelet beyond the pod's life). */
  logBuffer(namespace: string, pod: string, uid: string, container: string): LogBuffer;
}

/** The kubelet never lets a container get less than this after its preStop hook (upstream minimumGracePeriodInSeconds). */
const MIN_GRACE_AFTER_PRESTOP_MS = 2000;

function key(pod: KObject): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name ?? ''}`;
}

/**
 * One pod on this node, from sandbox to removal: address, containers as process groups,
 * restarts with back-off, graceful termination in upstream order. The probe loops are in
 * prober.ts, the status that reports all of it in pod-status.ts.
 */
export class PodWorker {
  readonly uid: string;
  private pod: KObject;
  private readonly containers: PodContainer[];
  private address: PodAddress | undefined;
  private startTimeMs = Date.now();
  private terminating = false;
  private deletedFromApi = false;
  private stopped = false;
  private readonly status: PodStatusManager;
  /** Resolves when the worker is finished (pod removed or kubelet stopped). */
  readonly finished: Promise<void>;
  private finish!: () => void;

  constructor(
    pod: KObject,
    private readonly ctx: PodWorkerContext,
  ) {
    this.pod = pod;
    this.uid = pod.metadata.uid ?? key(pod);
    const specs: Json[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
    this.containers = specs.map((spec) => newPodContainer(spec, ctx.images, ctx.backoff));
    const ref = { namespace: this.ns, name: this.name, uid: this.uid };
    this.status = new PodStatusManager(
      ctx.store,
      ref,
      () => (this.stopped ? undefined : { containers: this.containers, address: this.address, terminating: this.terminating, restartPolicy: this.restartPolicy, startTimeMs: this.startTimeMs, hostIP: this.ctx.hostIP, readinessGates: readinessGatesOf(this.pod) }),
      ctx.log,
    );
    this.finished = new Promise((r) => (this.finish = r));
  }

  private get ns(): string {
    return this.pod.metadata.namespace ?? 'default';
  }

  private get name(): string {
    return this.pod.metadata.name ?? '';
  }

  private get restartPolicy(): string {
    return String(this.pod.spec?.restartPolicy ?? 'Always');
  }

  /** Creates the sandbox (address) and starts the containers. */
  async start(): Promise<void> {
    this.startTimeMs = Date.now();
    const ports: number[] = [];
    for (const c of this.containers) for (const p of (c.spec['ports'] ?? []) as Json[]) if (typeof p['containerPort'] === 'number') ports.push(p['containerPort']);
    try {
      this.address = await this.ctx.allocator.allocate(ports);
    } catch (e) {
      this.ctx.log(`kubelet: pod ${key(this.pod)}: sandbox failed: ${(e as Error).message}`);
      for (const c of this.containers) c.state = { waiting: { reason: 'ContainerCreating', message: (e as Error).message } };
      this.writeStatus();
      return;
    }
    if (this.stopped) return;
    if (this.ctx.allocator.mode === 'port') this.publishPortMap();
    this.writeStatus();
    if (this.terminating) return;
    for (const c of this.containers) this.startContainer(c);
  }

  /** A newer version of the pod from the API. */
  update(pod: KObject): void {
    if (pod.metadata.uid !== undefined && pod.metadata.uid !== this.uid) return;
    this.pod = pod;
    if (pod.metadata.deletionTimestamp !== undefined && !this.terminating) void this.terminate();
    // Another writer (a load balancer controller) may have set a readiness gate's condition.
    else if (readinessGatesOf(pod).length > 0) this.writeStatus();
  }

  /** The pod was removed from the API (force delete, or our own final delete). */
  deleted(): void {
    this.deletedFromApi = true;
    if (!this.terminating) void this.terminate();
  }

  /** Kubelet shutdown: kill everything fast, write nothing more. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    for (const c of this.containers) this.cancelInstance(c, true);
    await Promise.all(
      this.containers.map(async (c) => {
        const p = c.proc;
        if (!p || p.isDone) return;
        p.signal('SIGTERM');
        const t = setTimeout(() => p.signal('SIGKILL'), graceMs);
        await p.exited;
        clearTimeout(t);
      }),
    );
    if (this.address) this.ctx.allocator.release(this.address.ip);
    this.finish();
  }

  private publishPortMap(): void {
    if (!this.address) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = this.ctx.store.get('pods', this.ns, this.name);
      if (!cur || cur.metadata.uid !== this.uid) return;
      cur.metadata.annotations = { ...(cur.metadata.annotations ?? {}), [PORT_MAP_ANNOTATION]: formatPortMap(this.address.ports) };
      try {
        this.pod = this.ctx.store.update('pods', cur);
        return;
      } catch (e) {
        if ((e as { code?: unknown }).code !== 409) throw e;
      }
    }
  }

  private target(c: PodContainer, env: Record<string, string>): HandlerTarget {
    const ip = this.address?.ip ?? '127.0.0.1';
    const ports = this.address?.ports ?? new Map<number, number>();
    const cports = (c.spec['ports'] ?? []) as Json[];
    return {
      podIP: ip,
      env,
      ...(c.image?.cwd === undefined ? {} : { cwd: c.image.cwd }),
      resolvePort: (port: unknown) => {
        let n: number | undefined;
        if (typeof port === 'number') n = port;
        else if (typeof port === 'string' && /^\d+$/.test(port)) n = Number(port);
        else if (typeof port === 'string') {
          // named port: look it up among every container's ports, as the kubelet does
          for (const cc of this.containers) for (const p of (cc.spec['ports'] ?? []) as Json[]) if (p['name'] === port) n = Number(p['containerPort']);
          void cports;
        }
        if (n === undefined || !Number.isInteger(n)) return undefined;
        return ports.get(n) ?? n;
      },
    };
  }

  private envFor(c: PodContainer): Record<string, string> {
    const first = ((c.spec['ports'] ?? []) as Json[])[0]?.['containerPort'];
    const mapped = typeof first === 'number' ? (this.address?.ports.get(first) ?? first) : undefined;
    return containerEnv({
      store: this.ctx.store,
      pod: this.pod,
      container: c.spec,
      imageEnv: c.image?.env,
      podIP: this.address?.ip ?? '',
      hostIP: this.ctx.hostIP,
      port: mapped,
      forcePort: this.ctx.allocator.mode === 'port',
      basePath: this.ctx.basePath,
    });
  }

  private startContainer(c: PodContainer): void {
    if (this.terminating || this.stopped) return;
    if (c.image === undefined) {
      const image = String(c.spec['image'] ?? '');
      c.state = { waiting: { reason: 'ErrImagePull', message: `failed to pull and unpack image "${image}": not found (the emulator knows no image of this name)` } };
      this.writeStatus();
      const t = setTimeout(() => {
        if (this.terminating || this.stopped) return;
        c.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } };
        this.writeStatus();
      }, 1000);
      c.cancels.push(() => clearTimeout(t));
      return;
    }
    const env = this.envFor(c);
    const userCmd: unknown[] | undefined = Array.isArray(c.spec['command']) ? c.spec['command'] : undefined;
    const userArgs: unknown[] | undefined = Array.isArray(c.spec['args']) ? c.spec['args'] : undefined;
    const argv = [...(userCmd ?? c.image.command), ...(userArgs ?? [])].map((x) => expandVars(String(x), env));
    const [command, ...args] = argv;
    if (command === undefined) {
      c.state = { waiting: { reason: 'CreateContainerError', message: 'no command specified' } };
      this.writeStatus();
      return;
    }
    const buffer = this.ctx.logBuffer(this.ns, this.name, this.uid, c.name);
    const proc = new ContainerProcess({ command, args, env, ...(c.image.cwd === undefined ? {} : { cwd: c.image.cwd }), onOutput: (s) => buffer.append(s) });
    c.proc = proc;
    c.startedAtMs = Date.now();
    c.ready = false;
    c.started = false;
    c.readiness = { successes: 0, failures: 0 };
    c.state = { running: { startedAt: isoSeconds(c.startedAtMs) } };
    this.ctx.log(`kubelet: pod ${this.ns}/${this.name} container ${c.name} started (pgid ${proc.pgid})`);
    void proc.exited.then((exit) => this.onExit(c, proc, exit));
    proc.started.then(
      () => {
        if (c.proc !== proc || proc.isDone) return;
        startProbes(c, proc, {
          target: this.target(c, env),
          podKey: `${this.ns}/${this.name}`,
          isTerminating: () => this.terminating,
          isStopped: () => this.stopped,
          podGraceSeconds: () => this.pod.spec?.terminationGracePeriodSeconds,
          writeStatus: () => this.writeStatus(),
          kill: (graceMs) => void this.killContainer(c, graceMs, true),
          log: this.ctx.log,
        });
        this.writeStatus();
      },
      () => undefined,
    );
    this.writeStatus();
  }

  /** Stops probes and pending restarts of the current instance. */
  private cancelInstance(c: PodContainer, alsoRestart: boolean): void {
    for (const f of c.cancels.splice(0)) f();
    if (alsoRestart && c.restartTimer) {
      clearTimeout(c.restartTimer);
      c.restartTimer = undefined;
    }
  }

  /**
   * Kills one container the upstream way: preStop hook (its time counts against the grace
   * period), SIGTERM to the group, SIGKILL when the rest of the grace period is over (never less
   * than 2 s after the hook).
   */
  private killContainer(c: PodContainer, graceMs: number, runPreStop: boolean): Promise<void> {
    const proc = c.proc;
    if (!proc || proc.isDone) return Promise.resolve();
    if (c.killing) return c.killing;
    c.killing = (async () => {
      const t0 = Date.now();
      let remaining = graceMs;
      const preStop: Json | undefined = c.spec['lifecycle']?.['preStop'];
      if (runPreStop && preStop && graceMs > 0) {
        const env = this.envFor(c);
        const hookDone = runHook(preStop, this.target(c, env), graceMs);
        const r = await Promise.race([hookDone, proc.exited.then(() => ({ ok: true, message: 'container exited' }))]);
        if (!r.ok) this.ctx.log(`kubelet: pod ${this.ns}/${this.name} container ${c.name} preStop hook failed: ${r.message}`);
        remaining = Math.max(graceMs - (Date.now() - t0), MIN_GRACE_AFTER_PRESTOP_MS);
      }
      if (proc.isDone) return;
      proc.signal('SIGTERM');
      const killer = setTimeout(() => {
        this.ctx.log(`kubelet: pod ${this.ns}/${this.name} container ${c.name} did not stop within the grace period: SIGKILL`);
        proc.signal('SIGKILL');
      }, remaining);
      await proc.exited;
      clearTimeout(killer);
    })().finally(() => {
      c.killing = undefined;
    });
    return c.killing;
  }

  private onExit(c: PodContainer, proc: ContainerProcess, exit: ContainerExit): void {
    if (c.proc !== proc) return;
    this.cancelInstance(c, false);
    c.ready = false;
    const terminated: ContainerState = {
      terminated: {
        exitCode: exit.exitCode,
        ...(exit.signal !== null ? { signal: exit.exitCode - 128 } : {}),
        reason: exit.reason,
        ...(exit.message !== undefined ? { message: exit.message } : {}),
        startedAt: isoSeconds(c.startedAtMs),
        finishedAt: isoSeconds(exit.finishedAtMs),
        containerID: `zerodrop://${proc.pgid}`,
      },
    };
    c.state = terminated;
    this.ctx.log(`kubelet: pod ${this.ns}/${this.name} container ${c.name} exited ${exit.exitCode} (${exit.reason})`);
    if (this.stopped) return;
    if (this.terminating) {
      this.writeStatus();
      return;
    }
    const policy = this.restartPolicy;
    const restart = policy === 'Always' || (policy === 'OnFailure' && exit.exitCode !== 0);
    if (!restart) {
      c.started = false;
      this.writeStatus();
      return;
    }
    const wait = c.backoff.next(exit.finishedAtMs - c.startedAtMs);
    c.lastState = terminated;
    c.started = false;
    const again = (): void => {
      c.restartTimer = undefined;
      if (this.terminating || this.stopped) return;
      c.restartCount++;
      this.startContainer(c);
    };
    if (wait === 0) {
      again();
      return;
    }
    c.state = {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(wait / 1000)}s restarting failed container=${c.name} pod=${this.name}_${this.ns}(${this.uid})`,
      },
    };
    c.restartTimer = setTimeout(again, wait);
    this.writeStatus();
  }

  /** Graceful termination of the whole pod, then removal from the API. */
  private async terminate(): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    const md = this.pod.metadata;
    const graceS = md.deletionGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30;
    const graceMs = Math.max(0, Number(graceS)) * 1000;
    this.ctx.log(`kubelet: pod ${this.ns}/${this.name} terminating (grace ${graceMs / 1000}s)`);
    for (const c of this.containers) {
      if (c.restartTimer) {
        clearTimeout(c.restartTimer);
        c.restartTimer = undefined;
        const last = c.lastState;
        if ('waiting' in c.state && 'terminated' in last) c.state = last as ContainerState;
      }
      if (c.image === undefined) this.cancelInstance(c, true);
    }
    this.writeStatus();
    await Promise.all(this.containers.map((c) => this.killContainer(c, graceMs, !this.deletedFromApi)));
    if (this.stopped) return;
    this.writeStatus();
    if (!this.deletedFromApi) {
      const cur = this.ctx.store.get('pods', this.ns, this.name);
      if (cur && cur.metadata.uid === this.uid) {
        try {
          this.ctx.store.delete('pods', this.ns, this.name, { gracePeriodSeconds: 0 });
        } catch (e) {
          if ((e as { code?: unknown }).code !== 404) this.ctx.log(`kubelet: pod ${this.ns}/${this.name} final delete failed: ${(e as Error).message}`);
        }
      }
    }
    if (this.address) this.ctx.allocator.release(this.address.ip);
    this.ctx.log(`kubelet: pod ${this.ns}/${this.name} removed`);
    this.finish();
  }

  /** Writes the pod status if it changed (status subresource, like the kubelet's status manager). */
  writeStatus(): void {
    this.status.write();
  }
}
