import net from 'node:net';
import { ruleKey, type ServicePortRule } from './endpoints.js';

interface PortEntry {
  rule: ServicePortRule;
  server: net.Server | undefined;
  /** The address it listens on: the ClusterIP:port, or 127.0.0.1:<port> where 127.200/16 cannot be bound. */
  address: string | undefined;
  listening: Promise<void> | undefined;
}

/**
 * The fallback dataplane: a TCP proxy in this process, listening on each ClusterIP:port. It picks
 * a random usable endpoint per new connection and pipes bytes; established connections stay on
 * their endpoint when it leaves (as conntrack keeps them). A Service port without usable endpoints
 * stops listening, so new connections get ECONNREFUSED as with the kernel's reject. It never
 * retries another endpoint, unlike the removed kube-proxy userspace mode, which hid such failures.
 *
 * One difference remains, and it cannot be removed from userspace: the kernel refuses a
 * connection to a dead endpoint (the client's SYN gets a RST, connect() fails with ECONNREFUSED),
 * whereas here the kernel has completed the client's handshake before the proxy even learns of
 * the connection, let alone picks and dials an endpoint. Pausing accept only queues the handshake
 * (backlog, TCP_DEFER_ACCEPT), closing the listener would refuse every endpoint's share, and
 * SO_LINGER 0 still gives a reset. So a refused dial is passed on as an immediate reset of a
 * connection that has carried no byte back (ECONNRESET). The load engine counts such resets on
 * new connections apart, and the diagnosis reads them as the refusals they stand for, so a
 * rollout names the same cause on both dataplanes.
 */
export class UserspaceDataplane {
  private readonly entries = new Map<string, PortEntry>();
  private readonly sockets = new Set<net.Socket>();
  private stopped = false;

  constructor(private readonly log: (m: string) => void) {}

  /** Where a Service port is reachable (`ip:port`), by `namespace/name:port` key. */
  addresses(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, e] of this.entries) if (e.address !== undefined) m.set(k, e.address);
    return m;
  }

  /** Programs the rules: opens, updates and closes listeners. */
  async apply(rules: readonly ServicePortRule[]): Promise<void> {
    if (this.stopped) return;
    const want = new Map(rules.map((r) => [`${ruleKey(r)}@${r.clusterIP}:${r.port}`, r]));
    const work: Array<Promise<void>> = [];
    for (const [k, e] of this.entries) {
      if (!want.has(k)) {
        work.push(this.close(e));
        this.entries.delete(k);
      }
    }
    for (const [k, r] of want) {
      let e = this.entries.get(k);
      if (!e) {
        e = { rule: r, server: undefined, address: undefined, listening: undefined };
        this.entries.set(k, e);
      }
      e.rule = r;
      if (r.endpoints.length > 0 && e.server === undefined) work.push(this.open(e));
      else if (r.endpoints.length === 0 && e.server !== undefined) work.push(this.close(e));
    }
    await Promise.all(work);
  }

  private open(e: PortEntry): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.onConnection(e, client));
    e.server = server;
    const listen = (host: string, port: number): Promise<string> =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, exclusive: true }, () => {
          server.off('error', reject);
          const a = server.address();
          resolve(typeof a === 'object' && a !== null ? `${a.address}:${a.port}` : `${host}:${port}`);
        });
      });
    const prev = e.address;
    e.listening = (async () => {
      try {
        e.address = await listen(e.rule.clusterIP, e.rule.port);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRNOTAVAIL') {
          this.log(`proxy: cannot listen on ${e.rule.clusterIP}:${e.rule.port} for ${ruleKey(e.rule)}: ${String(code ?? err)}`);
          e.server = undefined;
          return;
        }
        // Only 127.0.0.1 exists (not Linux): keep the port the Service had before, else any.
        const [, port] = (prev ?? ':0').split(':');
        try {
          e.address = await listen('127.0.0.1', Number(port ?? 0));
        } catch {
          e.address = await listen('127.0.0.1', 0);
        }
      }
      server.on('error', (err) => this.log(`proxy: listener ${ruleKey(e.rule)}: ${err.message}`));
    })();
    return e.listening;
  }

  private async close(e: PortEntry): Promise<void> {
    const s = e.server;
    e.server = undefined;
    await e.listening;
    // close() stops accepting; connections already proxied carry on.
    if (s?.listening) await new Promise<void>((r) => s.close(() => r()));
  }

  private onConnection(e: PortEntry, client: net.Socket): void {
    const eps = e.rule.endpoints;
    const ep = eps[Math.floor(Math.random() * eps.length)];
    if (ep === undefined || this.stopped) {
      client.resetAndDestroy();
      return;
    }
    this.sockets.add(client);
    const upstream = net.connect({ host: ep.ip, port: ep.port, allowHalfOpen: true });
    this.sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    // A reset on one side is a reset on the other, as it would be through NAT.
    upstream.on('error', () => {
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('error', () => {
      if (!upstream.destroyed) upstream.resetAndDestroy();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      if (!client.destroyed && client.writableFinished === false && upstream.readableEnded === false) client.resetAndDestroy();
    });
    client.on('close', () => {
      this.sockets.delete(client);
      if (!upstream.destroyed) upstream.destroy();
    });
  }

  /** Stops listening and drops every proxied connection (the proxy process is gone). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.entries.values()].map((e) => this.close(e)));
    this.entries.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
