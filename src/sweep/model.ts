/** sweep.json: the record of a sweep, every case with its settings, spread across repeats and full report. */
import type { Report, Verdict } from '../report/model.js';
import type { SettingValue } from './fields.js';

/** Version of sweep.json's shape; bump on any incompatible change. */
export const SWEEP_SCHEMA_VERSION = 1;

/**
 * How a case came out: `pass` every repeat passed; `fail` a repeat failed; `inconclusive` none
 * failed but one could not tell; `incomplete` interrupted before every repeat ran (none failed);
 * `error` it could not be measured (the settings did not roll out, the target did not answer);
 * `invalid` not run, the combination breaks a rule; `not-run` the sweep stopped first.
 */
export type CaseVerdict = Verdict | 'incomplete' | 'error' | 'invalid' | 'not-run';

/** Smallest, median and largest of a figure across repeats. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** One measured repeat of a case. */
export interface RepeatResult {
  /** 1-based. */
  repeat: number;
  verdict: Verdict;
  aborted: boolean;
  /** Failed / sent over the judged window. */
  failureRate: number;
  sent: number;
  failed: number;
  /** Trigger start to rollout complete (the rollout phase), ms. */
  rolloutMs: number;
  /** The first reason of the report. */
  reason: string;
  /** Where its reports were written, relative to the sweep folder (set by the writer). */
  dir?: string;
}

/** The figures of a case across its repeats. */
export interface CaseSummary {
  /** Repeats measured to the end (not interrupted). */
  repeatsRun: number;
  repeatsPassed: number;
  /** null when no repeat was measured. */
  failureRate: Spread | null;
  rolloutMs: Spread | null;
  sent: number;
  failed: number;
  /** Failure classes summed over the repeats. */
  failures: Record<string, number>;
}

/** One case of sweep.json. */
export interface CaseResult {
  /** 1-based, in run order. */
  n: number;
  settings: Record<string, SettingValue>;
  /** Canonical Deployment spec path of every setting key. */
  paths: Record<string, string>;
  label: string;
  slug: string;
  verdict: CaseVerdict;
  /** Why it is invalid, errored or not complete; else the worst repeat's headline. */
  reasons: string[];
  summary: CaseSummary;
  repeats: RepeatResult[];
  /** The full report of the worst repeat (highest failure rate, then slowest); null when none ran. */
  report: Report | null;
  /** Where its reports were written, relative to the sweep folder (set by the writer). */
  dir?: string;
}

/** The setting to use, or that there is none. */
export interface Recommendation {
  /** The case number, or null when no case passed every repeat. */
  case: number | null;
  settings: Record<string, SettingValue> | null;
  message: string;
}

/** What was done to put the Deployment back. */
export interface RestoreResult {
  status: 'restored' | 'unchanged' | 'failed' | 'timeout' | 'aborted';
  message: string;
  /** The Deployment spec before the sweep, when the restore did not finish (to put back by hand). */
  originalSpec?: unknown;
}

/** sweep.json. */
export interface SweepResult {
  schemaVersion: typeof SWEEP_SCHEMA_VERSION;
  kind: 'zerodrop-sweep';
  name: string;
  startedAt: string;
  endedAt: string;
  aborted: boolean;
  deployment: string;
  namespace: string;
  repeat: number;
  budget: { maxFailureRate: number; confidence: number };
  /** What varied: field key, canonical path, values. */
  vary: Array<{ field: string; path: string; values: SettingValue[] }>;
  /** Settings every case shares (single-valued fields), left out of the case labels. */
  fixed: Record<string, SettingValue>;
  recommendation: Recommendation;
  restore: RestoreResult;
  /** Sorted: by verdict (pass first), then median rollout duration, then worst failure rate. */
  cases: CaseResult[];
  meta: { tool: { name: 'zerodrop'; version: string }; commandLine: string[]; target: string; cluster?: Record<string, unknown> };
}
