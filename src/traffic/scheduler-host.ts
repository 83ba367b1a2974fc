import type { Lane } from './request-handler.js';

/** What the open and closed schedulers need of the engine that runs them (the LoadEngine). */
export interface SchedulerHost {
  /** Scheduling has ended (the duration, a stop, a handover, a synchronous failure path). */
  readonly schedulingDone: boolean;
  /** Sends the lane's next request, counting from clock ms `startMs`, and tracks its deadline. */
  sendLane(lane: Lane, startMs: number): void;
  /** Ends scheduling; `early`: stopped before the duration. */
  endScheduling(early: boolean): void;
}
