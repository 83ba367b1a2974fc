/** Exit codes: the contract a CI gate relies on (shared/DESIGN.md). */
export const EXIT = {
  pass: 0,
  fail: 1,
  inconclusive: 2,
  invalidInput: 3,
  couldNotRun: 4,
  /** `zerodrop report`: the saved report's digest does not match its content (or it has none), or its signature does not check out. */
  untrusted: 5,
  interrupted: 130,
} as const;

/** One exit code of the contract. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One entry of the error catalogue: what the code means, the hint shown when the thrower gives none, and its exit code. */
export interface ErrorSpec {
  meaning: string;
  hint: string;
  exitCode: ExitCode;
}

const BUG = 'this is a bug in zerodrop; please report it with the command line';

/**
 * Every error code zerodrop throws, in one place (as undici's lib/core/errors.js): a thrower names
 * one of these, so a typo fails the typecheck, and README.md lists them (a unit test keeps the two
 * in step). The exit code and hint here are the defaults a thrower may sharpen.
 */
export const ERROR_CODES = {
  E_USAGE: { meaning: 'The command line is not valid: an unknown command or option, a missing argument, options that contradict each other.', hint: 'run `zerodrop --help` or `zerodrop <command> --help`', exitCode: EXIT.invalidInput },
  E_INVALID_INPUT: { meaning: 'Flags or scenario fields are not valid; every problem is listed with its field path.', hint: 'fix the fields listed; `zerodrop <command> --help` describes them', exitCode: EXIT.invalidInput },
  E_LABEL_SELECTOR: { meaning: 'A label selector is not valid Kubernetes syntax (a bad key, value or operator).', hint: 'write selectors as Kubernetes does: `app=web,tier in (front,back),!canary`', exitCode: EXIT.invalidInput },
  E_KEY_FILE: { meaning: 'A key file given to --sign-key or --key cannot be read.', hint: 'pass the path of a PEM key file; make a key pair with `openssl genpkey -algorithm ed25519 -out zerodrop-sign.pem`', exitCode: EXIT.invalidInput },
  E_SIGN_KEY: { meaning: 'The signing key (--sign-key or ZERODROP_SIGN_KEY) is not an unencrypted Ed25519 private key in PEM.', hint: 'make one with `openssl genpkey -algorithm ed25519 -out zerodrop-sign.pem`', exitCode: EXIT.invalidInput },
  E_VERIFY_KEY: { meaning: 'The key given to check a signature (--key) is not an Ed25519 public key in PEM.', hint: 'pass the public key: `openssl pkey -in zerodrop-sign.pem -pubout -out zerodrop-sign.pub.pem`', exitCode: EXIT.invalidInput },
  E_BAD_JOURNAL: { meaning: 'A run journal (journal.ndjson) is not one zerodrop wrote: a line is malformed or out of sequence.', hint: 'pass the folder of a run zerodrop wrote; an edited journal is never guessed at', exitCode: EXIT.invalidInput },
  E_AGENT_INDEX: { meaning: "A load agent was started without its index (the Indexed Job's completion index).", hint: 'agents are started by `zerodrop run --agents N`, which sets the index; do not run `zerodrop agent` by hand', exitCode: EXIT.invalidInput },
  E_GRPC_NO_REFLECTION: { meaning: 'No .proto was given for the gRPC method and the server does not serve reflection (grpc.reflection.v1 nor v1alpha) to describe it.', hint: 'give --proto FILE (target.grpc.proto), or enable reflection on the server: @grpc/reflection in Node, reflection.Register(s) in grpc-go', exitCode: EXIT.invalidInput },
  E_TARGET_UNREACHABLE: { meaning: 'The target did not answer the reachability check before the traffic started.', hint: 'check that the service is listening at the URL and reachable from here', exitCode: EXIT.couldNotRun },
  E_GRPC_REFLECTION: { meaning: "The gRPC server's reflection service answered, but not with a complete description of the method (an error status, a file it cannot give, types that do not resolve).", hint: 'the message has the server\'s answer; give --proto FILE (target.grpc.proto) to do without reflection', exitCode: EXIT.couldNotRun },
  E_CLUSTER_UNREACHABLE: { meaning: 'The Kubernetes API server did not answer.', hint: 'is the cluster running and the kubeconfig context right? `kubectl --context <ctx> version` should answer', exitCode: EXIT.couldNotRun },
  E_CLUSTER_UNAUTHORIZED: { meaning: "The API server rejected the kubeconfig's credentials (401).", hint: 'check the user of the kubeconfig context (token or client certificate expired?); `kubectl auth whoami` shows who you are', exitCode: EXIT.couldNotRun },
  E_CLUSTER_FORBIDDEN: { meaning: 'The kubeconfig user may not do what the run needs (403).', hint: 'check the permissions with `kubectl auth can-i`', exitCode: EXIT.couldNotRun },
  E_CLUSTER_PLAIN_HTTP: { meaning: 'The API server is plain HTTP, which @kubernetes/client-node refuses unless TLS verification is skipped.', hint: 'use the https:// address of the API server, or set insecure-skip-tls-verify: true on that cluster in the kubeconfig', exitCode: EXIT.couldNotRun },
  E_CLUSTER_API: { meaning: 'Another error from the Kubernetes API server.', hint: 'the message has the API server\'s answer; `kubectl` with the same context shows more', exitCode: EXIT.couldNotRun },
  E_DEPLOYMENT_NOT_READY: { meaning: 'The Deployment failed or did not become ready before the run.', hint: 'check the pods: kubectl describe pods', exitCode: EXIT.couldNotRun },
  E_LOAD_BALANCER_NOT_READY: { meaning: 'The load balancer of kubernetes.loadBalancer published no address, or did not serve, before the run.', hint: 'kubectl describe service shows its Events (target health); check the health check annotations and that the pods pass the health check path', exitCode: EXIT.couldNotRun },
  E_EMULATOR_START: { meaning: 'The local Kubernetes emulator could not start.', hint: 'run with --verbose to see which part failed; on Linux the nftables dataplane needs root (try dataplane: userspace)', exitCode: EXIT.couldNotRun },
  E_INGRESS_NO_ADDRESS: { meaning: 'The Ingress the traffic should go through got no address from its controller before the run.', hint: 'its controller\'s events say why (`kubectl describe ingress NAME`); the emulator\'s ingress controller runs nginx: apt-get install nginx-light', exitCode: EXIT.couldNotRun },
  E_AGENTS_CREATE: { meaning: "The load agents' Secret or Job could not be created.", hint: 'the coordinator needs create/delete on secrets and jobs, patch on jobs, and get/list on pods and pods/log in that namespace', exitCode: EXIT.couldNotRun },
  E_AGENTS_NOT_STARTED: { meaning: 'No load agent was running by the shared start time.', hint: 'check that the cluster can pull the agent image, or pass --agent-image', exitCode: EXIT.couldNotRun },
  E_BAD_AGENT_RECORD: { meaning: "A line of a load agent's log claims to be a record but is not a valid one.", hint: 'run the agents with the same zerodrop version as the coordinator', exitCode: EXIT.couldNotRun },
  E_BAD_RECORDING: { meaning: 'An encoded recording (counters, histograms) is not one zerodrop wrote.', hint: BUG, exitCode: EXIT.couldNotRun },
  E_RECORDER_CONFIG: { meaning: "A recorder's settings are not positive integers.", hint: BUG, exitCode: EXIT.couldNotRun },
  E_RECORDER_MISMATCH: { meaning: 'Recordings with different settings cannot be merged.', hint: 'run every agent with the same zerodrop version and scenario', exitCode: EXIT.couldNotRun },
  E_JOURNAL_NO_LOAD: { meaning: 'The journal ends before the load started: there is no measurement to rebuild.', hint: 'run it again; the reachability check and the cluster set-up come before the load', exitCode: EXIT.couldNotRun },
  E_JOURNAL_MISMATCH: { meaning: "report.json and the run's journal disagree, or belong to different runs.", hint: 'each run writes its own folder; do not copy reports between them', exitCode: EXIT.couldNotRun },
  E_OUT_DIR: { meaning: "The run's report folder cannot be written.", hint: 'pass --out with a writable folder', exitCode: EXIT.couldNotRun },
  E_SWEEP_NOT_SETTLED: { meaning: "A sweep case's Deployment did not settle within the rollout timeout.", hint: 'check the pods (kubectl describe pods); raise kubernetes.rolloutTimeout if the rollout is just slow', exitCode: EXIT.couldNotRun },
  E_SWEEP_ROLLOUT_FAILED: { meaning: "A sweep case's Deployment did not roll out with the case's settings.", hint: 'kubectl describe deployment shows its conditions', exitCode: EXIT.couldNotRun },
  E_SPDY_PROTOCOL: { meaning: "A port-forward client sent a frame that is not valid SPDY/3.1 (the emulator's port-forward).", hint: 'kubectl port-forward speaks it correctly, so check the client', exitCode: EXIT.couldNotRun },
  E_INTERNAL: { meaning: 'A bug in zerodrop: something it assumes could not happen did.', hint: BUG, exitCode: EXIT.couldNotRun },
  E_REPORT_UNSEALED: { meaning: '`zerodrop report`/`verify`: the saved report carries no digest.', hint: 'reports written by zerodrop carry a digest; pass --no-verify to render one anyway', exitCode: EXIT.untrusted },
  E_REPORT_ALTERED: { meaning: '`zerodrop report`/`verify`: the saved report was changed after zerodrop wrote it (its digest does not match).', hint: 'render the report as zerodrop wrote it, or pass --no-verify to render it anyway', exitCode: EXIT.untrusted },
  E_REPORT_UNSIGNED: { meaning: '`zerodrop report`/`verify --key`: the saved report is not signed.', hint: 'sign reports with `zerodrop run --sign-key PRIVATE.pem` (or ZERODROP_SIGN_KEY)', exitCode: EXIT.untrusted },
  E_REPORT_SIGNATURE: { meaning: "`zerodrop report`/`verify --key`: the report's signature does not check out with the key given.", hint: 'pass the public key of the key that signs your runs', exitCode: EXIT.untrusted },
  E_INTERRUPTED: { meaning: 'Interrupted (SIGINT, SIGTERM, SIGHUP) before the traffic started: no report was written.', hint: 'run it again', exitCode: EXIT.interrupted },
} as const satisfies Record<`E_${string}`, ErrorSpec>;

/** One code of the catalogue. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem found in user input, named by its field path (e.g. `load.rate`). */
export interface Problem {
  path: string;
  message: string;
}

/** Base of every error zerodrop throws on purpose: a stable code of the catalogue, a hint for the user, an exit code. */
export class ZerodropError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  /** The hint and exit code default to the catalogue's for `code`. */
  constructor(code: ErrorCode, message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ZerodropError';
    this.code = code;
    this.hint = opts.hint ?? ERROR_CODES[code].hint;
    this.exitCode = opts.exitCode ?? ERROR_CODES[code].exitCode;
  }
}

/** Invalid flags, scenario fields or other user input: exit 3, every problem listed at once. */
export class InvalidInputError extends ZerodropError {
  readonly problems: Problem[];

  constructor(problems: Problem[], hint?: string) {
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super('E_INVALID_INPUT', `invalid input (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
      exitCode: EXIT.invalidInput,
      ...(hint === undefined ? {} : { hint }),
    });
    this.name = 'InvalidInputError';
    this.problems = problems;
  }
}

/** The run could not be carried out (target or cluster unreachable, a tool missing): exit 4. */
export class CouldNotRunError extends ZerodropError {
  constructor(code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, { ...opts, exitCode: EXIT.couldNotRun });
    this.name = 'CouldNotRunError';
  }
}

/** Collects problems during validation, then throws them all at once. */
export class ProblemList {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  throwIfAny(hint?: string): void {
    if (this.problems.length > 0) throw new InvalidInputError(this.problems, hint);
  }
}
