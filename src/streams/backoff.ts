import type { ReconnectPolicy } from './stream-options.js';

/**
 * The wait before reconnect attempt `attempt` (0: the first after a close), ms: exponential
 * backoff with equal jitter (see ReconnectPolicy). `random` is in [0, 1) (Math.random in a run).
 */
export function reconnectDelayMs(attempt: number, policy: Pick<ReconnectPolicy, 'initialDelayMs' | 'maxDelayMs'>, random: number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return base * (0.5 + random / 2);
}
