import { RestartBackoff, type BackoffPolicy } from './backoff.js';
import type { ContainerProcess } from './container-process.js';
import { resolveImage, type ImageMap, type ImageSpec } from './images.js';

type Json = Record<string, any>;

/** A container's state as the API shows it (core/v1 ContainerState: exactly one of the three). */
export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; signal?: number; reason: string; message?: string; startedAt: string; finishedAt: string; containerID?: string } };

/**
 * One container of a pod as the kubelet tracks it: shared by the lifecycle (which starts, restarts
 * and kills it), the prober (which sets started and ready) and the pod status (which reports it).
 */
export interface PodContainer {
  spec: Json;
  name: string;
  image: ImageSpec | undefined;
  proc: ContainerProcess | undefined;
  startedAtMs: number;
  restartCount: number;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  ready: boolean;
  started: boolean;
  /** Probe loops and timers of the current instance. */
  cancels: Array<() => void>;
  restartTimer: ReturnType<typeof setTimeout> | undefined;
  backoff: RestartBackoff;
  readiness: { successes: number; failures: number };
  killing: Promise<void> | undefined;
}

/** A container not created yet: waiting in ContainerCreating, its image resolved (undefined: unknown image). */
export function newPodContainer(spec: Json, images: ImageMap, backoff: BackoffPolicy): PodContainer {
  return {
    spec,
    name: String(spec['name'] ?? ''),
    image: resolveImage(images, String(spec['image'] ?? '')),
    proc: undefined,
    startedAtMs: 0,
    restartCount: 0,
    state: { waiting: { reason: 'ContainerCreating' } },
    lastState: {},
    ready: false,
    started: false,
    cancels: [],
    restartTimer: undefined,
    backoff: new RestartBackoff(backoff),
    readiness: { successes: 0, failures: 0 },
    killing: undefined,
  };
}

/** A timestamp as the API writes it: RFC 3339 in whole seconds. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
