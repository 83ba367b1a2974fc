import type { ReportFormat } from '../report/index.js';

export type { ReportFormat } from '../report/index.js';

/** The target of the traffic. */
export interface TargetSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  keepAlive: boolean;
  http2: boolean;
  caFile: string | undefined;
  insecure: boolean;
  /** Inclusive status ranges counted as success. */
  successStatus: Array<[number, number]>;
}

/** The shape of the load. */
export interface LoadSpec {
  model: 'open' | 'closed';
  rate: number | undefined;
  ramp: { fromRate: number; durationMs: number } | undefined;
  connections: number | undefined;
  /** Measured duration without a trigger; ignored (undefined) with one. */
  durationMs: number | undefined;
  warmupMs: number;
  maxInFlight: number | undefined;
  intervalMs: number;
  /** Worker threads generating the load: a number, or 'auto' (one per available core). */
  workers: number | 'auto';
}

/** A release command run while the traffic flows. */
export interface TriggerSpec {
  command: string;
  baselineMs: number;
  cooldownMs: number;
  timeoutMs: number;
}

/** A fully resolved, validated scenario: every default applied, every flag merged. */
export interface Scenario {
  name: string;
  target: TargetSpec;
  load: LoadSpec;
  trigger: TriggerSpec | undefined;
  budget: { maxFailureRate: number; confidence: number };
  report: { outDir: string | undefined; formats: ReportFormat[] };
}
