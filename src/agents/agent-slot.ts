import type { V1Pod } from '@kubernetes/client-node';
import { ZerodropError } from '../errors.js';
import { Recorder } from '../metrics/recorder.js';
import type { RecordingDelta } from '../metrics/recording-cutter.js';
import type { LoadOptions } from '../traffic/engine.js';
import type { AgentFacts } from './judge.js';
import { AGENT_CONTAINER } from './job-manifest.js';
import { decodeRecord, deltaToEncoded, type AgentLive, type AgentRecord, type DoneRecord, type RecorderSettings } from './protocol.js';
import { SkewEstimator } from './skew.js';

/** Most re-follows of one pod's log after its stream ended early. */
export const MAX_FOLLOWS = 5;
/** A finished pod whose log brought nothing for this long has nothing more to say. */
const QUIET_LOG_MS = 2000;

/** What the coordinator knows of one agent (one completion index of the Job) while the load runs. */
export interface Slot extends Omit<AgentFacts, 'merged' | 'done'> {
  replacements: string[];
  settings: RecorderSettings | undefined;
  /** Its records, merged exactly as they arrive. */
  recorder: Recorder | undefined;
  seqNext: number;
  readyWallMs: number | undefined;
  done: DoneRecord | undefined;
  /** Wall ms of the last log data seen (any line). */
  lastDataWallMs: number;
  skew: SkewEstimator;
  live: AgentLive;
  following: boolean;
  follows: number;
  streamEnded: boolean;
  abort: AbortController | undefined;
}

/** A slot before anything is known of its agent; skew is estimated from `jobCreatedWallMs` on. */
export function newSlot(index: number, jobCreatedWallMs: number): Slot {
  return {
    index,
    pod: undefined,
    replacements: [],
    settings: undefined,
    recorder: undefined,
    seqNext: 0,
    gap: false,
    bad: undefined,
    hello: false,
    readyWallMs: undefined,
    lateMs: 0,
    done: undefined,
    error: undefined,
    lastRecvClockMs: null,
    lastDataWallMs: 0,
    skew: new SkewEstimator(jobCreatedWallMs),
    live: { sent: 0, succeeded: 0, failed: 0, unsent: 0, inFlight: 0 },
    following: false,
    follows: 0,
    streamEnded: false,
    abort: undefined,
    phase: 'Pending',
    podReason: undefined,
    waitingReason: undefined,
    terminated: undefined,
    gone: false,
    goneWhileRunning: false,
  };
}

/**
 * Takes the Job's pods into the slots (by completion index; a slot keeps its first pod, later ones
 * are replacements) and returns the slots whose log should be followed now. A slot's pod missing
 * from the list is gone (`goneWhileRunning` unless the load is `stopping`).
 */
export function observePods(slots: readonly Slot[], pods: readonly V1Pod[], stopping: boolean): Array<{ slot: Slot; pod: string }> {
  const seen = new Set<string>();
  const follow: Array<{ slot: Slot; pod: string }> = [];
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const raw = pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] ?? pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'];
    const slot = raw === undefined ? undefined : slots[Number(raw)];
    if (slot === undefined) continue;
    if (slot.pod === undefined) slot.pod = name;
    if (slot.pod !== name) {
      if (!slot.replacements.includes(name)) slot.replacements.push(name);
      continue;
    }
    seen.add(name);
    slot.phase = pod.status?.phase ?? 'Pending';
    slot.podReason = pod.status?.reason;
    const cs = pod.status?.containerStatuses?.find((c) => c.name === AGENT_CONTAINER);
    slot.waitingReason = cs?.state?.waiting?.reason;
    const t = cs?.state?.terminated;
    if (t !== undefined) slot.terminated = `exited with code ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`;
    const started = cs?.state?.running !== undefined || t !== undefined;
    if (started && !slot.following && slot.follows < MAX_FOLLOWS && !(slot.done || slot.error)) follow.push({ slot, pod: name });
  }
  for (const slot of slots) {
    if (slot.pod !== undefined && !seen.has(slot.pod) && !slot.gone) {
      slot.gone = true;
      slot.goneWhileRunning = !stopping;
    }
  }
  return follow;
}

/**
 * Applies one line of an agent's log to its slot: de-duplicates a re-followed log by sequence
 * number, notes gaps and unreadable records, merges counter deltas into the slot's recorder and
 * hands the same deltas to `onDelta` (the run's journal). Returns true on the agent's final record.
 */
export function applyLine(slot: Slot, line: string, recvWallMs: number, recvClockMs: number, onDelta: LoadOptions['onDelta']): boolean {
  let rec: AgentRecord | undefined;
  try {
    rec = decodeRecord(line);
  } catch (err) {
    slot.bad ??= (err as Error).message;
    return false;
  }
  if (rec === undefined) return false;
  if (rec.index !== slot.index) {
    slot.bad ??= `a record of agent ${rec.index} in the log of agent ${slot.index}`;
    return false;
  }
  if (rec.seq < slot.seqNext) return false; // re-followed log: seen already
  if (rec.seq > slot.seqNext) slot.gap = true;
  slot.seqNext = rec.seq + 1;
  slot.skew.add(rec.wallMs, recvWallMs);
  slot.lastRecvClockMs = recvClockMs;
  try {
    switch (rec.type) {
      case 'hello':
        slot.hello = true;
        slot.settings = rec.settings;
        slot.recorder ??= new Recorder(rec.settings);
        return false;
      case 'ready':
        slot.readyWallMs = rec.wallMs;
        return false;
      case 'start':
        slot.lateMs = rec.lateMs;
        return false;
      case 'interval':
        slot.live = rec.live;
        merge(slot, { rows: rec.rows, statusCodes: rec.statusCodes, errorCodes: rec.errorCodes, ...(rec.retried === undefined ? {} : { retried: rec.retried }), ...(rec.goaways === undefined ? {} : { goaways: rec.goaways }) }, onDelta);
        return false;
      case 'histograms':
        merge(slot, { histograms: rec.histograms }, onDelta);
        return false;
      case 'done':
        slot.done = rec;
        return true;
      case 'error':
        slot.error = rec.message;
        return false;
    }
  } catch (err) {
    slot.bad ??= (err as Error).message;
  }
  return false;
}

function merge(slot: Slot, delta: Parameters<typeof deltaToEncoded>[1] & Pick<RecordingDelta, 'retried' | 'goaways'>, onDelta: LoadOptions['onDelta']): void {
  if (slot.settings === undefined || slot.recorder === undefined) throw new ZerodropError('E_INTERNAL', 'an agent sent records before its hello record');
  const { rows = [], statusCodes = {}, errorCodes = {}, histograms, retried, goaways } = delta;
  const extra = { ...(retried === undefined ? {} : { retried }), ...(goaways === undefined ? {} : { goaways }) };
  slot.recorder.merge(Recorder.fromJSON({ ...deltaToEncoded(slot.settings, delta), ...extra }));
  // The run's journal takes the same exact deltas (an agent sends each histogram once, at the end).
  onDelta?.({ source: `agent-${slot.index}`, settings: slot.settings, rows: [...rows], statusCodes, errorCodes, ...(histograms === undefined ? {} : { histograms }), ...extra });
}

/** Whether nothing more will come from this agent: a final or error record, its pod gone, or its finished container's log read out. */
export function slotFinal(s: Slot): boolean {
  if (s.done !== undefined || s.error !== undefined || s.gone) return true;
  // A finished container's log is complete; some servers keep a follow open until the pod is
  // deleted, so a quiet log counts as ended too.
  if (s.phase === 'Succeeded' || s.phase === 'Failed') return s.streamEnded || !s.hello || s.follows >= MAX_FOLLOWS || Date.now() - s.lastDataWallMs > QUIET_LOG_MS;
  return false;
}
