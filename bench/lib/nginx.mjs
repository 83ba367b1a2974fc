// The nginx every benchmark targets: one worker, keep-alive without limits, its files in one
// folder, answering 200 "ok". One copy for run.mjs, open-window.mjs, engine-tls.mjs and http2.mjs.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `dir`/nginx.conf and returns its path. `listen`: what follows nginx's `listen` (e.g.
 * `127.0.0.1:8080 ssl http2`); with `tls`, the certificate of makeSelfSignedCert(dir) serves it;
 * `http`: directives for the http block (default: no access log).
 */
export function writeNginxConf(dir, { listen, tls = false, http = ['access_log off;'] }) {
  const conf = `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
${http.map((line) => `  ${line}\n`).join('')}  keepalive_requests 100000000;
  keepalive_timeout 65s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${listen};
${tls ? `    ssl_certificate ${dir}/cert.pem;\n    ssl_certificate_key ${dir}/key.pem;\n` : ''}    location / { default_type text/plain; return 200 "ok"; }
  }
}
`;
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  return file;
}

/** A P-256 self-signed certificate for `altNames` (openssl's subjectAltName syntax) in `dir`/cert.pem and key.pem. */
export function makeSelfSignedCert(dir, altNames) {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', `subjectAltName=${altNames}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
}
