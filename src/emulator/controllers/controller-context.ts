import type { KObject, Store } from '../api/store-types.js';
import { rfc3339 } from './deployment-status.js';

/** What every controller of the emulator is given. */
export interface ControllerContext {
  store: Store;
  /** Log lines (never printed directly: the CLI decides). */
  log: (msg: string) => void;
  /** Wall clock, epoch ms (timestamps, minReadySeconds, progress deadlines). */
  now: () => number;
}

/** `namespace/name`, the work-queue key of a namespaced object. */
export function objectKey(obj: KObject): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name ?? ''}`;
}

/** Splits a work-queue key back into namespace and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

let eventSeq = 0;

/**
 * Records a core/v1 Event about an object, as upstream's event recorder does (best effort: an
 * event that cannot be written is dropped, never an error of the controller).
 */
export function recordEvent(
  ctx: ControllerContext,
  component: string,
  obj: KObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): void {
  const nowMs = ctx.now();
  const t = rfc3339(nowMs);
  eventSeq = (eventSeq + 1) % 0x100000;
  const suffix = (BigInt(Math.floor(nowMs)) * 1_000_000n + BigInt(eventSeq)).toString(16);
  try {
    ctx.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${obj.metadata.name ?? 'unknown'}.${suffix}`, namespace: obj.metadata.namespace ?? 'default' },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component },
      reportingComponent: component,
      reportingInstance: `${component}-zerodrop`,
      firstTimestamp: t,
      lastTimestamp: t,
      eventTime: null,
      count: 1,
    });
  } catch (err) {
    ctx.log(`${component}: could not record event ${reason} for ${obj.kind} ${obj.metadata.name ?? ''}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
