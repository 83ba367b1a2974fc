/** Options of the in-memory store. */
export interface MemoryStoreOptions {
  /** Name of the one Node object created at start (default `zerodrop-node`). */
  nodeName?: string;
  /** Events kept per resource for watches that resume from a resourceVersion (default 1000). */
  historySize?: number;
  /** Wall clock for timestamps (injectable for tests). */
  now?: () => Date;
  /** Called when a watch listener throws; the write that triggered it still succeeds. */
  onListenerError?: (err: unknown) => void;
}

/** Extra options of writes beyond the Store contract, as the HTTP server passes them. */
export interface WriteOptions {
  /** Validate and default, but do not persist (`?dryRun=All`). */
  dryRun?: boolean;
}

/** Options of delete beyond the Store contract. */
export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  /** Background (default) and Foreground delete dependents; Orphan strips their ownerReferences. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}
