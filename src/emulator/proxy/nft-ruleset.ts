import type { ServicePortRule } from './endpoints.js';

/** Every table this emulator creates starts with this. */
export const TABLE_PREFIX = 'zerodrop_';

/** The table of one proxy instance: `zerodrop_<instance>_p<pid>`; the pid tells a later run whether its owner is alive. */
export function tableName(instanceId: string, pid: number): string {
  const id = instanceId.replace(/[^A-Za-z0-9]/g, '').slice(0, 32) || 'x';
  return `${TABLE_PREFIX}${id}_p${pid}`;
}

/** The owner pid encoded in a table name by {@link tableName}, if it is one of ours. */
export function tableOwnerPid(name: string): number | undefined {
  if (!name.startsWith(TABLE_PREFIX)) return undefined;
  const m = /_p(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `ns/name:port` as a chain-name fragment; `_` cannot occur in Kubernetes names, so it separates safely. */
function chainId(r: ServicePortRule): string {
  return `${r.namespace}_${r.service}_${r.portName || String(r.port)}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** The per-Service chain that picks an endpoint. */
export function serviceChain(r: ServicePortRule): string {
  return `svc_${chainId(r)}`;
}

/** The per-endpoint chain that DNATs to it. */
export function endpointChain(r: ServicePortRule, ep: { ip: string; port: number }): string {
  return `ep_${chainId(r)}__${ep.ip.replace(/\./g, '_')}_${ep.port}`;
}

/**
 * The whole table as one `nft -f` transaction, laid out like kube-proxy's nftables mode
 * (pkg/proxy/nftables/README.md), reduced to what locally generated traffic needs:
 *  - `service-ips` verdict map: ClusterIP . proto . port -> goto the Service's chain, which picks
 *    an endpoint chain with `numgen random mod N` per NEW connection (only a connection's first
 *    packet traverses nat chains; conntrack keeps the rest of it on the chosen endpoint);
 *  - `no-endpoint-services` verdict map, checked in a filter chain before DNAT: Services without a
 *    usable endpoint are rejected with a TCP reset, so clients see ECONNREFUSED at once;
 *  - hooks on `output` (the traffic comes from this host), at kube-proxy's priorities.
 * The script adds, deletes and re-creates the table, so every update replaces the whole ruleset
 * atomically and leaves established connections (conntrack entries) alone.
 */
export function renderRuleset(table: string, rules: readonly ServicePortRule[], comment: string): string {
  const out: string[] = [];
  const q = (s: string): string => `"${s.replace(/["\\]/g, '')}"`;
  out.push(`add table ip ${table}`, `delete table ip ${table}`, `table ip ${table} {`);
  out.push(`\tcomment ${q(comment)}`);
  const withEps = rules.filter((r) => r.endpoints.length > 0);
  const without = rules.filter((r) => r.endpoints.length === 0);
  const elements = (rs: readonly ServicePortRule[], verdict: (r: ServicePortRule) => string): string[] =>
    rs.length === 0 ? [] : [`\t\telements = { ${rs.map((r) => `${r.clusterIP} . tcp . ${r.port} : ${verdict(r)}`).join(',\n\t\t\t     ')} }`];
  out.push('\tmap service-ips {', '\t\ttype ipv4_addr . inet_proto . inet_service : verdict', ...elements(withEps, (r) => `goto ${serviceChain(r)}`), '\t}');
  out.push('\tmap no-endpoint-services {', '\t\ttype ipv4_addr . inet_proto . inet_service : verdict', ...elements(without, () => 'goto reject-chain'), '\t}');
  out.push('\tchain filter-output {', '\t\ttype filter hook output priority -110; policy accept;', '\t\tip daddr . meta l4proto . th dport vmap @no-endpoint-services', '\t}');
  out.push('\tchain nat-output {', '\t\ttype nat hook output priority -100; policy accept;', '\t\tip daddr . meta l4proto . th dport vmap @service-ips', '\t}');
  out.push('\tchain reject-chain {', '\t\tmeta l4proto tcp reject with tcp reset', '\t\treject', '\t}');
  for (const r of withEps) {
    const map = r.endpoints.map((ep, i) => `${i} : goto ${endpointChain(r, ep)}`).join(', ');
    out.push(`\tchain ${serviceChain(r)} {`, `\t\tnumgen random mod ${r.endpoints.length} vmap { ${map} }`, '\t}');
    for (const ep of r.endpoints) out.push(`\tchain ${endpointChain(r, ep)} {`, `\t\tmeta l4proto tcp dnat to ${ep.ip}:${ep.port}`, '\t}');
  }
  out.push('}', '');
  return out.join('\n');
}
