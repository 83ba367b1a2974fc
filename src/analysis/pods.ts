import { FAILURE_CLASSES, OUTCOME, type FailureClass } from '../metrics/outcome.js';
import type { RunData } from '../metrics/run-data.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { PodCounts } from './results.js';

const ANSWERED = [OUTCOME.success, OUTCOME.http_5xx, OUTCOME.http_4xx] as const;

/**
 * Counts per pod (from the pod header): what each pod answered, which requests failed on it, and
 * how many it answered after it had been told to terminate (from the first interval that saw its
 * `pod-terminating` event on). Pods the events never saw terminating served none while terminating.
 */
export function podCounts(pods: NonNullable<RunData['pods']>, events: readonly RolloutEventRecord[], intervalMs: number): PodCounts[] {
  const terminatingAt = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'pod-terminating' || !e.object.startsWith('pod/')) continue;
    const pod = e.object.slice(4);
    if (!terminatingAt.has(pod)) terminatingAt.set(pod, e.tMs);
  }
  return pods.map(({ pod, intervals }) => {
    const totals = new Array<number>(FAILURE_CLASSES.length + 1).fill(0);
    let servedWhileTerminating = 0;
    const from = terminatingAt.get(pod);
    for (const { tMs, outcomes } of intervals) {
      for (let k = 0; k < totals.length; k++) totals[k]! += outcomes[k] ?? 0;
      if (from !== undefined && tMs + intervalMs > from) for (const k of ANSWERED) servedWhileTerminating += outcomes[k] ?? 0;
    }
    const failures: Partial<Record<FailureClass, number>> = {};
    FAILURE_CLASSES.forEach((c, i) => {
      const n = totals[i + 1] ?? 0;
      if (n > 0) failures[c] = n;
    });
    const succeeded = totals[OUTCOME.success] ?? 0;
    const sent = totals.reduce((a, b) => a + b, 0);
    return { pod, sent, succeeded, failed: sent - succeeded, failures, servedWhileTerminating };
  });
}
