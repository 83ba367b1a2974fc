import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** What goes into the emulator's kubeconfig. */
export interface KubeconfigOptions {
  /** `https://127.0.0.1:PORT` */
  server: string;
  token: string;
  /** PEM of the CA that signed the serving certificate (written as certificate-authority-data). */
  caPem?: string;
  /** Context, cluster and user name (default `zerodrop-emulator`). */
  contextName?: string;
  /** Default namespace of the context (default `default`). */
  namespace?: string;
}

/** The kubeconfig YAML text for the emulator: one cluster, one token user, one context. */
export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.contextName ?? 'zerodrop-emulator';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster: { server: opts.server, ...(opts.caPem === undefined ? {} : { 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') }) } }],
    users: [{ name, user: { token: opts.token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: opts.namespace ?? 'default' } }],
    'current-context': name,
  });
}

/** Writes the kubeconfig with mode 0600 (it holds the bearer token), creating parent folders. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, kubeconfigYaml(opts), { mode: 0o600 });
  // mode only applies when the file is created; an existing file keeps its mode otherwise
  await chmod(path, 0o600);
}
