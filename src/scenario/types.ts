import type { ReportFormat } from './report-formats.js';
import type { ClientKind } from '../traffic/client-kind.js';

export type { ReportFormat } from './report-formats.js';

/** The target of the traffic. */
export interface TargetSpec {
  /** Undefined only when the target is the Kubernetes Service (resolved when the run starts). */
  url: string | undefined;
  /** Path used when the URL is derived from the Service. */
  path: string;
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
  /** Response header naming the pod that answered: counts per pod. */
  podHeader: string | undefined;
  /** The HTTP client under each connection (undefined: auto, lean: zerodrop's own HTTP/1.1 over http: or https:, and its HTTP/2 frames client). */
  client: ClientKind | undefined;
  /** gRPC unary calls instead of HTTP requests (url and path then name the method's address and path). */
  grpc?: GrpcSpec;
}

/** A gRPC unary call, as a scenario gives it (target.grpc); the runner encodes the message (traffic/grpc-message.ts). */
export interface GrpcSpec {
  /** `package.Service/Method`. */
  method: string;
  /** The .proto file declaring it (absolute); absent: the server's reflection describes it before the traffic. */
  protoFile?: string;
  /** The request message as JSON data. */
  message: unknown;
  /** Call metadata (lower-case keys). */
  metadata: Record<string, string>;
  /** The deadline each call carries (grpc-timeout), ms. */
  deadlineMs: number;
  /** TLS (https: under the hood) or plaintext. */
  tls: boolean;
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
  /** Open model: at least this many connections (HTTP/2: sessions), taken in turn (undefined: as few as needed). */
  minConnections: number | undefined;
  /** HTTP/2: streams in flight per session (undefined: 1 in the closed model, the server's limit in the open model). */
  streams: number | undefined;
  intervalMs: number;
  /** Worker threads generating the load: a number, or 'auto' (planWorkers: by the open model's peak rate, one per core for the closed model). */
  workers: number | 'auto';
  /** Generate the load from agent pods instead of this process (absent: this process). */
  agents?: AgentsSpec;
  /** A WebSocket or SSE load (load.kind) instead of HTTP requests: `connections` clients hold one connection each. */
  stream?: StreamSpec;
}

/** A long-lived-connection load: what each connection exchanges, and how its client reconnects. */
export interface StreamSpec {
  kind: 'websocket' | 'sse';
  /** WebSocket: messages per second on each connection. */
  messageRate: number;
  /** WebSocket: bytes per message. */
  messageSize: number;
  /** How long an answer (SSE: the next event) may take, ms. */
  deadlineMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number; promptMs: number };
}

/** Load from many machines: agents run as pods of an Indexed Job, each sending its shard (load.agents). */
export interface AgentsSpec {
  /** Number of agent pods; agent i sends shard i of the rate or of the connections. */
  count: number;
  /** The agent image; undefined: zerodrop/agent:<this version>. */
  image: string | undefined;
  /** Where the Job runs; undefined: the run's namespace. */
  namespace: string | undefined;
  /** Container resources of each agent (requests / limits), as in a pod spec. */
  resources: Record<string, unknown> | undefined;
  nodeSelector: Record<string, string> | undefined;
  /** From creating the Job to the shared start: pods must be scheduled, pulled and ready by then. */
  startDelayMs: number;
}

/** How the release is started: a command, or a change made to the Deployment through the API. */
export type TriggerAction =
  | { kind: 'command'; command: string }
  | { kind: 'restart' }
  | { kind: 'image'; image: string }
  | { kind: 'patch'; patch: string | object | undefined; file: string | undefined; patchType: 'strategic' | 'merge' | 'json' }
  | { kind: 'apply'; file: string }
  | { kind: 'watch' };

/** The release run while the traffic flows, with the phases around it. */
export interface TriggerPlan {
  action: TriggerAction;
  baselineMs: number;
  cooldownMs: number;
  /** The command's timeout (command kind); cluster kinds are bounded by kubernetes.rolloutTimeoutMs. */
  timeoutMs: number;
}

/** The embedded Kubernetes emulator a run starts, and what it applies before the traffic. */
export interface EmulatorSpec {
  /** Manifest files applied before the run (absolute paths). */
  manifests: string[];
  proxyDelayMs: number | undefined;
  dataplane: 'auto' | 'nftables' | 'userspace' | undefined;
  /** How long the emulator's ingress controller waits after a change before it reloads nginx (undefined: its default). */
  ingressSyncDelayMs?: number | undefined;
  images: Record<string, { command: string[]; env?: Record<string, string>; cwd?: string }>;
}

/** The Deployment under test and where its cluster is. */
export interface KubernetesSpec {
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string | undefined;
  deployment: string;
  /** The Service in front of it: its endpoints are watched, and it is the target when no URL is given. */
  service: string | undefined;
  /** Service port (number or name) when the target is derived from the Service; default its first port. */
  servicePort: number | string | undefined;
  /** The Ingress the traffic goes through (its status address, its rule's host); undefined: straight to the Service. */
  ingress?: string | undefined;
  /** A Service of type LoadBalancer: the traffic goes to its load balancer's address, whose target events join the timeline. */
  loadBalancer: string | undefined;
  emulator: EmulatorSpec | undefined;
  rolloutTimeoutMs: number;
  rollbackOnFail: boolean;
}

/** A fully resolved, validated scenario: every default applied, every flag merged. */
export interface Scenario {
  name: string;
  target: TargetSpec;
  load: LoadSpec;
  trigger: TriggerPlan | undefined;
  kubernetes: KubernetesSpec | undefined;
  budget: { maxFailureRate: number; confidence: number };
  /** Where the reports go and how: `signKey` is the path of the Ed25519 private key that signs report.json (never the key itself). */
  report: { outDir: string | undefined; formats: ReportFormat[]; signKey?: string };
}
