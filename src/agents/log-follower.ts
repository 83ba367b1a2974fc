import { Writable } from 'node:stream';
import type { Cluster } from '../cluster/cluster.js';
import { LineSplitter } from './protocol.js';

/** What a log follow reports: every whole line (with when it arrived), any data at all, and the end of the stream. */
export interface LogFollowHandlers {
  /** A whole line, with the wall and run-clock ms it arrived at. */
  onLine(line: string, recvWallMs: number, recvClockMs: number): void;
  /** Data arrived (before its lines are handed on), at this wall ms. */
  onData(recvWallMs: number): void;
  /** The stream ended (the rest of a last unterminated line was handed on first). */
  onEnd(): void;
}

/**
 * Follows one container's log as NDJSON lines. Resolves with the stream's abort once it is open;
 * rejects when it could not be opened (the container has not started yet, a passing error), in
 * which case `onEnd` is not called.
 */
export function followLines(cluster: Cluster, namespace: string, pod: string, container: string, nowClockMs: () => number, h: LogFollowHandlers): Promise<AbortController> {
  const lines = new LineSplitter();
  const sink = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      const recvWall = Date.now();
      h.onData(recvWall);
      const recvClock = nowClockMs();
      for (const line of lines.push(chunk.toString('utf8'))) h.onLine(line, recvWall, recvClock);
      cb();
    },
    final: (cb) => {
      const rest = lines.flush();
      if (rest !== '') h.onLine(rest, Date.now(), nowClockMs());
      h.onEnd();
      cb();
    },
  });
  return cluster.followLog(pod, container, sink, namespace);
}
