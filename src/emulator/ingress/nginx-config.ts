/**
 * The nginx configuration the emulator's ingress controller renders, as a pure function of the
 * routing model: one `upstream` per backend Service port with the pods' addresses and keep-alive
 * connections to them, one `server` per host, one `location` per Ingress path. The settings are
 * ingress-nginx's defaults where they shape what a rollout does to traffic (see
 * {@link INGRESS_NGINX_DEFAULTS}).
 */

/** One backend address of an upstream: a pod's IP and the port its process listens on. */
export interface UpstreamServer {
  ip: string;
  port: number;
  /** The pod behind the address (for events and comments), when the EndpointSlice names it. */
  pod?: string;
}

/** One upstream: a Service port behind some Ingress path, with its ready endpoints. */
export interface IngressUpstream {
  /** nginx name: `<namespace>-<service>-<port>` (ingress-nginx's naming). */
  name: string;
  namespace: string;
  service: string;
  /** The Service port as the Ingress names it (number or name). */
  port: string;
  servers: UpstreamServer[];
}

/** How an Ingress path matches (networking.k8s.io/v1 pathType). */
export type IngressPathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';

/** One routed path of one host. */
export interface IngressLocation {
  path: string;
  pathType: IngressPathType;
  /** The upstream's name. */
  upstream: string;
  /** `namespace/name` of the Ingress the path comes from. */
  ingress: string;
}

/** One virtual host: `host` '' is the catch-all server (rules without a host). */
export interface IngressHost {
  host: string;
  locations: IngressLocation[];
}

/** The routing model the configuration is rendered from. */
export interface IngressRouting {
  upstreams: IngressUpstream[];
  hosts: IngressHost[];
  /** The upstream of the first Ingress's spec.defaultBackend, if any: where unmatched requests go. */
  defaultUpstream?: string;
}

/** The tunables of the rendered nginx (ingress-nginx ConfigMap keys in brackets). */
export interface NginxSettings {
  /** Idle keep-alive connections each worker keeps per upstream [upstream-keepalive-connections]. */
  upstreamKeepaliveConnections: number;
  /** How long an idle upstream keep-alive connection is kept, seconds [upstream-keepalive-timeout]. */
  upstreamKeepaliveTimeoutS: number;
  /** Requests per upstream keep-alive connection [upstream-keepalive-requests]. */
  upstreamKeepaliveRequests: number;
  /** [proxy-next-upstream] */
  proxyNextUpstream: string;
  /** [proxy-next-upstream-tries] */
  proxyNextUpstreamTries: number;
  /** [proxy-connect-timeout], seconds */
  proxyConnectTimeoutS: number;
  /** [proxy-read-timeout] and [proxy-send-timeout], seconds */
  proxyReadTimeoutS: number;
  /** Client keep-alive timeout, seconds [keep-alive] */
  clientKeepaliveTimeoutS: number;
  /** Old workers' longest graceful shutdown after a reload, seconds [worker-shutdown-timeout] */
  workerShutdownTimeoutS: number;
  /** nginx worker processes [worker-processes] (ingress-nginx: auto; the emulator: 1, the machine is shared). */
  workerProcesses: number;
}

/** ingress-nginx's defaults (docs: user-guide/nginx-configuration/configmap), one worker. */
export const INGRESS_NGINX_DEFAULTS: NginxSettings = {
  upstreamKeepaliveConnections: 320,
  upstreamKeepaliveTimeoutS: 60,
  upstreamKeepaliveRequests: 10000,
  proxyNextUpstream: 'error timeout',
  proxyNextUpstreamTries: 3,
  proxyConnectTimeoutS: 5,
  proxyReadTimeoutS: 60,
  clientKeepaliveTimeoutS: 75,
  workerShutdownTimeoutS: 240,
  workerProcesses: 1,
};

/** Where the nginx instance keeps its files, and where it listens. */
export interface NginxPlacement {
  /** The instance's own prefix directory (pid file, temp directories). */
  prefix: string;
  /** 127.0.0.1 port of the listener. */
  port: number;
  /** Add `user root;` (only when the emulator runs as root: workers then reach every pod address and the prefix). */
  runAsRoot?: boolean;
}

/** Response header naming the pod address(es) nginx tried (`$upstream_addr`); absent on the ingress's own 404. */
export const UPSTREAM_HEADER = 'X-Zerodrop-Upstream';

/** The nginx upstream name of a Service port (ingress-nginx: `<namespace>-<service>-<port>`). */
export function upstreamName(namespace: string, service: string, port: string): string {
  return `${namespace}-${service}-${port}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./*-]+$/.test(s) ? s : `"${s.replace(/["\\$]/g, (c) => `\\${c}`)}"`;
}

/** The nginx location blocks of one Ingress path (ingress-nginx's translation of pathType). */
export function locationHeads(path: string, pathType: IngressPathType): string[] {
  if (pathType === 'Exact') return [`location = ${quote(path)}`];
  if (pathType === 'ImplementationSpecific') return [`location ${quote(path)}`];
  // Prefix matches by path element: /foo matches /foo and /foo/bar, never /foobar.
  if (path === '/' || path === '') return ['location /'];
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return [`location = ${quote(trimmed)}`, `location ${quote(`${trimmed}/`)}`];
}

function proxyTo(upstream: IngressUpstream | undefined, indent: string): string[] {
  // ingress-nginx answers 503 for a backend without endpoints.
  if (upstream === undefined || upstream.servers.length === 0) return [`${indent}return 503;`];
  return [`${indent}proxy_pass http://${upstream.name};`];
}

function locationBlocks(loc: { heads: string[]; upstream: IngressUpstream | undefined; comment: string }): string[] {
  const out: string[] = [];
  for (const head of loc.heads) {
    out.push(`    ${head} {`, `      # ${loc.comment}`, ...proxyTo(loc.upstream, '      '), '    }');
  }
  return out;
}

/**
 * Renders the complete nginx.conf. Deterministic: the same model gives the same text, so the
 * controller reloads only when something nginx would do differently changed.
 */
export function renderNginxConfig(routing: IngressRouting, placement: NginxPlacement, settings: NginxSettings = INGRESS_NGINX_DEFAULTS): string {
  const byName = new Map(routing.upstreams.map((u) => [u.name, u]));
  const p = placement.prefix;
  const lines: string[] = [
    '# Rendered by the zerodrop emulator ingress controller: do not edit.',
    ...(placement.runAsRoot === true ? ['user root;'] : []),
    'daemon off;',
    'master_process on;',
    `worker_processes ${settings.workerProcesses};`,
    `worker_shutdown_timeout ${settings.workerShutdownTimeoutS}s;`,
    `pid ${p}/nginx.pid;`,
    'error_log stderr notice;',
    'events {',
    '  worker_connections 16384;',
    '}',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${p}/client_body;`,
    `  proxy_temp_path ${p}/proxy;`,
    `  fastcgi_temp_path ${p}/fastcgi;`,
    `  uwsgi_temp_path ${p}/uwsgi;`,
    `  scgi_temp_path ${p}/scgi;`,
    `  keepalive_timeout ${settings.clientKeepaliveTimeoutS}s;`,
    '  keepalive_requests 1000;',
    // As ingress-nginx: HTTP/1.1 to the pods with the Connection header cleared, so the upstream
    // connections are kept alive and reused.
    '  proxy_http_version 1.1;',
    '  proxy_set_header Connection "";',
    '  proxy_set_header Host $host;',
    '  proxy_set_header X-Forwarded-For $remote_addr;',
    `  proxy_connect_timeout ${settings.proxyConnectTimeoutS}s;`,
    `  proxy_read_timeout ${settings.proxyReadTimeoutS}s;`,
    `  proxy_send_timeout ${settings.proxyReadTimeoutS}s;`,
    `  proxy_next_upstream ${settings.proxyNextUpstream};`,
    `  proxy_next_upstream_tries ${settings.proxyNextUpstreamTries};`,
    `  add_header ${UPSTREAM_HEADER} $upstream_addr always;`,
  ];
  for (const u of routing.upstreams) {
    if (u.servers.length === 0) continue;
    lines.push(`  # Service ${u.namespace}/${u.service} port ${u.port}`, `  upstream ${u.name} {`);
    // max_fails=0: ingress-nginx's balancer does no passive health checking; a failed pod stays in
    // rotation until the endpoints say otherwise.
    for (const s of u.servers) lines.push(`    server ${s.ip}:${s.port} max_fails=0;${s.pod === undefined ? '' : ` # pod ${s.pod}`}`);
    lines.push(
      `    keepalive ${settings.upstreamKeepaliveConnections};`,
      `    keepalive_timeout ${settings.upstreamKeepaliveTimeoutS}s;`,
      `    keepalive_requests ${settings.upstreamKeepaliveRequests};`,
      '  }',
    );
  }
  const dflt = routing.defaultUpstream === undefined ? undefined : byName.get(routing.defaultUpstream);
  const fallback = (hasRoot: boolean): string[] => {
    if (hasRoot) return [];
    if (routing.defaultUpstream !== undefined) return locationBlocks({ heads: ['location /'], upstream: dflt, comment: 'default backend' });
    // ingress-nginx's default backend answers 404 to what no rule matches.
    return ['    location / {', '      return 404;', '    }'];
  };
  const hosts = [...routing.hosts];
  if (!hosts.some((h) => h.host === '')) hosts.push({ host: '', locations: [] });
  for (const h of hosts) {
    const catchAll = h.host === '';
    lines.push('  server {', `    listen 127.0.0.1:${placement.port}${catchAll ? ' default_server' : ''};`, `    server_name ${catchAll ? '_' : quote(h.host)};`);
    const seen = new Set<string>();
    for (const loc of h.locations) {
      const heads = locationHeads(loc.path, loc.pathType).filter((x) => !seen.has(x));
      for (const x of heads) seen.add(x);
      if (heads.length > 0) lines.push(...locationBlocks({ heads, upstream: byName.get(loc.upstream), comment: `ingress ${loc.ingress} path ${loc.path} (${loc.pathType})` }));
    }
    lines.push(...fallback(seen.has('location /')), '  }');
  }
  lines.push('}', '');
  return lines.join('\n');
}
