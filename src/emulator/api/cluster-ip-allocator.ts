import { ApiError } from './api-error.js';
import type { KObject } from './store-types.js';

/** Services' ClusterIPs come from 127.200.0.0/16, local to the machine. */
export const CLUSTER_IP_PREFIX = '127.200.';

/** Hands out and takes back Service ClusterIPs in 127.200.0.0/16. */
export class ClusterIPAllocator {
  private readonly used = new Set<string>();
  // A random start keeps two emulators on one machine (parallel tests) off each other's ClusterIPs,
  // which share the kernel's NAT table.
  private next = 1 + Math.floor(Math.random() * 65534);

  /** The next free address after the last one handed out; 500 when none is left. */
  allocate(): string {
    for (let i = 0; i < 65534; i++) {
      const n = ((this.next - 1 + i) % 65534) + 1;
      const ip = `${CLUSTER_IP_PREFIX}${n >> 8}.${n & 255}`;
      if (!this.used.has(ip)) {
        this.next = (n % 65534) + 1;
        return ip;
      }
    }
    throw new ApiError(500, 'InternalError', 'no ClusterIP left in 127.200.0.0/16');
  }

  /** Marks an address as held. */
  add(ip: string): void {
    this.used.add(ip);
  }

  /** Frees an address. */
  release(ip: string): void {
    this.used.delete(ip);
  }

  /**
   * Fills a new Service's clusterIP(s), IP families and status, as the API server's allocator does:
   * a requested address must be free (422), `None` is headless, ExternalName gets none. A dry run
   * gets a placeholder and takes nothing. The address is held only by `add` when the Service is stored.
   */
  assignServiceIPs(o: KObject, name: string, dryRun: boolean | undefined): void {
    if (o.spec === undefined) return;
    const want: unknown = o.spec.clusterIP;
    if (want === 'None') o.spec.clusterIPs = ['None'];
    else if (typeof want === 'string' && want !== '') {
      if (this.used.has(want)) {
        throw new ApiError(422, 'Invalid', `Service "${name}" is invalid: spec.clusterIPs: Invalid value: ["${want}"]: failed to allocate IP ${want}: provided IP is already allocated`, {
          name,
          kind: 'Service',
          causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ["${want}"]: provided IP is already allocated`, field: 'spec.clusterIPs' }],
        });
      }
      o.spec.clusterIPs = [want];
    } else if (o.spec.type !== 'ExternalName') {
      o.spec.clusterIP = dryRun ? `${CLUSTER_IP_PREFIX}0.0` : this.allocate();
      o.spec.clusterIPs = [o.spec.clusterIP];
    }
    if (o.spec.clusterIP !== 'None' && o.spec.type !== 'ExternalName') {
      o.spec.ipFamilies ??= ['IPv4'];
      o.spec.ipFamilyPolicy ??= 'SingleStack';
    }
    o.status ??= { loadBalancer: {} };
  }
}
