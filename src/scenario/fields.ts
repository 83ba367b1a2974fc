/**
 * Every field of a scenario in one table: its path in the scenario file and, for the fields a
 * flag of `zerodrop run` also sets, the flag with its help. The yargs options (src/cli/run-options.ts),
 * the flag-to-path map, the known fields and the ScenarioFlags type are all derived from it, so a
 * new field is one row here (and its rule in its section's resolver, src/scenario/sections/).
 * Rows are in the order of `zerodrop run --help`; file-only fields sit next to their flags.
 */

/** The sections of a scenario file, in the order they are resolved; each has its resolver in src/scenario/sections/. */
export const SCENARIO_SECTIONS = ['target', 'load', 'trigger', 'kubernetes', 'budget', 'report'] as const;

/** One section of a scenario file. */
export type ScenarioSection = (typeof SCENARIO_SECTIONS)[number];

/** A flag of `zerodrop run` and its help, as yargs takes it. */
export interface FieldFlag {
  /** The flag as typed, without the dashes (kebab-case); its ScenarioFlags key is the camelCase form. */
  name: string;
  /** The `--help` group it is listed under. */
  group: string;
  type: 'string' | 'number' | 'boolean';
  /** Repeatable: the value is a list of texts. */
  array?: true;
  /** The only values accepted (yargs checks them; the help lists them instead of the type). */
  choices?: readonly string[];
  /** A one-letter alias. */
  alias?: string;
  /** The help text: what it does, the scenario field in parentheses, an example, the default. */
  describe: string;
  /**
   * The resolver reads the flag itself instead of the flag being written at `path` before
   * resolving (a list merged with the file's, a text that may name a file, a switch for a mapping).
   */
  custom?: true;
}

/** One field a scenario file may hold, with the flag that sets it, if any. */
export interface ScenarioField {
  /** The field's dotted path in the scenario file, e.g. `target.successStatus`. */
  path: string;
  flag?: FieldFlag;
}

const TARGET = 'Target:';
const GRPC = 'gRPC target (instead of an HTTP request):';
const LOAD = 'Load:';
const RELEASE = 'Release:';
const RELEASE_K8S = 'Release on Kubernetes (instead of --trigger):';
const KUBERNETES = 'Kubernetes:';
const VERDICT = 'Verdict:';
const OUTPUT = 'Output:';

/** Every scenario field, in `--help` order (see the module comment). */
export const SCENARIO_FIELDS = [
  { path: 'target.url', flag: { name: 'url', group: TARGET, type: 'string', describe: 'URL to send traffic to (target.url), e.g. http://127.0.0.1:8080/health' } },
  { path: 'target.path' },
  { path: 'target.method', flag: { name: 'method', group: TARGET, type: 'string', describe: 'HTTP method (target.method) [default: GET]' } },
  { path: 'target.headers', flag: { name: 'header', group: TARGET, alias: 'H', type: 'string', array: true, custom: true, describe: 'request header "Name: value", repeatable (target.headers); secret values are redacted in reports' } },
  { path: 'target.body', flag: { name: 'body', group: TARGET, type: 'string', custom: true, describe: 'request body, or @file to read it from a file (target.body / target.bodyFile)' } },
  { path: 'target.bodyFile' },
  { path: 'target.timeout', flag: { name: 'timeout', group: TARGET, type: 'string', describe: 'per-request timeout (target.timeout), e.g. 500ms, 2s [default: 2s]' } },
  { path: 'target.keepAlive', flag: { name: 'keep-alive', group: TARGET, type: 'boolean', describe: 'reuse connections (target.keepAlive); --no-keep-alive opens a connection per request, which sees refused connections at once [default: true]' } },
  { path: 'target.http2', flag: { name: 'http2', group: TARGET, type: 'boolean', describe: 'speak HTTP/2 (target.http2) [default: false]' } },
  { path: 'target.ca', flag: { name: 'ca', group: TARGET, type: 'string', describe: 'PEM file of the CA that signed the target\'s certificate (target.ca)' } },
  { path: 'target.insecure', flag: { name: 'insecure', group: TARGET, type: 'boolean', describe: 'accept any TLS certificate (target.insecure); never for production gates [default: false]' } },
  { path: 'target.successStatus', flag: { name: 'success-status', group: TARGET, type: 'string', describe: 'statuses that count as success (target.successStatus), e.g. 200-299,304 [default: 200-399]' } },
  { path: 'target.podHeader', flag: { name: 'pod-header', group: TARGET, type: 'string', describe: 'response header naming the pod that answered, e.g. x-pod-name (target.podHeader): requests and failures are counted per pod, and the report shows which pods served while terminating' } },
  { path: 'target.client', flag: { name: 'client', group: TARGET, type: 'string', describe: 'HTTP client under each connection (target.client): lean (zerodrop\'s own: HTTP/1.1 over TCP or TLS, HTTP/2 as its own frames over TLS or h2c; fastest, and with node-http2 the only ones that count GOAWAY/REFUSED_STREAM retries), undici, node-http2 (HTTP/2 only, zerodrop\'s client on node:http2), or auto: lean [default: auto; gRPC: always zerodrop\'s own]' } },
  { path: 'target.grpc.method', flag: { name: 'grpc-method', group: GRPC, type: 'string', describe: 'send gRPC unary calls of this method (target.grpc.method), e.g. zerodrop.demo.Greeter/SayHello; the URL gives the address: grpc://host:port (plaintext) or grpcs://host:port (TLS)' } },
  { path: 'target.grpc.proto', flag: { name: 'proto', group: GRPC, type: 'string', describe: '.proto file declaring the method (target.grpc.proto) [default: ask the server\'s reflection service]' } },
  { path: 'target.grpc.message', flag: { name: 'data', group: GRPC, type: 'string', describe: 'the request message as JSON, or @file (target.grpc.message), e.g. \'{"name":"zerodrop"}\' [default: {}]' } },
  { path: 'target.grpc.metadata', flag: { name: 'metadata', group: GRPC, type: 'string', array: true, custom: true, describe: 'call metadata "key=value", repeatable (target.grpc.metadata)' } },
  { path: 'target.grpc.deadline', flag: { name: 'grpc-deadline', group: GRPC, type: 'string', describe: 'the deadline each call carries, grpc-timeout (target.grpc.deadline) [default: --timeout]' } },
  { path: 'target.grpc.tls', flag: { name: 'grpc-tls', group: GRPC, type: 'boolean', describe: 'TLS (target.grpc.tls); --no-grpc-tls for plaintext [default: from the URL scheme; plaintext for a Service]' } },
  { path: 'load.rate', flag: { name: 'rate', group: LOAD, type: 'number', describe: 'open model: requests per second started on schedule whatever the target does (load.rate) [default: 100]' } },
  { path: 'load.connections', flag: { name: 'connections', group: LOAD, type: 'number', describe: 'closed model: this many concurrent requests, as fast as the target answers (load.connections); with --http2, this many sessions, each carrying --streams requests' } },
  { path: 'load.streams', flag: { name: 'streams', group: LOAD, type: 'number', describe: 'HTTP/2: streams in flight per session (load.streams), as h2load -m: --connections 8 --streams 8 keeps 64 requests in flight on 8 sessions; open model: a cap per session [default: 1 in the closed model, the server\'s limit in the open model]' } },
  { path: 'load.duration', flag: { name: 'duration', group: LOAD, type: 'string', describe: 'measured duration without a trigger (load.duration), e.g. 30s, 2m [default: 60s]' } },
  { path: 'load.warmup', flag: { name: 'warmup', group: LOAD, type: 'string', describe: 'traffic before measuring starts, not judged (load.warmup) [default: 0s]' } },
  { path: 'load.ramp.duration', flag: { name: 'ramp-up', group: LOAD, type: 'string', describe: 'open model: ramp linearly to --rate over this long (load.ramp.duration), e.g. 10s' } },
  { path: 'load.ramp.from', flag: { name: 'ramp-from', group: LOAD, type: 'number', describe: 'the rate the ramp starts at (load.ramp.from) [default: 0]' } },
  { path: 'load.maxInFlight', flag: { name: 'max-in-flight', group: LOAD, type: 'number', describe: 'open model: most requests in flight at once; requests beyond it are counted unsent (load.maxInFlight)' } },
  { path: 'load.minConnections', flag: { name: 'min-connections', group: LOAD, type: 'number', describe: 'open model: keep at least N keep-alive connections (HTTP/2: sessions; gRPC: channels) and send on them in turn, like N clients, so the load reaches every pod behind a Service (load.minConnections) [default: as few as the rate needs; HTTP/2: one session]' } },
  { path: 'load.kind', flag: { name: 'load-kind', group: LOAD, type: 'string', choices: ['http', 'websocket', 'sse'], describe: 'what the load is (load.kind): http requests, or websocket / sse: --connections clients each hold one long-lived connection through the rollout, reconnecting as real clients do; messages and connection cuts are judged [default: http]' } },
  { path: 'load.messageRate', flag: { name: 'message-rate', group: LOAD, type: 'number', describe: 'WebSocket load: messages per second each connection sends and expects answered (load.messageRate) [default: 10]' } },
  { path: 'load.messageSize', flag: { name: 'message-size', group: LOAD, type: 'number', describe: 'WebSocket load: bytes per message, its id first (load.messageSize) [default: 64]' } },
  { path: 'load.answerDeadline', flag: { name: 'answer-deadline', group: LOAD, type: 'string', describe: 'WebSocket / SSE load: how long an answer (SSE: the next event) may take before the message counts as timed out (load.answerDeadline) [default: --timeout]' } },
  { path: 'load.reconnect.initialDelay' },
  { path: 'load.reconnect.maxDelay' },
  { path: 'load.reconnect.prompt', flag: { name: 'reconnect-prompt', group: LOAD, type: 'string', describe: 'WebSocket / SSE load: a graceful close followed by a reconnect within this long is no failure (load.reconnect.prompt) [default: 2s]' } },
  { path: 'load.interval', flag: { name: 'interval', group: LOAD, type: 'string', describe: 'width of the timeline intervals (load.interval) [default: 100ms]' } },
  { path: 'load.workers', flag: { name: 'workers', group: LOAD, type: 'string', describe: 'worker threads generating the load, each with its own connections (load.workers): a number, or auto: open model one per 25,000 req/s of the peak rate, closed model one per core, at most one per core (the report says how many and why) [default: auto]' } },
  { path: 'load.agents.count', flag: { name: 'agents', group: LOAD, type: 'number', describe: 'generate the load from N agent pods (an Indexed Job in the cluster), agent i sending shard i of the rate or connections, merged exactly (load.agents.count)' } },
  { path: 'load.agents.image', flag: { name: 'agent-image', group: LOAD, type: 'string', describe: 'image of the agents, built from the Dockerfile (load.agents.image) [default: zerodrop/agent:<version>]' } },
  { path: 'load.agents.namespace' },
  { path: 'load.agents.resources' },
  { path: 'load.agents.nodeSelector' },
  { path: 'load.agents.startDelay' },
  { path: 'trigger.command', flag: { name: 'trigger', group: RELEASE, type: 'string', describe: 'shell command that performs the release (trigger.command); runs after the baseline, then the cooldown follows; a non-zero exit fails the run' } },
  { path: 'trigger.baseline', flag: { name: 'baseline', group: RELEASE, type: 'string', describe: 'traffic before the trigger, reported separately (trigger.baseline) [default: 5s]' } },
  { path: 'trigger.cooldown', flag: { name: 'cooldown', group: RELEASE, type: 'string', describe: 'traffic after the trigger ends, judged with the rollout (trigger.cooldown) [default: 5s]' } },
  { path: 'trigger.timeout', flag: { name: 'trigger-timeout', group: RELEASE, type: 'string', describe: 'stop the trigger and fail after this long (trigger.timeout) [default: 10m]' } },
  { path: 'trigger.restart', flag: { name: 'restart', group: RELEASE_K8S, type: 'boolean', describe: 'restart the Deployment as `kubectl rollout restart` does (trigger.restart)' } },
  { path: 'trigger.image', flag: { name: 'image', group: RELEASE_K8S, type: 'string', describe: 'set a container\'s image (trigger.image), e.g. app=repo/app:v2' } },
  { path: 'trigger.patch', flag: { name: 'patch', group: RELEASE_K8S, type: 'string', describe: 'patch the Deployment (trigger.patch): JSON/YAML text, or @file' } },
  { path: 'trigger.patchFile' },
  { path: 'trigger.patchType', flag: { name: 'patch-type', group: RELEASE_K8S, type: 'string', choices: ['strategic', 'merge', 'json'], describe: 'kind of --patch (trigger.patchType) [default: strategic]' } },
  { path: 'trigger.apply', flag: { name: 'apply', group: RELEASE_K8S, type: 'string', describe: 'apply a manifest of the same Deployment (trigger.apply)' } },
  { path: 'trigger.watch', flag: { name: 'watch', group: RELEASE_K8S, type: 'boolean', describe: 'trigger nothing: verify the next rollout someone else starts, e.g. Argo CD or a pipeline step (trigger.watch)' } },
  { path: 'kubernetes.deployment', flag: { name: 'deployment', group: KUBERNETES, type: 'string', describe: 'the Deployment whose rollout is watched and judged (kubernetes.deployment)' } },
  { path: 'kubernetes.service', flag: { name: 'service', group: KUBERNETES, type: 'string', describe: 'the Service in front of it: its endpoints are watched, and it is the target when no --url is given (kubernetes.service)' } },
  { path: 'kubernetes.port' },
  { path: 'kubernetes.ingress', flag: { name: 'ingress', group: KUBERNETES, type: 'string', describe: 'send the traffic through this Ingress (kubernetes.ingress): to the address in its status, with its rule\'s host as the Host header; its controller\'s reloads join the timeline' } },
  { path: 'kubernetes.loadBalancer', flag: { name: 'load-balancer', group: KUBERNETES, type: 'string', describe: 'send the traffic through the load balancer of this Service of type LoadBalancer, at the address in its status.loadBalancer.ingress, and add its target events (registered, healthy, unhealthy, draining, deregistered) to the timeline (kubernetes.loadBalancer); it is the --service too when none is given' } },
  { path: 'kubernetes.namespace', flag: { name: 'namespace', group: KUBERNETES, alias: 'n', type: 'string', describe: 'namespace (kubernetes.namespace) [default: the context\'s]' } },
  { path: 'kubernetes.context', flag: { name: 'context', group: KUBERNETES, type: 'string', describe: 'kubeconfig context (kubernetes.context) [default: current-context]' } },
  { path: 'kubernetes.kubeconfig', flag: { name: 'kubeconfig', group: KUBERNETES, type: 'string', describe: 'kubeconfig file (kubernetes.kubeconfig) [default: $KUBECONFIG, ~/.kube/config]' } },
  { path: 'kubernetes.emulator', flag: { name: 'emulator', group: KUBERNETES, type: 'boolean', custom: true, describe: 'run against the embedded Kubernetes emulator (kubernetes.emulator), applying the scenario\'s manifests first' } },
  { path: 'kubernetes.emulator.manifests' },
  { path: 'kubernetes.emulator.proxyDelay' },
  { path: 'kubernetes.emulator.dataplane' },
  { path: 'kubernetes.emulator.images' },
  { path: 'kubernetes.emulator.ingressSyncDelay' },
  { path: 'kubernetes.rolloutTimeout', flag: { name: 'rollout-timeout', group: KUBERNETES, type: 'string', describe: 'fail when the rollout has not completed after this long (kubernetes.rolloutTimeout) [default: 5m]' } },
  { path: 'kubernetes.rollbackOnFail', flag: { name: 'rollback-on-fail', group: KUBERNETES, type: 'boolean', describe: 'on a fail verdict, roll the Deployment back to its previous revision and wait (kubernetes.rollbackOnFail)' } },
  { path: 'budget.maxFailureRate', flag: { name: 'budget', group: VERDICT, type: 'string', describe: 'largest failure rate that passes (budget.maxFailureRate), e.g. 0.1% or 0.001 [default: 0.1%]' } },
  { path: 'budget.confidence', flag: { name: 'confidence', group: VERDICT, type: 'string', describe: 'confidence a pass needs (budget.confidence): the exact upper bound of the failure rate must be within budget [default: 0.95]' } },
  { path: 'report.out', flag: { name: 'out', group: OUTPUT, type: 'string', describe: 'folder for the reports (report.out) [default: reports/<time>-<name>]' } },
  { path: 'report.formats', flag: { name: 'format', group: OUTPUT, type: 'string', array: true, describe: 'reports to write: console,json,junit,md,html (report.formats); report.json is always written [default: all]' } },
  { path: 'name', flag: { name: 'name', group: OUTPUT, type: 'string', describe: 'name of the run, used in the report and the folder name (name)' } },
  { path: 'report.signKey', flag: { name: 'sign-key', group: OUTPUT, type: 'string', describe: 'Ed25519 private key (PEM file) that signs report.json (report.signKey); without it, the PEM text in $ZERODROP_SIGN_KEY signs; check with `zerodrop verify DIR --key PUBLIC.pem`' } },
] as const satisfies readonly ScenarioField[];

/** A flag's name in camelCase, as yargs hands it over (`success-status` -> `successStatus`). */
export type CamelFlag<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelFlag<Tail>>}` : S;

/** The camelCase key of a kebab-case flag name (the runtime twin of CamelFlag). */
export function camelFlag<S extends string>(name: S): CamelFlag<S> {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()) as CamelFlag<S>;
}

type FlagRow = Extract<(typeof SCENARIO_FIELDS)[number], { flag: unknown }>['flag'];
type FlagValue<F> = F extends { array: true } ? string[] : F extends { type: 'number' } ? number : F extends { type: 'boolean' } ? boolean : string;

/** Flag values as yargs hands them over, one key per flag of the table; undefined means "not given". */
export type ScenarioFlags = { [F in FlagRow as CamelFlag<F['name']>]?: FlagValue<F> | undefined };

/** The rows that have a flag. */
export const FLAG_FIELDS: ReadonlyArray<{ path: string; flag: FieldFlag }> = SCENARIO_FIELDS.filter((f): f is Extract<(typeof SCENARIO_FIELDS)[number], { flag: unknown }> => 'flag' in f);

/**
 * Which flag sets which scenario path before resolving, so problems name what the user typed:
 * [ScenarioFlags key, path, flag as typed]. Custom flags are read by their resolver instead.
 */
export const FLAG_PATHS: ReadonlyArray<readonly [keyof ScenarioFlags, string, string]> = FLAG_FIELDS.filter((f) => f.flag.custom !== true).map(
  (f) => [camelFlag(f.flag.name) as keyof ScenarioFlags, f.path, `--${f.flag.name}`] as const,
);

/**
 * Every field a scenario file may hold, by section ('' is the top level), for "unknown field"
 * problems: each path's last key under its parent, and each parent under its own.
 */
export const KNOWN_FIELDS: Readonly<Record<string, readonly string[]>> = (() => {
  // `sweep` is read by `zerodrop sweep` (src/sweep); a plain run ignores it.
  const known: Record<string, string[]> = { '': ['name', ...SCENARIO_SECTIONS, 'sweep'] };
  for (const { path } of SCENARIO_FIELDS) {
    const keys = path.split('.');
    for (let i = 1; i < keys.length; i++) {
      const section = keys.slice(0, i).join('.');
      const list = (known[section] ??= []);
      if (!list.includes(keys[i]!)) list.push(keys[i]!);
    }
  }
  return known;
})();
