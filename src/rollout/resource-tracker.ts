import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { Cluster, ListQuery, WatchHandle, WatchKind, WatchKinds } from '../cluster/cluster.js';
import { apiErrorCode } from '../cluster/cluster-errors.js';

/** Called for every change of a tracked object; `seed` marks the first list (the baseline). */
export type ChangeHandler<T> = (prev: T | undefined, next: T | undefined, seed: boolean) => void;

/** Options of a tracker. */
export interface TrackerOptions<K extends WatchKind> {
  cluster: Cluster;
  kind: K;
  query: ListQuery & { namespace: string };
  onChange: ChangeHandler<WatchKinds[K]>;
  /** Watch errors that retrying cannot fix (401/403). */
  onFatal: (err: unknown) => void;
  /** Delay before the first retry of a dropped watch (doubles up to 2 s); default 100 ms. */
  retryDelayMs?: number;
}

/** Counters of what the tracker had to do to keep its view whole. */
export interface TrackerStats {
  /** Watches re-opened from the last resourceVersion. */
  resumes: number;
  /** Full re-lists after 410 Gone/Expired, diffed against what was known. */
  relists: number;
}

type Meta = { metadata?: V1ObjectMeta };

/**
 * Keeps a live view of one kind of object (list, then watch) and reports each change exactly
 * once, even across dropped watches: it resumes from the last resourceVersion it saw, and after
 * 410 Gone/Expired it re-lists and diffs the list against what it knew, so no transition is lost
 * (only its timestamp may be late). Objects are keyed by name.
 *
 * At most one watch stream feeds the view at a time, and one reconnect runs at a time: two
 * streams resumed from the same version would each replay the changes since then, and the
 * lagging one would apply old states over newer ones (a deleted pod "created" again).
 */
export class ResourceTracker<K extends WatchKind> {
  private readonly objects = new Map<string, WatchKinds[K]>();
  private rv = '';
  private handle: WatchHandle | undefined;
  /** Id of the current stream; callbacks of any earlier stream (dropped, ended, superseded) are ignored. */
  private streamId = 0;
  private stopped = false;
  private needRelist = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private fatalError: unknown;
  readonly stats: TrackerStats = { resumes: 0, relists: 0 };

  constructor(private readonly opts: TrackerOptions<K>) {}

  /** The kind tracked. */
  get kind(): K {
    return this.opts.kind;
  }

  /** The objects known now. */
  current(): ReadonlyMap<string, WatchKinds[K]> {
    return this.objects;
  }

  /** Lists (reporting each object as a seed) and opens the watch. Rejects when the list fails. */
  async start(): Promise<void> {
    const list = await this.opts.cluster.list(this.opts.kind, this.opts.query);
    for (const item of list.items) {
      const name = nameOf(item);
      this.objects.set(name, item);
      this.opts.onChange(undefined, item, true);
    }
    this.rv = list.resourceVersion;
    await this.open();
  }

  /** Closes the watch; no change is reported after this. */
  stop(): void {
    this.stopped = true;
    this.streamId++;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.handle?.stop();
    this.handle = undefined;
  }

  /**
   * Drops the open watch as a network failure would (for tests and for callers that must
   * reconnect). Nothing to drop while a resume or re-list is still under way: that reconnect goes on,
   * and starting a second one beside it would end with two streams.
   */
  dropWatch(): void {
    const h = this.handle;
    if (h === undefined) return;
    this.handle = undefined;
    this.streamId++;
    h.stop();
    this.scheduleRetry();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const id = ++this.streamId;
    const current = (): boolean => id === this.streamId && !this.stopped;
    try {
      const handle = await this.opts.cluster.watch(
        this.opts.kind,
        { ...this.opts.query, resourceVersion: this.rv },
        (type, obj) => {
          if (current()) this.onEvent(type, obj);
        },
        (err) => {
          if (current()) this.onDone(err);
        },
      );
      // Ended (onDone ran) or superseded while it was opening: not the stream to keep.
      if (current()) this.handle = handle;
      else handle.stop();
    } catch (err) {
      if (current()) this.onDone(err);
    }
  }

  private onEvent(type: string, obj: unknown): void {
    if (this.stopped) return;
    const o = obj as WatchKinds[K] & Meta;
    switch (type) {
      case 'ADDED':
      case 'MODIFIED': {
        this.failures = 0;
        this.bumpRv(o);
        const name = nameOf(o);
        const prev = this.objects.get(name);
        this.objects.set(name, o);
        if (prev !== undefined && prev.metadata?.uid !== undefined && o.metadata?.uid !== undefined && prev.metadata.uid !== o.metadata.uid) {
          this.opts.onChange(prev, undefined, false);
          this.opts.onChange(undefined, o, false);
        } else {
          this.opts.onChange(prev, o, false);
        }
        return;
      }
      case 'DELETED': {
        this.failures = 0;
        this.bumpRv(o);
        this.objects.delete(nameOf(o));
        // The final state is the better "before": it carries the last container statuses.
        this.opts.onChange(o, undefined, false);
        return;
      }
      case 'BOOKMARK':
        this.bumpRv(o);
        return;
      case 'ERROR': {
        const status = obj as { code?: number; reason?: string };
        if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') this.needRelist = true;
        else if (status.code === 401 || status.code === 403) this.fatalError = Object.assign(new Error(`watch of ${this.opts.kind} refused`), { statusCode: status.code });
        return;
      }
      default:
        return;
    }
  }

  private bumpRv(o: Meta): void {
    const rv = o.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '') this.rv = rv;
  }

  private onDone(err: unknown): void {
    this.handle = undefined;
    this.streamId++;
    if (this.stopped) return;
    const code = apiErrorCode(err);
    if (code === 410) this.needRelist = true;
    if (code === 401 || code === 403 || this.fatalError !== undefined) {
      this.stop();
      this.opts.onFatal(this.fatalError ?? err);
      return;
    }
    if (err !== null && err !== undefined) this.failures++;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const base = this.opts.retryDelayMs ?? 100;
    const delay = this.failures === 0 ? 0 : Math.min(2000, base * 2 ** (this.failures - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    if (this.needRelist) {
      try {
        await this.relist();
      } catch (err) {
        const code = apiErrorCode(err);
        if (code === 401 || code === 403) {
          this.stop();
          this.opts.onFatal(err);
          return;
        }
        this.failures++;
        this.scheduleRetry();
        return;
      }
    } else {
      this.stats.resumes++;
    }
    await this.open();
  }

  /** Re-lists and reports the difference with what was known, as if each change had been watched. */
  private async relist(): Promise<void> {
    const list = await this.opts.cluster.list(this.opts.kind, this.opts.query);
    if (this.stopped) return;
    this.stats.relists++;
    this.needRelist = false;
    const seen = new Set<string>();
    for (const item of list.items) {
      const name = nameOf(item);
      seen.add(name);
      const prev = this.objects.get(name);
      this.objects.set(name, item);
      if (prev === undefined) this.opts.onChange(undefined, item, false);
      else if (prev.metadata?.uid !== undefined && item.metadata?.uid !== undefined && prev.metadata.uid !== item.metadata.uid) {
        this.opts.onChange(prev, undefined, false);
        this.opts.onChange(undefined, item, false);
      } else if (prev.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.opts.onChange(prev, item, false);
    }
    for (const [name, prev] of [...this.objects]) {
      if (!seen.has(name)) {
        this.objects.delete(name);
        this.opts.onChange(prev, undefined, false);
      }
    }
    this.rv = list.resourceVersion;
  }
}

function nameOf(o: Meta): string {
  return o.metadata?.name ?? '';
}
