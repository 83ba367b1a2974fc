import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidInputError, ProblemList } from '../errors.js';

/** What a container image means to the emulator: the local command that stands in for it. */
export interface EmulatorImage {
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
}

/** The service dataplane: kernel nftables rules, an in-process proxy, or whichever is available. */
export type DataplaneMode = 'auto' | 'nftables' | 'userspace';

/** Settings of the local Kubernetes emulator. */
export interface EmulatorConfig {
  /** Image reference (or pattern ending in `*`) -> local command; merged over the built-in demo images. */
  images: Record<string, EmulatorImage>;
  /** How long the service proxy takes to follow endpoint changes, ms (default 1000, 0..30000). */
  proxyDelayMs?: number;
  /** Dataplane of the service proxy (default `auto`). */
  dataplane?: DataplaneMode;
  /** Name of the emulator's one Node (default `zerodrop-node`). */
  nodeName?: string;
  /** API server port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Where to write the kubeconfig (default: a fresh temporary directory). */
  kubeconfigPath?: string;
  /** How long the ingress controller waits after a change before it syncs nginx, ms (default 3000, 0..60000). */
  ingressSyncDelayMs?: number;
  /** The nginx binary of the ingress controller (default: `nginx` on PATH, then in /usr/sbin). */
  nginxPath?: string;
}

/** Defaults of the optional settings. */
export const EMULATOR_DEFAULTS = {
  proxyDelayMs: 1000,
  dataplane: 'auto' as DataplaneMode,
  nodeName: 'zerodrop-node',
  port: 0,
  ingressSyncDelayMs: 3000,
} as const;

const KEYS = new Set(['images', 'proxyDelayMs', 'dataplane', 'nodeName', 'port', 'kubeconfigPath', 'ingressSyncDelayMs', 'nginxPath']);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function validateImage(v: unknown, path: string, problems: ProblemList): EmulatorImage | undefined {
  if (!isObj(v)) {
    problems.add(path, 'must be an object with a command');
    return undefined;
  }
  for (const k of Object.keys(v)) if (!['command', 'env', 'cwd'].includes(k)) problems.add(join(path, k), 'unknown field (expected command, env, cwd)');
  const command = v['command'];
  let ok = true;
  if (!Array.isArray(command) || command.length === 0 || !command.every((c) => typeof c === 'string' && c !== '')) {
    problems.add(join(path, 'command'), 'must be a non-empty list of non-empty strings');
    ok = false;
  }
  const img: EmulatorImage = { command: ok ? (command as string[]) : [] };
  const env = v['env'];
  if (env !== undefined) {
    if (!isObj(env)) {
      problems.add(join(path, 'env'), 'must be a map of names to string values');
      ok = false;
    } else {
      for (const [k, x] of Object.entries(env)) {
        if (typeof x !== 'string') {
          problems.add(join(join(path, 'env'), k), 'must be a string');
          ok = false;
        }
      }
      img.env = env as Record<string, string>;
    }
  }
  const cwd = v['cwd'];
  if (cwd !== undefined) {
    if (typeof cwd !== 'string' || cwd === '') {
      problems.add(join(path, 'cwd'), 'must be a non-empty string');
      ok = false;
    } else img.cwd = cwd;
  }
  return ok ? img : undefined;
}

/**
 * Validates a parsed emulator config (every problem with its field path, thrown at once as
 * InvalidInputError) and returns it typed. `prefix` names where it sits in a larger document.
 */
export function validateEmulatorConfig(raw: unknown, prefix = ''): EmulatorConfig {
  const problems = new ProblemList();
  const cfg: EmulatorConfig = { images: {} };
  if (raw === undefined || raw === null) return cfg;
  if (!isObj(raw)) {
    problems.add(prefix, 'must be an object');
    problems.throwIfAny();
    return cfg;
  }
  for (const k of Object.keys(raw)) if (!KEYS.has(k)) problems.add(join(prefix, k), `unknown field (expected one of ${[...KEYS].join(', ')})`);
  const images = raw['images'];
  if (images !== undefined) {
    if (!isObj(images)) problems.add(join(prefix, 'images'), 'must be a map of image references to {command, env, cwd}');
    else {
      for (const [ref, spec] of Object.entries(images)) {
        const img = validateImage(spec, `${join(prefix, 'images')}[${JSON.stringify(ref)}]`, problems);
        if (ref.trim() === '') problems.add(join(prefix, 'images'), 'image references must not be empty');
        if (img !== undefined) cfg.images[ref] = img;
      }
    }
  }
  const delay = raw['proxyDelayMs'];
  if (delay !== undefined) {
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > 30_000) problems.add(join(prefix, 'proxyDelayMs'), 'must be a number of milliseconds from 0 to 30000');
    else cfg.proxyDelayMs = delay;
  }
  const dp = raw['dataplane'];
  if (dp !== undefined) {
    if (dp !== 'auto' && dp !== 'nftables' && dp !== 'userspace') problems.add(join(prefix, 'dataplane'), 'must be one of auto, nftables, userspace');
    else cfg.dataplane = dp;
  }
  const nodeName = raw['nodeName'];
  if (nodeName !== undefined) {
    if (typeof nodeName !== 'string' || nodeName.length > 253 || !DNS_SUBDOMAIN.test(nodeName)) problems.add(join(prefix, 'nodeName'), 'must be a lower-case DNS subdomain name (e.g. zerodrop-node)');
    else cfg.nodeName = nodeName;
  }
  const port = raw['port'];
  if (port !== undefined) {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) problems.add(join(prefix, 'port'), 'must be an integer from 0 to 65535 (0: any free port)');
    else cfg.port = port;
  }
  const kc = raw['kubeconfigPath'];
  if (kc !== undefined) {
    if (typeof kc !== 'string' || kc === '') problems.add(join(prefix, 'kubeconfigPath'), 'must be a non-empty path');
    else cfg.kubeconfigPath = kc;
  }
  const syncDelay = raw['ingressSyncDelayMs'];
  if (syncDelay !== undefined) {
    if (typeof syncDelay !== 'number' || !Number.isFinite(syncDelay) || syncDelay < 0 || syncDelay > 60_000) problems.add(join(prefix, 'ingressSyncDelayMs'), 'must be a number of milliseconds from 0 to 60000');
    else cfg.ingressSyncDelayMs = syncDelay;
  }
  const nginxPath = raw['nginxPath'];
  if (nginxPath !== undefined) {
    if (typeof nginxPath !== 'string' || nginxPath === '') problems.add(join(prefix, 'nginxPath'), 'must be a non-empty path to an nginx binary');
    else cfg.nginxPath = nginxPath;
  }
  problems.throwIfAny();
  return cfg;
}

/** Parses emulator config text (YAML, which includes JSON) and validates it. */
export function parseEmulatorConfig(text: string, source = 'emulator config'): EmulatorConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new InvalidInputError([{ path: '', message: `${source} is not valid YAML/JSON: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  return validateEmulatorConfig(raw);
}

/** Reads and validates an emulator config file (YAML or JSON). */
export async function loadEmulatorConfig(path: string): Promise<EmulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError([{ path: '', message: `cannot read ${path}: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  return parseEmulatorConfig(text, path);
}
