import { expired } from './api-error.js';
import { compileSelector, matchesSelector } from './selectors.js';
import { clone, type HistoryEntry, type Listener, type Table } from './store-table.js';
import type { KObject, ListOptions, StoreEvent, WatchEventType } from './store-types.js';

/**
 * The store's watch side: each table's bounded event history, and delivery of every event to
 * the table's listeners. Listeners are called synchronously after each write, in resourceVersion
 * order, even when a listener writes in turn (its events queue behind the one being delivered).
 */
export class WatchFanOut {
  private readonly queue: Array<{ table: Table; entry: HistoryEntry }> = [];
  private dispatching = false;

  constructor(
    private readonly historySize: number,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  /**
   * Subscribes to a table's changes after `fromResourceVersion` (replayed from its history; 410
   * Expired when the history no longer reaches it), or after `currentRV` when undefined.
   */
  subscribe(t: Table, namespace: string | undefined, fromResourceVersion: number | undefined, currentRV: number, listener: (e: StoreEvent) => void, opts?: ListOptions): () => void {
    const selector = compileSelector(opts);
    if (fromResourceVersion !== undefined && fromResourceVersion < t.compactedRV) throw expired(fromResourceVersion, t.compactedRV);
    const l: Listener = {
      namespace: t.info.namespaced && namespace !== '' ? namespace : undefined,
      selector,
      fn: listener,
      lastRV: fromResourceVersion ?? currentRV,
      closed: false,
    };
    if (fromResourceVersion !== undefined) {
      for (const entry of t.history) if (entry.event.resourceVersion > fromResourceVersion) this.deliver(l, entry);
    }
    t.listeners.add(l);
    return () => {
      l.closed = true;
      t.listeners.delete(l);
    };
  }

  /** Records a change at resourceVersion `rv` in the table's history and delivers it to the listeners. */
  emit(t: Table, type: WatchEventType, obj: KObject, prev: KObject | undefined, rv: number): void {
    const entry: HistoryEntry = { event: { type, resource: t.info.plural, object: obj, resourceVersion: rv }, prev };
    t.history.push(entry);
    while (t.history.length > this.historySize) {
      const dropped = t.history.shift();
      if (dropped !== undefined) t.compactedRV = dropped.event.resourceVersion;
    }
    this.queue.push({ table: t, entry });
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        for (const l of [...item.table.listeners]) this.deliver(l, item.entry);
      }
    } finally {
      this.dispatching = false;
    }
  }

  /** Hands one event to one listener, as the listener's selector sees it (a MODIFIED may enter or leave it). */
  private deliver(l: Listener, entry: HistoryEntry): void {
    const { event, prev } = entry;
    if (l.closed || event.resourceVersion <= l.lastRV) return;
    l.lastRV = event.resourceVersion;
    const obj = event.object;
    const inNs = (o: KObject): boolean => l.namespace === undefined || o.metadata.namespace === l.namespace;
    const matches = (o: KObject | undefined): boolean => o !== undefined && inNs(o) && matchesSelector(l.selector, o);
    let type: WatchEventType | undefined;
    if (event.type === 'MODIFIED') {
      const now = matches(obj);
      const before = matches(prev);
      type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
    } else if (matches(obj)) type = event.type;
    if (type === undefined) return;
    try {
      l.fn({ type, resource: event.resource, object: clone(obj), resourceVersion: event.resourceVersion });
    } catch (err) {
      this.onListenerError(err);
    }
  }
}
