import type { StoreEvent } from '../api/store-types.js';
import { objectKey, type ControllerContext } from './controller-context.js';
import { WorkQueue } from './work-queue.js';

/**
 * What every controller here shares: a work queue of object keys synced one at a time, fed by
 * store watches from one resourceVersion on, with the primary resource listed in at start.
 */
export abstract class QueueController {
  protected readonly queue: WorkQueue;
  readonly #unwatch: Array<() => void> = [];

  protected constructor(
    protected readonly ctx: ControllerContext,
    component: string,
  ) {
    this.queue = new WorkQueue(component, (key) => this.sync(key), ctx.log);
  }

  /** The resource whose objects are the queue's keys (listed into the queue at start). */
  protected abstract readonly primary: string;

  /** The watches that feed the queue: resource and what to do with each of its events. */
  protected abstract watches(): Array<[resource: string, onEvent: (e: StoreEvent) => void]>;

  /** Reconciles the object with this key. */
  protected abstract sync(key: string): void;

  /** Lists the primary resource into the queue and opens the watches. */
  start(): void {
    const { store } = this.ctx;
    const rv = store.currentResourceVersion();
    for (const o of store.list(this.primary, undefined).items) this.queue.add(objectKey(o));
    for (const [resource, onEvent] of this.watches()) this.#unwatch.push(store.watch(resource, undefined, rv, onEvent));
  }

  /** Stops watching and processing. */
  async stop(): Promise<void> {
    for (const u of this.#unwatch.splice(0)) u();
    await this.queue.stop();
  }

  /** Resolves when no object is waiting to be synced (timers aside). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
