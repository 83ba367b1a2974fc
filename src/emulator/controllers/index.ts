import type { Store } from '../api/store-types.js';
import type { ControllerContext } from './controller-context.js';
import { DeploymentController } from './deployment-controller.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { JobController } from './job-controller.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { Scheduler } from './scheduler.js';

/** The controllers and the scheduler, for callers that run them one by one. */
export { DeploymentController } from './deployment-controller.js';
export { ReplicaSetController } from './replicaset-controller.js';
export { EndpointSliceController } from './endpointslice-controller.js';
export { Scheduler } from './scheduler.js';

/** Running controllers: stop() ends their watches and waits for the work in progress. */
export interface RunningControllers {
  stop(): Promise<void>;
  /** Resolves when every controller's queue is empty (pending timers aside); for tests. */
  idle(): Promise<void>;
}

/**
 * Starts the emulator's control plane against a store: the Deployment, ReplicaSet and
 * EndpointSlice controllers and the scheduler, each with its own serial work queue.
 */
export function startControllers(store: Store, opts: { log?: (msg: string) => void; now?: () => number } = {}): RunningControllers {
  const ctx: ControllerContext = { store, log: opts.log ?? (() => {}), now: opts.now ?? (() => Date.now()) };
  const parts = [new Scheduler(ctx), new ReplicaSetController(ctx), new DeploymentController(ctx), new EndpointSliceController(ctx), new JobController(ctx)];
  for (const p of parts) p.start();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= Promise.all(parts.map((p) => p.stop())).then(() => undefined);
      return stopped;
    },
    async idle() {
      // Queues feed each other: settle until a full pass finds all of them empty.
      for (let i = 0; i < 3; i++) await Promise.all(parts.map((p) => p.idle()));
    },
  };
}
