/** What is known of an agent's clock offset: agent clock minus coordinator clock, in ms. */
export interface SkewEstimate {
  /** The estimate: the tightest lower bound (exact when the fastest record arrived without delay). */
  skewMs: number;
  /** The offset is at least this (from records: an agent stamp can only precede its receipt). */
  atLeastMs: number;
  /** The offset is at most this (an agent cannot write before the coordinator created its Job), or null. */
  atMostMs: number | null;
  samples: number;
}

/**
 * Estimates how far an agent's wall clock is ahead of the coordinator's from one-way messages
 * (the agent's records, stamped with its clock, received through the pod log API). A record
 * stamped `a` by the agent and received at coordinator time `r` was written no later than `r`,
 * so offset >= a - r for every record: the largest such value is the estimate, exact up to the
 * fastest delivery's delay (milliseconds on the emulator, typically tens on a cluster). A record
 * cannot have been written before the coordinator created the Job (`notBefore`), which bounds the
 * offset from above, loosely (by the pod's start-up time). There is no reverse channel (agents
 * only write to their log), so no round-trip measurement is possible: the report gives the bound.
 */
export class SkewEstimator {
  #atLeast = Number.NEGATIVE_INFINITY;
  #atMost = Number.POSITIVE_INFINITY;
  #samples = 0;

  /** @param notBeforeWallMs coordinator wall time before which no agent record can have been written. */
  constructor(private readonly notBeforeWallMs?: number) {}

  /** Adds one record: the agent's stamp and the coordinator's wall clock at receipt. */
  add(agentWallMs: number, receivedWallMs: number): void {
    if (!Number.isFinite(agentWallMs) || !Number.isFinite(receivedWallMs)) return;
    this.#samples++;
    this.#atLeast = Math.max(this.#atLeast, agentWallMs - receivedWallMs);
    if (this.notBeforeWallMs !== undefined) this.#atMost = Math.min(this.#atMost, agentWallMs - this.notBeforeWallMs);
  }

  /** The estimate so far, or null before any record. */
  estimate(): SkewEstimate | null {
    if (this.#samples === 0) return null;
    return {
      skewMs: this.#atLeast,
      atLeastMs: this.#atLeast,
      atMostMs: Number.isFinite(this.#atMost) ? this.#atMost : null,
      samples: this.#samples,
    };
  }
}
