// zerodrop's programmatic API: named re-exports only. The CLI (src/cli) is built on these.

export { startClock, type Clock } from './clock.js';
export { EXIT, ERROR_CODES, CouldNotRunError, InvalidInputError, ZerodropError, type ErrorCode, type ErrorSpec, type ExitCode, type Problem } from './errors.js';

export { resolveScenario, type ScenarioFlags } from './scenario/resolve.js';
export { loadScenarioFile } from './scenario/load-file.js';
export type { Scenario, TargetSpec, LoadSpec, TriggerPlan, TriggerAction, KubernetesSpec, EmulatorSpec } from './scenario/types.js';

export { executeRun, exitCodeOf, type RunEnvironment, type RunOutcome, type LivePhase } from './runner/execute-run.js';
export { openClusterSession, type ClusterSession } from './runner/cluster-session.js';

export { startLoad, type LoadHandle, type LoadOptions, type LoadProgress, type LoadResult } from './traffic/engine.js';
export { startStreamLoad, type StreamLoadHandle } from './streams/stream-load.js';
export { DEFAULT_RECONNECT, type ReconnectPolicy, type StreamLoadOptions } from './streams/stream-options.js';
export type { ConnectionEvent, ConnectionRecording } from './streams/connection-log.js';
export { analyzeConnections, type ConnectionsReport } from './analysis/connections.js';
export { checkReachable, probeKindOf, type ReachabilityProbe, type ReachOptions } from './traffic/preflight.js';
export { Recorder, mergeRecorders } from './metrics/recorder.js';
export { FAILURE_CLASSES, type FailureClass } from './metrics/outcome.js';
export { GRPC_STATUS_NAMES, type GrpcStatusName } from './metrics/grpc-status.js';
export { prepareGrpcCall, type GrpcCallSpec, type PreparedGrpcCall } from './traffic/grpc-message.js';

export { analyzeRun, type AnalysisInput } from './report/build-report.js';
export { clopperPearsonUpper, requiredRequests } from './analysis/confidence.js';

export { render, readReport, REPORT_FORMATS, REPORT_FILE_NAMES, type Report, type ReportFormat, type Verdict } from './report/index.js';
export { computeDigest, verifyReport, withDigest } from './report/digest.js';
export { loadSigningKey, loadVerifyKey, sealReport, verifySignature } from './report/signature.js';

export { connectCluster, type Cluster } from './cluster/cluster.js';
export { watchRollout, type RolloutWatch } from './rollout/watcher.js';
export { sendTrigger } from './rollout/triggers.js';
export { ProcessGroups, GROUP_KILL_GRACE_MS } from './rollout/process-group.js';
export { rollbackDeployment } from './rollout/rollback.js';
export { lintDeployment, type Finding } from './rollout/lint.js';
export { lintManifests } from './rollout/lint-manifests.js';

export { startEmulator, loadEmulatorConfig, type EmulatorConfig, type EmulatorHandle } from './emulator/index.js';
export { applyManifests } from './emulator/apply-manifests.js';

export { runSweep } from './sweep/run-sweep.js';
export { resolveSweepSpec, expandCases, type SweepSpec } from './sweep/sweep-spec.js';
export { startAgentLoad, runAgent } from './agents/index.js';
