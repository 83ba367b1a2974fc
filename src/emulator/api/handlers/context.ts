import type { Readable } from 'node:stream';
import type { MemoryStore } from '../memory-store.js';
import type { KObject } from '../store-types.js';

/** What a pod log request asks for (GET .../pods/{name}/log). */
export interface PodLogRequest {
  namespace: string;
  name: string;
  pod: KObject;
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines: number | undefined;
  sinceSeconds: number | undefined;
  /** Aborted when the client goes away (a follow stream should then end). */
  signal: AbortSignal;
}

/** Answers pod log requests: text, or a stream (kept open while following). Throw ApiError for 4xx. */
export type PodLogProvider = (req: PodLogRequest) => Readable | string | Promise<Readable | string>;

/** What every verb handler works with: the store and the server's shared state. */
export interface HandlerContext {
  readonly store: MemoryStore;
  /** Interval of BOOKMARK events on watches that allow them. */
  readonly bookmarkIntervalMs: number;
  /** Finishers of the open watches, so close() can end them. */
  readonly watches: Set<() => void>;
  /** The pod log source now registered, if any. */
  logProvider(): PodLogProvider | undefined;
}
