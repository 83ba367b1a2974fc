import type { FailureClass } from '../metrics/outcome.js';
import type { LatencySummary } from '../metrics/run-data.js';
import type { ClientKind } from '../traffic/client-kind.js';
import type { Check, CheckStatus, Counts, Diagnosis, OutageWindow, PhaseReport, PodCounts, TimelinePoint, Verdict } from '../analysis/results.js';
import type { PodSpread } from '../analysis/pod-spread.js';
import type { GoawayRecord } from '../metrics/retries.js';
import type { RolloutEventRecord } from '../rollout/events.js';
import type { TriggerRecord } from '../rollout/command-trigger.js';
import type { GeneratorHealth } from '../traffic/generator-health.js';
import type { ReachabilityRecord } from '../traffic/preflight.js';
import type { WorkerPlan } from '../traffic/worker-plan.js';
import type { ConnectionsReport } from '../analysis/connections.js';

// The producers define what they produce; the report model re-exports those types under the names
// the renderers and report.json's readers have always used.
export type { Check, CheckStatus, Counts, Diagnosis, OutageWindow, PhaseReport, PodCounts, TimelinePoint, Verdict, RolloutEventRecord, TriggerRecord, GeneratorHealth, ReachabilityRecord, ConnectionsReport };

/** Version of report.json's shape; bump on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1;

/** A finding of the preflight lint of the Deployment and Service (filled by the coordinator when it ran one). */
export interface PreflightFinding {
  /** Stable id, e.g. `readiness-probe-missing`. */
  id: string;
  /** `error`, `warning` or `info` (kept a string: a newer coordinator may add levels). */
  severity: string;
  /** What it is about, e.g. `deployment/web container app`. */
  object: string;
  message: string;
  fix: string;
}

/** One load agent of a distributed run (`zerodrop run --agents N`): its pod, how it ended, its clock. */
export interface AgentSummary {
  /** The agent's index: it sent shard `index` of the rate or the connections. */
  index: number;
  /** Its pod, or null when none was created. */
  pod: string | null;
  /** `completed`, or why not: `late`, `died`, `evicted`, `silent`, `not-started`, `incomplete` (kept a string). */
  status: string;
  /** Run ms (the timeline's clock) when its last record arrived, or null without any. */
  lastRecordMs: number | null;
  /** Its wall clock minus the coordinator's, ms: a lower bound from the records' one-way delivery, or null. */
  clockSkewMs: number | null;
  /** The upper bound of that offset, when known (the agent cannot write before its Job existed). */
  clockSkewAtMostMs?: number;
  /** How late it was ready after the shared start, ms. */
  lateMs?: number;
  /** Requests its shard sent, as far as its records tell. */
  sent?: number;
  /** Why it is not `completed`. */
  message?: string;
}

/** The source tree the run was made from. */
export interface GitFacts {
  commit: string;
  /** Uncommitted changes in the working tree. */
  dirty: boolean;
}

/** The machine that generated the load. */
export interface MachineFacts {
  hostname: string;
  platform: string;
  arch: string;
  cpus: number;
  /** Node.js version. */
  node: string;
}

/**
 * Cluster and rollout facts (filled when a rollout is watched). The named fields are the usual
 * ones; the coordinator may add more, and renderers show whatever is there.
 */
export interface ClusterFacts {
  [key: string]: unknown;
  server?: unknown;
  version?: unknown;
  context?: unknown;
  namespace?: unknown;
  deployment?: unknown;
  revisionBefore?: unknown;
  revisionAfter?: unknown;
  imagesBefore?: unknown;
  imagesAfter?: unknown;
  replicaSetBefore?: unknown;
  replicaSetAfter?: unknown;
  dataplane?: unknown;
}

/** report.json: the durable record of one run. Fields documented in the README. */
export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  verdict: Verdict;
  /** Why, in plain words; the first reason is the headline. */
  reasons: string[];
  aborted: boolean;
  totals: Counts & { unsent: number };
  window: Counts & { startMs: number; endMs: number };
  /** Failure classes over the whole run. */
  failures: Record<FailureClass, number>;
  statusCodes: Record<string, number>;
  errorCodes: Record<string, number>;
  budget: {
    maxFailureRate: number;
    observedFailureRate: number;
    /** Upper bound of the exact (Clopper-Pearson) interval at `confidence`, over the window. */
    upperBound: number;
    confidence: number;
    /** Requests with no failure a window would need for a pass at this budget and confidence. */
    requiredRequests: number;
  };
  phases: PhaseReport[];
  latency: {
    overall: LatencySummary;
    /** Rollout-phase p99 against the baseline's, when both exist. */
    rolloutVsBaseline: { baselineP99Ms: number; rolloutP99Ms: number; ratio: number } | null;
  };
  outages: OutageWindow[];
  timeline: {
    intervalMs: number;
    points: TimelinePoint[];
    p99: Array<{ tMs: number; p99Ms: number }>;
    /** Retries per interval that had any, by reason (absent: none). */
    retried?: Array<{ tMs: number; byReason: Record<string, number> }>;
    /** GOAWAYs the client received (HTTP/2, gRPC), in time order (absent: none). */
    goaways?: GoawayRecord[];
  };
  events: RolloutEventRecord[];
  trigger: TriggerRecord | null;
  checks: Check[];
  diagnosis: Diagnosis[];
  generator: GeneratorHealth;
  meta: {
    tool: { name: 'zerodrop'; version: string };
    runId: string;
    name: string;
    startedAt: string;
    endedAt: string;
    target: { url: string; method: string };
    load: {
      model: 'open' | 'closed';
      rate?: number;
      connections?: number;
      durationMs: number;
      warmupMs: number;
      timeoutMs: number;
      keepAlive: boolean;
      client?: ClientKind;
      /** How many worker threads ran the load, and why (see planWorkers). */
      workers?: WorkerPlan;
      /** HTTP/2: sessions (closed model: --connections) and streams in flight per session, when set. */
      http2?: { sessions?: number; streams?: number };
      /** A long-lived-connection load (load.kind), when not plain HTTP requests. */
      kind?: 'websocket' | 'sse';
      /** gRPC: the method called and the deadline each call carried. */
      grpc?: { method: string; deadlineMs: number };
    };
    scenarioDigest: string;
    commandLine: string[];
    /** Cluster facts (filled when a rollout is watched). */
    cluster?: ClusterFacts;
    /** The commit the run was made from, when run inside a git work tree. */
    git?: GitFacts;
    /** The load-generating machine. */
    machine?: MachineFacts;
    /** The scenario as run, secrets redacted. */
    scenario?: unknown;
  };
  /** The reachability check before the traffic (absent in reports of older versions). */
  reachability?: ReachabilityRecord;
  /** Preflight lint findings, when the coordinator ran the lint. */
  preflight?: PreflightFinding[];
  /** Per-pod counts, when known. */
  pods?: PodCounts[];
  /** How the requests spread over the pods (with per-pod counts); `skewed` adds a diagnosis. */
  podSpread?: PodSpread;
  /**
   * Requests the server never processed (HTTP/2 GOAWAY above its last-stream-id, REFUSED_STREAM)
   * that the client sent once more, as browsers and gRPC do: by reason. Not failures: each request
   * still has exactly one outcome, its retry's. Absent when there were none.
   */
  retried?: { total: number; byReason: Record<string, number> };
  /**
   * A WebSocket or SSE load (load.kind): what its long-lived connections went through. Its units
   * are messages: totals, window, failures, timeline and budget count messages (sent, answered;
   * lost with a cut connection = `reset`, unanswered by the deadline = `timeout`).
   */
  connections?: ConnectionsReport;
  /** What `--rollback-on-fail` did after a failing verdict. */
  rollback?: { fromRevision: string | null; toRevision: string; replicaSet: string; status: 'complete' | 'failed' | 'timeout' | 'aborted'; message: string };
  /** The load agents, when the load came from agent pods (`--agents N`). */
  agents?: AgentSummary[];
  /** Present when `zerodrop report DIR` rebuilt this report from the run's journal (journal.ndjson). */
  rebuilt?: {
    from: string;
    /** false: the run was killed (no end record), the report is aborted and inconclusive, exact up to the last record. */
    complete: boolean;
    /** Records the journal held (a torn last line not counted). */
    records: number;
    /** Run-clock ms and UTC time of the journal's last record. */
    lastRecordMs: number;
    lastRecordAt: string;
  };
  /** `sha256:<hex>` over the canonical JSON of the report without this field and `signature`; set last by the writer (see digest.ts). */
  digest?: string;
  /** Ed25519 signature over `digest`, when the run was given a signing key (see signature.ts). */
  signature?: ReportSignature;
}

/** A report's signature: the algorithm, the id of the public key that checks it, the signature in base64. */
export interface ReportSignature {
  alg: 'ed25519';
  /** `sha256:<hex>` of the public key's DER (SubjectPublicKeyInfo). */
  keyId: string;
  /** Base64 of the Ed25519 signature over the UTF-8 text of `digest`. */
  value: string;
}
