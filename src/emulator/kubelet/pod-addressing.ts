import net from 'node:net';
import type { KObject } from '../api/store-types.js';

/**
 * How pods get addresses. `loopback-ip`: each pod its own IP in 127/8 (Linux routes all of 127/8
 * to lo), listening on its own containerPorts, as pods on a real cluster do. `port`: every pod on
 * 127.0.0.1 with kubelet-chosen ports (for systems where only 127.0.0.1 exists); the chosen ports
 * are published in the pod annotation {@link PORT_MAP_ANNOTATION} and the proxy and probes
 * translate a containerPort / Service targetPort through it.
 */
export type PodAddressing = 'loopback-ip' | 'port';

/** Pod annotation written in `port` addressing: `containerPort:hostPort` pairs, comma-separated. */
export const PORT_MAP_ANNOTATION = 'zerodrop.dev/port-map';

/** Parses {@link PORT_MAP_ANNOTATION}; empty when absent. */
export function parsePortMap(value: string | undefined): Map<number, number> {
  const m = new Map<number, number>();
  if (!value) return m;
  for (const pair of value.split(',')) {
    const [a, b] = pair.split(':').map((x) => Number(x.trim()));
    if (a !== undefined && b !== undefined && Number.isInteger(a) && Number.isInteger(b)) m.set(a, b);
  }
  return m;
}

/** Formats a port map for {@link PORT_MAP_ANNOTATION}. */
export function formatPortMap(m: Map<number, number>): string {
  return [...m].map(([a, b]) => `${a}:${b}`).join(',');
}

/**
 * Where a pod's containerPort is reached from this machine: the pod's IP and, in `port`
 * addressing, the port the kubelet chose for it. Throws when the pod cannot be reached there.
 */
export function podPortTarget(pod: KObject, containerPort: number): { host: string; port: number } {
  const ip = pod.status?.podIP;
  if (typeof ip !== 'string' || ip === '') throw new Error('the pod has no IP yet');
  const annotation = pod.metadata.annotations?.[PORT_MAP_ANNOTATION];
  if (annotation === undefined) return { host: ip, port: containerPort };
  const ports = parsePortMap(annotation);
  const mapped = ports.get(containerPort);
  // pods share 127.0.0.1 in `port` addressing: an undeclared port would reach some other process
  if (mapped === undefined) {
    throw new Error(`port ${containerPort} is not a containerPort of the pod (declared: ${[...ports.keys()].join(', ') || 'none'}); with the emulator's port addressing only declared containerPorts can be reached`);
  }
  return { host: ip, port: mapped };
}

/** The address a pod got. */
export interface PodAddress {
  ip: string;
  /** containerPort -> the port the process is told to listen on (identity in loopback-ip mode). */
  ports: Map<number, number>;
}

function canListen(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(undefined));
    s.listen({ host, port, exclusive: true }, () => {
      const a = s.address();
      const got = typeof a === 'object' && a !== null ? a.port : undefined;
      s.close(() => resolve(got));
    });
  });
}

/** Parses a prefix like `127.10`, `127.10.` or `127.10.0.0/16` into its fixed leading octets. */
export function parsePrefix(prefix: string): number[] {
  const [addr, bits] = prefix.split('/');
  const octets = (addr ?? '').split('.').filter((x) => x !== '').map(Number);
  const keep = bits !== undefined ? Math.floor(Number(bits) / 8) : octets.length;
  const fixed = octets.slice(0, keep);
  if (fixed.length < 1 || fixed.length > 3 || fixed.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || fixed[0] !== 127) {
    throw new Error(`podCIDRPrefix ${prefix}: expected 1-3 leading octets inside 127.0.0.0/8, e.g. 127.10`);
  }
  return fixed;
}

/**
 * Hands out pod addresses. In loopback-ip mode it starts at a random point of the prefix's range
 * and skips IPs in use here or whose ports are already bound (another emulator on the machine),
 * and does not reuse a released IP until the range wraps, so stale connections cannot reach a new pod.
 */
export class PodAddressAllocator {
  private readonly fixed: number[];
  private readonly size: number;
  private cursor: number;
  private readonly inUse = new Set<string>();

  constructor(
    readonly mode: PodAddressing,
    prefix = '127.10',
  ) {
    this.fixed = parsePrefix(prefix);
    this.size = 256 ** (4 - this.fixed.length);
    this.cursor = Math.floor(Math.random() * this.size);
  }

  private ipAt(n: number): string {
    const free: number[] = [];
    for (let i = 4 - this.fixed.length - 1; i >= 0; i--) free.push(Math.floor(n / 256 ** i) % 256);
    return [...this.fixed, ...free].join('.');
  }

  /** Allocates an address for a pod whose containers listen on `containerPorts`. */
  async allocate(containerPorts: number[]): Promise<PodAddress> {
    if (this.mode === 'port') {
      const ports = new Map<number, number>();
      for (const p of containerPorts) {
        if (ports.has(p)) continue;
        const got = await canListen('127.0.0.1', 0);
        if (got === undefined) throw new Error('no free port on 127.0.0.1');
        ports.set(p, got);
      }
      return { ip: '127.0.0.1', ports };
    }
    for (let tries = 0; tries < this.size; tries++) {
      this.cursor = (this.cursor + 1) % this.size;
      const last = this.cursor % 256;
      if (last === 0 || last === 255) continue;
      const ip = this.ipAt(this.cursor);
      if (this.inUse.has(ip)) continue;
      let free = true;
      for (const p of containerPorts) {
        if ((await canListen(ip, p)) === undefined) {
          free = false;
          break;
        }
      }
      if (!free || this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      return { ip, ports: new Map(containerPorts.map((p) => [p, p])) };
    }
    throw new Error(`no free pod IP left in ${this.fixed.join('.')}`);
  }

  /** Returns an IP to the pool. */
  release(ip: string): void {
    this.inUse.delete(ip);
  }
}
