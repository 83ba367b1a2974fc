import { ProblemList } from '../errors.js';
import { CLIENT_KINDS, leanRefusal } from '../traffic/client-kind.js';
import type { ClientKind } from '../traffic/client-kind.js';
import {
  HEADER_NAME,
  parseBudget,
  parseConfidence,
  parseDuration,
  parseHeader,
  parsePositive,
  parseStatusRanges,
  type Parsed,
} from './parse.js';
import { redactUrl } from '../redact.js';
import { REPORT_FORMATS, type ReportFormat } from '../report/index.js';
import type { AgentsSpec, EmulatorSpec, Scenario, TriggerAction } from './types.js';
import { FLAG_PATHS, KNOWN_FIELDS, type ScenarioFlags } from './fields.js';

export type { ScenarioFlags } from './fields.js';

/** Request headers a scenario may not set, with what to do instead. */
const FRAMING_HEADERS: Record<string, string> = {
  connection: 'keep-alive is the default; use --no-keep-alive (target.keepAlive: false) for a new connection per request',
  'keep-alive': 'connections stay open while the target keeps them; use --no-keep-alive (target.keepAlive: false) for a new connection per request',
  'content-length': 'it follows the body (--body)',
  'transfer-encoding': 'bodies are sent with a content-length',
  upgrade: 'protocol upgrades are not load-tested; use --http2 for HTTP/2 over TLS',
  expect: '100-continue is not supported; the body is sent with the request',
};

/** What resolving needs besides the data: file reading is injected (no I/O here). */
export interface ResolveContext {
  /** Reads a file named in the scenario or a flag (`--body @file`, `bodyFile`), relative paths already resolved by the caller. */
  readText(path: string): string;
  /** Resolves a path relative to the scenario file (or the working directory for flags). */
  resolvePath(path: string, fromFlag: boolean): string;
}

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

function getPath(root: Raw, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function setPath(root: Raw, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = root;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[keys[keys.length - 1] as string] = value;
}

function closest(word: string, options: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) {
        const row = d[i] as number[];
        const prev = d[i - 1] as number[];
        row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
    }
    return (d[a.length] as number[])[b.length] as number;
  };
  let best: string | undefined;
  let bestScore = 3;
  for (const option of options) {
    const score = distance(word.toLowerCase(), option.toLowerCase());
    if (score < bestScore) [best, bestScore] = [option, score];
  }
  return best;
}

function checkUnknownFields(raw: Raw, problems: ProblemList): void {
  for (const [section, fields] of Object.entries(KNOWN_FIELDS)) {
    const obj = section === '' ? raw : getPath(raw, section);
    if (!isObject(obj)) continue;
    for (const key of Object.keys(obj)) {
      if (fields.includes(key)) continue;
      const path = section === '' ? key : `${section}.${key}`;
      const guess = closest(key, fields);
      problems.add(path, `unknown field${guess ? `; did you mean "${section === '' ? guess : `${section}.${guess}`}"?` : ` (known: ${fields.join(', ')})`}`);
    }
  }
}

/**
 * Merges a scenario file's data with flags (flags win), applies defaults and validates every
 * field, throwing one InvalidInputError that lists every problem with its field path.
 */
export function resolveScenario(fileData: unknown, flags: ScenarioFlags, ctx: ResolveContext): Scenario {
  const problems = new ProblemList();
  if (fileData !== undefined && !isObject(fileData)) {
    problems.add('', 'a scenario file must hold a mapping (name, target, load, trigger, budget, report)');
    problems.throwIfAny();
  }
  const raw: Raw = structuredClone((fileData as Raw | undefined) ?? {});
  if (typeof raw.trigger === 'string') raw.trigger = { command: raw.trigger };
  // `agents: 3` is short for `agents: {count: 3}`.
  if (isObject(raw.load) && (typeof raw.load.agents === 'number' || typeof raw.load.agents === 'string')) raw.load.agents = { count: raw.load.agents };
  checkUnknownFields(raw, problems);

  // A release action given as a flag replaces the file's, whichever kind the file had.
  const actionFlags = (['trigger', 'restart', 'image', 'patch', 'apply', 'watch'] as const).filter((f) => flags[f] !== undefined && flags[f] !== false);
  if (actionFlags.length > 0 && isObject(raw.trigger)) {
    for (const key of ['command', 'restart', 'image', 'patch', 'patchFile', 'apply', 'watch']) delete raw.trigger[key];
  }
  const origin = new Map<string, string>();
  for (const [flag, path, name] of FLAG_PATHS) {
    const value = flags[flag];
    if (value === undefined) continue;
    setPath(raw, path, value);
    origin.set(path, name);
  }
  const label = (path: string): string => (origin.has(path) ? `${origin.get(path)} (${path})` : path);
  const take = <T>(path: string, parsed: Parsed<T>): T | undefined => {
    if (parsed.ok) return parsed.value;
    problems.add(label(path), parsed.message);
    return undefined;
  };
  const optional = <T>(path: string, parse: (v: unknown) => Parsed<T>, fallback: T): T => {
    const v = getPath(raw, path);
    return v === undefined ? fallback : (take(path, parse(v)) ?? fallback);
  };
  const bool = (path: string, fallback: boolean): boolean => {
    const v = getPath(raw, path);
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    problems.add(label(path), `expected true or false, got ${JSON.stringify(v)}`);
    return fallback;
  };
  const text = (path: string): string | undefined => {
    const v = getPath(raw, path);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && v.trim() !== '') return v;
    problems.add(label(path), `expected a non-empty text, got ${JSON.stringify(v)}`);
    return undefined;
  };

  const triggerAction = (kind: string): TriggerAction => {
    switch (kind) {
      case 'restart':
        return { kind: 'restart' };
      case 'watch':
        return { kind: 'watch' };
      case 'image':
        return { kind: 'image', image: text('trigger.image') ?? '' };
      case 'apply': {
        const file = text('trigger.apply');
        return { kind: 'apply', file: file === undefined ? '' : ctx.resolvePath(file, origin.has('trigger.apply')) };
      }
      case 'patch':
      case 'patchFile': {
        const patchType = getPath(raw, 'trigger.patchType') ?? 'strategic';
        if (!['strategic', 'merge', 'json'].includes(patchType as string)) problems.add(label('trigger.patchType'), 'expected strategic, merge or json');
        let patch = getPath(raw, 'trigger.patch') as string | object | undefined;
        let file = text('trigger.patchFile');
        if (typeof patch === 'string' && patch.startsWith('@')) {
          file = patch.slice(1);
          patch = undefined;
        }
        return { kind: 'patch', patch, file: file === undefined ? undefined : ctx.resolvePath(file, origin.has('trigger.patch')), patchType: patchType as 'strategic' };
      }
      default:
        return { kind: 'command', command: text('trigger.command') ?? '' };
    }
  };

  // target
  if (flags.emulator === true && !isObject(getPath(raw, 'kubernetes.emulator'))) setPath(raw, 'kubernetes.emulator', {});
  const url = text('target.url');
  const serviceGiven = getPath(raw, 'kubernetes.service') !== undefined;
  if (url === undefined && getPath(raw, 'target.url') === undefined && !serviceGiven) {
    problems.add('target.url', 'no target: give --url http://host:port/path (or target.url), or the Kubernetes Service with --service (kubernetes.service)');
  } else if (url !== undefined) {
    let parsedUrl: URL | undefined;
    try {
      parsedUrl = new URL(url);
    } catch {
      problems.add(label('target.url'), `"${redactUrl(url)}" is not a URL: use e.g. http://127.0.0.1:8080/health`);
    }
    if (parsedUrl && parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
      problems.add(label('target.url'), `only http:// and https:// targets are supported, got ${parsedUrl.protocol}`);
    }
  }
  const method = (text('target.method') ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) problems.add(label('target.method'), `"${method}" is not an HTTP method`);

  const headers: Record<string, string> = {};
  const fileHeaders = isObject(fileData) && isObject(fileData.target) ? fileData.target.headers : undefined;
  if (isObject(fileHeaders)) {
    for (const [k, v] of Object.entries(fileHeaders)) {
      if (typeof v === 'string' || typeof v === 'number') headers[k] = String(v);
      else problems.add(`target.headers.${k}`, `a header value must be a text, got ${JSON.stringify(v)}`);
    }
  } else if (Array.isArray(fileHeaders)) {
    fileHeaders.forEach((h, i) => {
      const p = take(`target.headers[${i}]`, parseHeader(h));
      if (p) headers[p[0]] = p[1];
    });
  } else if (fileHeaders !== undefined) {
    problems.add('target.headers', 'expected a mapping of header names to values, or a list of "Name: value"');
  }
  for (const h of flags.header ?? []) {
    const p = take('--header', parseHeader(h));
    if (p) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === p[0].toLowerCase()) delete headers[existing];
      headers[p[0]] = p[1];
    }
  }

  // Framing and connection headers are the client's to write (both clients frame each request
  // themselves; undici refuses most of these outright): say what to use instead.
  for (const name of Object.keys(headers)) {
    const why = FRAMING_HEADERS[name.toLowerCase()];
    if (why !== undefined) problems.add(`target.headers.${name}`, `zerodrop writes this header itself: ${why}`);
  }

  let body: string | undefined;
  const bodyFlag = flags.body;
  const bodyFile = text('target.bodyFile');
  const readBody = (path: string, fromFlag: boolean, where: string): string | undefined => {
    try {
      return ctx.readText(ctx.resolvePath(path, fromFlag));
    } catch (err) {
      problems.add(where, `cannot read body file "${path}": ${(err as Error).message}`);
      return undefined;
    }
  };
  if (bodyFlag !== undefined) {
    body = bodyFlag.startsWith('@') ? readBody(bodyFlag.slice(1), true, '--body') : bodyFlag;
  } else if (bodyFile !== undefined) {
    body = readBody(bodyFile, false, 'target.bodyFile');
  } else {
    const b = getPath(raw, 'target.body');
    if (b !== undefined) body = typeof b === 'string' ? b : JSON.stringify(b);
  }

  const timeoutMs = optional('target.timeout', parseDuration, 2000);
  if (timeoutMs <= 0) problems.add(label('target.timeout'), 'the request timeout must be above 0, e.g. 2s');
  const caPath = text('target.ca');

  // load
  const rateRaw = getPath(raw, 'load.rate');
  const connRaw = getPath(raw, 'load.connections');
  const rate = rateRaw === undefined ? undefined : take('load.rate', parsePositive(rateRaw, 'the rate (requests per second)'));
  const connections = connRaw === undefined ? undefined : take('load.connections', parsePositive(connRaw, 'the connection count', true));
  if (rateRaw !== undefined && connRaw !== undefined) {
    problems.add(`${label('load.rate')} / ${label('load.connections')}`, 'give either a rate (open model) or a connection count (closed model), not both');
  }
  const model: 'open' | 'closed' = connRaw !== undefined && rateRaw === undefined ? 'closed' : 'open';
  const effectiveRate = model === 'open' ? (rate ?? (rateRaw === undefined ? 100 : undefined)) : undefined;

  let ramp: { fromRate: number; durationMs: number } | undefined;
  if (getPath(raw, 'load.ramp.duration') !== undefined || getPath(raw, 'load.ramp.from') !== undefined) {
    const durationMs = optional('load.ramp.duration', parseDuration, 0);
    const fromRaw = getPath(raw, 'load.ramp.from');
    const fromRate = fromRaw === undefined ? 0 : typeof fromRaw === 'number' && fromRaw >= 0 ? fromRaw : (problems.add(label('load.ramp.from'), 'the ramp start rate must be 0 or more'), 0);
    if (model === 'closed') problems.add(label('load.ramp.duration'), 'a ramp needs the open model (--rate), not --connections');
    if (durationMs <= 0) problems.add(label('load.ramp.duration'), 'a ramp needs a duration above 0, e.g. 10s');
    ramp = { fromRate, durationMs };
  }

  const actionKeys = ['command', 'restart', 'image', 'patch', 'patchFile', 'apply', 'watch'].filter((k) => {
    const v = getPath(raw, `trigger.${k}`);
    return v !== undefined && v !== false;
  });
  const hasTrigger = actionKeys.length > 0;
  if (actionKeys.length > 1 && !(actionKeys.length === 2 && actionKeys.includes('patch') && actionKeys.includes('patchFile'))) {
    problems.add('trigger', `give one release action, not ${actionKeys.map((k) => label(`trigger.${k}`)).join(' and ')}`);
  }
  const durationRaw = getPath(raw, 'load.duration');
  if (hasTrigger && durationRaw !== undefined) {
    problems.add(label('load.duration'), 'with a trigger the run lasts baseline + the trigger + cooldown; drop the duration (use --trigger-timeout to cap the trigger)');
  }
  const durationMs = hasTrigger ? undefined : optional('load.duration', parseDuration, 60_000);
  if (durationMs !== undefined && durationMs <= 0) problems.add(label('load.duration'), 'the duration must be above 0, e.g. 30s');
  const warmupMs = optional('load.warmup', parseDuration, 0);
  const maxRaw = getPath(raw, 'load.maxInFlight');
  const maxInFlight = maxRaw === undefined ? undefined : take('load.maxInFlight', parsePositive(maxRaw, 'the in-flight cap', true));
  const http2 = bool('target.http2', false);
  const minRaw = getPath(raw, 'load.minConnections');
  const minConnections = minRaw === undefined ? undefined : take('load.minConnections', parsePositive(minRaw, 'the connection count', true));
  if (minConnections !== undefined && model === 'closed') {
    problems.add(label('load.minConnections'), 'spreads the open model (--rate) over connections; the closed model keeps exactly --connections');
  }
  if (minConnections !== undefined && http2) {
    problems.add(label('load.minConnections'), 'HTTP/2 requests share the connections of one pool; --min-connections spreads HTTP/1.1 connections (drop --http2, or this option)');
  }
  if (minConnections !== undefined && maxInFlight !== undefined && minConnections > maxInFlight) {
    problems.add(label('load.minConnections'), `${minConnections} connections cannot all carry requests under --max-in-flight ${maxInFlight}`);
  }
  const workersRaw = getPath(raw, 'load.workers');
  let workers: number | 'auto' = 'auto';
  if (workersRaw !== undefined && workersRaw !== 'auto') {
    workers = take('load.workers', parsePositive(workersRaw, 'the worker count (or "auto")', true)) ?? 'auto';
  }
  const intervalMs = optional('load.interval', parseDuration, 100);
  if (intervalMs < 10 || intervalMs > 10_000) problems.add(label('load.interval'), 'the interval must be between 10ms and 10s');

  // trigger
  let trigger: Scenario['trigger'];
  if (hasTrigger) {
    trigger = {
      action: triggerAction(actionKeys[0] as string),
      baselineMs: optional('trigger.baseline', parseDuration, 5000),
      cooldownMs: optional('trigger.cooldown', parseDuration, 5000),
      timeoutMs: optional('trigger.timeout', parseDuration, 600_000),
    };
  } else {
    for (const [path] of [['trigger.baseline'], ['trigger.cooldown'], ['trigger.timeout']] as const) {
      if (getPath(raw, path) !== undefined) problems.add(label(path), 'only applies with a trigger (--trigger "command")');
    }
  }

  // kubernetes
  let kubernetes: Scenario['kubernetes'];
  const k8s = getPath(raw, 'kubernetes');
  if (k8s !== undefined && !isObject(k8s)) problems.add('kubernetes', 'expected a mapping (kubeconfig, context, namespace, deployment, service, emulator...)');
  if (isObject(k8s)) {
    const deployment = text('kubernetes.deployment');
    if (deployment === undefined && getPath(raw, 'kubernetes.deployment') === undefined) {
      problems.add('kubernetes.deployment', 'name the Deployment under test: --deployment NAME (kubernetes.deployment)');
    }
    const portRaw = getPath(raw, 'kubernetes.port');
    if (portRaw !== undefined && typeof portRaw !== 'number' && typeof portRaw !== 'string') problems.add('kubernetes.port', 'expected a port number or name');
    const emuRaw = getPath(raw, 'kubernetes.emulator');
    let emulator: EmulatorSpec | undefined;
    if (emuRaw === true || isObject(emuRaw)) {
      const manifestsRaw = getPath(raw, 'kubernetes.emulator.manifests') ?? [];
      const manifests: string[] = [];
      if (!Array.isArray(manifestsRaw) || !manifestsRaw.every((m) => typeof m === 'string')) problems.add('kubernetes.emulator.manifests', 'expected a list of manifest files');
      else for (const m of manifestsRaw as string[]) manifests.push(ctx.resolvePath(m, false));
      const dataplane = getPath(raw, 'kubernetes.emulator.dataplane');
      if (dataplane !== undefined && !['auto', 'nftables', 'userspace'].includes(dataplane as string)) problems.add('kubernetes.emulator.dataplane', 'expected auto, nftables or userspace');
      const proxyDelay = getPath(raw, 'kubernetes.emulator.proxyDelay');
      const images = getPath(raw, 'kubernetes.emulator.images');
      if (images !== undefined && !isObject(images)) problems.add('kubernetes.emulator.images', 'expected a mapping of image -> {command: [...], env: {...}}');
      emulator = {
        manifests,
        proxyDelayMs: proxyDelay === undefined ? undefined : take('kubernetes.emulator.proxyDelay', parseDuration(proxyDelay)),
        dataplane: dataplane as EmulatorSpec['dataplane'],
        images: (isObject(images) ? images : {}) as EmulatorSpec['images'],
      };
    } else if (emuRaw !== undefined && emuRaw !== false) {
      problems.add('kubernetes.emulator', 'expected true or a mapping (manifests, proxyDelay, dataplane, images)');
    }
    if (emulator && (getPath(raw, 'kubernetes.kubeconfig') !== undefined || getPath(raw, 'kubernetes.context') !== undefined)) {
      problems.add('kubernetes.emulator', 'the embedded emulator brings its own kubeconfig: drop kubeconfig/context, or drop emulator to use a real cluster');
    }
    kubernetes = {
      kubeconfig: text('kubernetes.kubeconfig') === undefined ? undefined : ctx.resolvePath(text('kubernetes.kubeconfig') as string, origin.has('kubernetes.kubeconfig')),
      context: text('kubernetes.context'),
      namespace: text('kubernetes.namespace'),
      deployment: deployment ?? '',
      service: text('kubernetes.service'),
      servicePort: portRaw as number | string | undefined,
      emulator,
      rolloutTimeoutMs: optional('kubernetes.rolloutTimeout', parseDuration, 300_000),
      rollbackOnFail: bool('kubernetes.rollbackOnFail', false),
    };
  }
  if (trigger && trigger.action.kind !== 'command' && kubernetes === undefined) {
    problems.add(label(`trigger.${actionKeys[0] as string}`), 'this release action changes a Kubernetes Deployment: name it with --deployment (kubernetes.deployment)');
  }

  // load.agents
  let agents: AgentsSpec | undefined;
  const agentsRaw = getPath(raw, 'load.agents');
  if (agentsRaw !== undefined && !isObject(agentsRaw)) problems.add(label('load.agents'), 'expected a number of agents, or a mapping (count, image, namespace, resources, nodeSelector, startDelay)');
  if (isObject(agentsRaw)) {
    const countRaw = getPath(raw, 'load.agents.count');
    const count = countRaw === undefined ? (problems.add(label('load.agents.count'), 'how many agents? e.g. --agents 3'), undefined) : take('load.agents.count', parsePositive(countRaw, 'the agent count', true));
    if (count !== undefined && count > 100) problems.add(label('load.agents.count'), `at most 100 agents, got ${count}`);
    if (count !== undefined && model === 'closed' && connections !== undefined && connections < count) {
      problems.add(label('load.agents.count'), `${count} agents cannot share ${connections} connections: every agent needs at least one`);
    }
    const resources = getPath(raw, 'load.agents.resources');
    if (resources !== undefined && !isObject(resources)) problems.add('load.agents.resources', 'expected a mapping like {requests: {cpu: "1", memory: 256Mi}, limits: {...}}');
    const nodeSelector = getPath(raw, 'load.agents.nodeSelector');
    if (nodeSelector !== undefined && !(isObject(nodeSelector) && Object.values(nodeSelector).every((v) => typeof v === 'string'))) {
      problems.add('load.agents.nodeSelector', 'expected a mapping of node label names to text values');
    }
    if (!isObject(getPath(raw, 'kubernetes'))) {
      problems.add(label('load.agents'), 'agents run as a Job in a cluster: add a kubernetes section (--emulator, or --deployment with your kubeconfig)');
    }
    const onEmulator = getPath(raw, 'kubernetes.emulator') !== undefined && getPath(raw, 'kubernetes.emulator') !== false;
    agents = {
      count: count ?? 1,
      image: text('load.agents.image'),
      namespace: text('load.agents.namespace'),
      resources: isObject(resources) ? resources : undefined,
      nodeSelector: isObject(nodeSelector) ? (nodeSelector as Record<string, string>) : undefined,
      // Pods must be scheduled, pulled and started by then: seconds on the emulator, longer on a cluster.
      startDelayMs: optional('load.agents.startDelay', parseDuration, onEmulator ? 10_000 : 60_000),
    };
  }

  // budget
  const maxFailureRate = optional('budget.maxFailureRate', parseBudget, 0.001);
  const confidence = optional('budget.confidence', parseConfidence, 0.95);

  // report
  const formatsRaw = getPath(raw, 'report.formats');
  let formats: ReportFormat[] = [...REPORT_FORMATS];
  if (formatsRaw !== undefined) {
    const list = (Array.isArray(formatsRaw) ? formatsRaw : [formatsRaw]).flatMap((f) => String(f).split(',')).map((f) => f.trim()).filter(Boolean);
    const bad = list.filter((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
    if (bad.length > 0) problems.add(label('report.formats'), `unknown format ${bad.map((b) => `"${b}"`).join(', ')}: choose from ${REPORT_FORMATS.join(', ')}`);
    else formats = [...new Set(list)] as ReportFormat[];
  }
  const outDir = text('report.out');
  const signKey = text('report.signKey');

  const podHeaderName = text('target.podHeader');
  if (podHeaderName !== undefined && !HEADER_NAME.test(podHeaderName)) problems.add(label('target.podHeader'), `"${podHeaderName}" is not a header name, e.g. x-pod-name`);
  const clientName = text('target.client') ?? 'auto';
  let client: ClientKind | undefined;
  if (clientName !== 'auto' && !(CLIENT_KINDS as readonly string[]).includes(clientName)) {
    problems.add(label('target.client'), `unknown client "${clientName}": choose auto, ${CLIENT_KINDS.join(' or ')}`);
  } else if (clientName !== 'auto') {
    client = clientName as ClientKind;
    const refusal = client === 'lean' ? leanRefusal(url ?? 'http:', http2) : undefined;
    if (refusal !== undefined) problems.add(label('target.client'), `${refusal}: use --client undici (or auto) for https:// or HTTP/2 targets`);
  }
  const successStatus = optional('target.successStatus', parseStatusRanges, [[200, 399]] as Array<[number, number]>);
  const name = text('name') ?? (url ? safeName(url) : 'run');

  problems.throwIfAny('run `zerodrop run --help` for every option with an example');

  return {
    name,
    target: {
      url,
      path: text('target.path') ?? '/',
      method,
      headers,
      body,
      timeoutMs,
      keepAlive: bool('target.keepAlive', true),
      http2,
      caFile: caPath === undefined ? undefined : ctx.resolvePath(caPath, origin.has('target.ca')),
      insecure: bool('target.insecure', false),
      successStatus,
      podHeader: podHeaderName,
      client,
    },
    load: { model, rate: effectiveRate, ramp, connections, durationMs, warmupMs, maxInFlight, minConnections, intervalMs, workers, ...(agents === undefined ? {} : { agents }) },
    trigger,
    kubernetes,
    budget: { maxFailureRate, confidence },
    report: {
      outDir: outDir === undefined ? undefined : ctx.resolvePath(outDir, origin.has('report.out')),
      formats,
      ...(signKey === undefined ? {} : { signKey: ctx.resolvePath(signKey, origin.has('report.signKey')) }),
    },
  };
}

/** A file-system-safe run name from a URL (host and path). */
function safeName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `-${u.port}` : ''}`.replace(/[^A-Za-z0-9.-]+/g, '-');
  } catch {
    return 'run';
  }
}
