import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';
import { ZerodropError } from '../errors.js';
import type { CodeCounts } from './code-counts.js';
import { COUNTER_COLS, COUNTER_COLUMN_NAMES } from './interval-counters.js';
import type { IntervalCounters } from './interval-counters.js';
import type { LatencySeries } from './latency-series.js';
import type { NewConnectionResets } from './new-connection-resets.js';
import { OUTCOME_COUNT } from './outcome.js';
import type { PodCounts } from './pod-counts.js';
import { checkGoaway } from './retries.js';
import type { GoawayRecord, Retries } from './retries.js';

/** Plain-JSON form of a recorder, for worker threads, remote agents and files. */
export interface EncodedRecorder {
  format: 'zerodrop-recorder';
  version: 1;
  intervalMs: number;
  latencyIntervalMs: number;
  maxLatencyMs: number;
  /** Column names of `counts`, in order (one row per interval). */
  columns: string[];
  /** Row-major counters: interval i holds counts[i*columns.length ...]. Trailing empty rows trimmed. */
  counts: number[];
  /** Latency histograms (microseconds) per latency interval, HdrHistogram compressed base64. */
  histograms: Array<{ index: number; data: string }>;
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  /** With a pod header: per pod, per interval index, the outcome counts (7, in OUTCOME order). */
  pods?: Record<string, Record<string, number[]>>;
  /**
   * Resets of requests on a connection that had carried no response yet, per interval index;
   * present when the recording engine could tell (the lean client), absent when it could not.
   */
  newConnectionResets?: Record<string, number>;
  /** Retries of requests the server never processed: reason -> interval index -> count (see Retries). */
  retried?: Record<string, Record<string, number>>;
  /** GOAWAYs received (see GoawayRecord). */
  goaways?: GoawayRecord[];
}

/** The parts of a Recorder that its encoded form holds. */
export interface RecorderParts {
  intervalMs: number;
  latencyIntervalMs: number;
  maxLatencyMs: number;
  counters: IntervalCounters;
  latency: LatencySeries;
  codes: CodeCounts;
  pods: PodCounts;
  newConnResets: NewConnectionResets;
  retries: Retries;
  goaways: GoawayRecord[];
  /** The recording engine could tell new connections from reused ones (see Recorder). */
  tellsNewConnections: boolean;
}

/** A recorder's parts as plain JSON with compressed histograms (decodeInto restores them). */
export function encodeRecorder(p: RecorderParts): EncodedRecorder {
  const histograms: Array<{ index: number; data: string }> = [];
  for (let i = 0; i < p.latency.length; i++) {
    const data = p.latency.encode(i);
    if (data !== undefined) histograms.push({ index: i, data });
  }
  return {
    format: 'zerodrop-recorder',
    version: 1,
    intervalMs: p.intervalMs,
    latencyIntervalMs: p.latencyIntervalMs,
    maxLatencyMs: p.maxLatencyMs,
    columns: [...COUNTER_COLUMN_NAMES],
    counts: p.counters.encode(),
    histograms,
    statusCodes: p.codes.statusCodes(),
    errorCodes: p.codes.errorCodes(),
    ...(p.pods.size === 0 ? {} : { pods: p.pods.encode() }),
    ...(p.tellsNewConnections ? { newConnectionResets: p.newConnResets.encode() } : {}),
    ...(p.retries.size === 0 ? {} : { retried: p.retries.encode() }),
    ...(p.goaways.length === 0 ? {} : { goaways: p.goaways.map((g) => ({ ...g })) }),
  };
}

/**
 * Fills the empty parts of a recorder built with `enc`'s settings from `enc` (validated by
 * validateEncoded); throws E_BAD_RECORDING on a histogram or row that cannot be read. Returns
 * whether the recording engine could tell new connections (tellsNewConnections).
 */
export function decodeInto(enc: EncodedRecorder, p: Omit<RecorderParts, 'tellsNewConnections'>): boolean {
  p.counters.load(enc.counts);
  for (const { index, data } of enc.histograms) {
    let h: Histogram;
    try {
      h = hdr.decodeFromCompressedBase64(data, 'packed', false);
    } catch (err) {
      throw bad(`histogram ${index} could not be decoded`, err);
    }
    p.latency.add(index, h);
    h.destroy();
  }
  for (const [k, v] of Object.entries(enc.statusCodes)) p.codes.addStatus(k, v);
  for (const [k, v] of Object.entries(enc.errorCodes)) p.codes.addError(k, v);
  for (const [pod, rows] of Object.entries(enc.pods ?? {})) {
    for (const [i, counts] of Object.entries(rows)) {
      const index = Number(i);
      if (!Number.isInteger(index) || index < 0 || !Array.isArray(counts) || counts.length !== OUTCOME_COUNT || !counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
        throw bad(`pods.${pod}.${i} must be ${OUTCOME_COUNT} counts of a non-negative interval`);
      }
      p.pods.row(pod, index).set(counts);
    }
  }
  if (enc.retried !== undefined) {
    try {
      p.retries.decode(enc.retried);
    } catch (err) {
      throw bad((err as Error).message);
    }
  }
  for (const g of enc.goaways ?? []) p.goaways.push(checkGoawayOrBad(g));
  if (enc.newConnectionResets === undefined) return false;
  for (const [i, n] of Object.entries(enc.newConnectionResets)) {
    const index = Number(i);
    if (!Number.isInteger(index) || index < 0) throw bad(`newConnectionResets.${i} is not an interval index`);
    p.newConnResets.set(index, n);
  }
  return true;
}

function bad(message: string, cause?: unknown): ZerodropError {
  return new ZerodropError('E_BAD_RECORDING', `not a zerodrop recording: ${message}`, cause === undefined ? {} : { cause });
}

function checkGoawayOrBad(v: unknown): GoawayRecord {
  try {
    return checkGoaway(v);
  } catch (err) {
    throw bad((err as Error).message);
  }
}

function isCountRecord(v: unknown): v is Record<string, number> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0);
}

/** Checks that `input` has the shape of an EncodedRecorder; throws E_BAD_RECORDING naming what is wrong. */
export function validateEncoded(input: unknown): EncodedRecorder {
  if (typeof input !== 'object' || input === null) throw bad('expected an object');
  const enc = input as Partial<EncodedRecorder>;
  if (enc.format !== 'zerodrop-recorder' || enc.version !== 1) throw bad('unknown format or version');
  const { intervalMs, latencyIntervalMs, maxLatencyMs, counts, histograms, statusCodes, errorCodes, columns } = enc;
  if (typeof intervalMs !== 'number' || typeof latencyIntervalMs !== 'number' || typeof maxLatencyMs !== 'number') throw bad('missing interval settings');
  if (!Array.isArray(columns) || columns.join(',') !== COUNTER_COLUMN_NAMES.join(',')) throw bad('unexpected counter columns');
  if (!Array.isArray(counts) || counts.length % COUNTER_COLS !== 0 || !counts.every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) {
    throw bad('counts must be non-negative numbers, a whole number of rows');
  }
  if (!Array.isArray(histograms) || !histograms.every((h) => typeof h === 'object' && h !== null && Number.isInteger(h.index) && h.index >= 0 && typeof h.data === 'string')) {
    throw bad('histograms must be {index, data} entries');
  }
  if (!isCountRecord(statusCodes) || !isCountRecord(errorCodes)) throw bad('statusCodes and errorCodes must map names to counts');
  const pods = (enc as { pods?: unknown }).pods;
  if (pods !== undefined && (typeof pods !== 'object' || pods === null || Array.isArray(pods) || !Object.values(pods).every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)))) {
    throw bad('pods must map pod names to {interval: counts}');
  }
  const fresh = (enc as { newConnectionResets?: unknown }).newConnectionResets;
  if (fresh !== undefined && !isCountRecord(fresh)) throw bad('newConnectionResets must map interval indexes to counts');
  const goaways = (enc as { goaways?: unknown }).goaways;
  if (goaways !== undefined && !Array.isArray(goaways)) throw bad('goaways must be a list');
  return enc as EncodedRecorder;
}
