import type { Lane } from './request-handler.js';

/** What the open and closed schedulers need of the engine that runs them (the LoadEngine). */
export interface SchedulerHost {
  /** Scheduling has ended (the duration, a stop, a handover, a synchronous failure path). */
  readonly schedulingDone: boolean;
  /**
   * Sends the lane's next request, booked at clock ms `startMs` (its scheduled start in the open
   * model), its latency and deadline counting from `latencyFromMs` (default `startMs`; earlier
   * for a request sent ahead of its schedule: see send-window.ts), and tracks its deadline.
   */
  sendLane(lane: Lane, startMs: number, latencyFromMs?: number): void;
  /** Ends scheduling; `early`: stopped before the duration. */
  endScheduling(early: boolean): void;
}
