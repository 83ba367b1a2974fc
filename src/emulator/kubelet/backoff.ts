/** The kubelet's container restart back-off: 10 s doubling up to 5 min (upstream kubelet defaults). */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Upstream defaults: initial 10 s, cap 300 s. */
export const DEFAULT_RESTART_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: 300_000 };

/**
 * Per-container back-off state, as upstream `flowcontrol.Backoff` keyed by pod and container:
 * the first failure restarts at once; later ones wait initial, 2x, 4x... up to max. A container
 * that ran for 2x max before failing starts over (upstream resets entries idle that long).
 */
export class RestartBackoff {
  private currentMs = 0;

  constructor(private readonly policy: BackoffPolicy = DEFAULT_RESTART_BACKOFF) {}

  /** How long to wait before restarting a container that ran `ranMs` and has just exited. */
  next(ranMs: number): number {
    if (ranMs >= 2 * this.policy.maxMs) this.currentMs = 0;
    const wait = this.currentMs;
    this.currentMs = this.currentMs === 0 ? this.policy.initialMs : Math.min(this.currentMs * 2, this.policy.maxMs);
    return wait;
  }
}
