import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCluster } from '../../../src/cluster/cluster.js';
import { CouldNotRunError, InvalidInputError } from '../../../src/errors.js';

let dir: string;
let server: Server;
let url: string;

/** A plain-HTTP API server stand-in: /version for everyone, then 401 or 403 by token. */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zerodrop-cluster-'));
  server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const status = (code: number, reason: string, message: string): void => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
    };
    if (auth === 'Bearer bad') return status(401, 'Unauthorized', 'Unauthorized');
    if (req.url?.startsWith('/version')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ major: '1', minor: '34', gitVersion: 'v1.34.0', gitCommit: '', gitTreeState: '', buildDate: '', goVersion: '', compiler: '', platform: '' }));
      return;
    }
    if (auth === 'Bearer reader') return status(403, 'Forbidden', 'deployments.apps "web" is forbidden: User "reader" cannot patch resource "deployments"');
    status(404, 'NotFound', 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function kubeconfig(name: string, serverUrl: string, token: string, contexts: string[] = ['main'], insecure = true): Promise<string> {
  const path = join(dir, name);
  const yaml = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${serverUrl}", insecure-skip-tls-verify: ${insecure}}}]
users: [{name: u, user: {token: ${token}}}]
contexts: [${contexts.map((c) => `{name: ${c}, context: {cluster: c, user: u, namespace: team-a}}`).join(', ')}]
current-context: ${contexts[0]}
`;
  await writeFile(path, yaml);
  return path;
}

async function caught(p: Promise<unknown>): Promise<Error & { exitCode?: number; code?: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { exitCode?: number; code?: string; hint?: string };
  }
  throw new Error('expected a rejection');
}

describe('connectCluster', () => {
  it('connects, takes the namespace of the context and the server version', async () => {
    const c = await connectCluster({ kubeconfigPath: await kubeconfig('ok', url, 'good') });
    expect(c.facts()).toEqual({ server: url, context: 'main', namespace: 'team-a', version: 'v1.34.0' });
    const other = await connectCluster({ kubeconfigPath: await kubeconfig('ok2', url, 'good', ['main', 'staging']), context: 'staging', namespace: 'x' });
    expect([other.context, other.namespace]).toEqual(['staging', 'x']);
  });

  it('refuses an unknown context, listing the available ones (exit 3)', async () => {
    const err = await caught(connectCluster({ kubeconfigPath: await kubeconfig('ctx', url, 'good', ['main', 'staging']), context: 'prod' }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.exitCode).toBe(3);
    expect(err.message).toMatch(/context "prod" does not exist in the kubeconfig; available: main, staging/);
  });

  it('refuses a missing kubeconfig file (exit 3)', async () => {
    const err = await caught(connectCluster({ kubeconfigPath: join(dir, 'none') }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/file not found/);
  });

  it('says the server is unreachable, with a hint (exit 4)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await caught(connectCluster({ kubeconfigPath: await kubeconfig('down', `http://127.0.0.1:${port}`, 'good') }));
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.exitCode).toBe(4);
    expect(err.code).toBe('E_CLUSTER_UNREACHABLE');
    expect(err.message).toMatch(new RegExp(`could not reach the API server at http://127.0.0.1:${port}`));
    expect(err.hint).toMatch(/kubectl/);
  });

  it('explains that plain HTTP needs insecure-skip-tls-verify', async () => {
    const err = await caught(connectCluster({ kubeconfigPath: await kubeconfig('plain', url, 'good', ['main'], false) }));
    expect(err.code).toBe('E_CLUSTER_PLAIN_HTTP');
    expect(err.hint).toMatch(/insecure-skip-tls-verify/);
  });

  it('says the credentials were rejected (401, exit 4)', async () => {
    const err = await caught(connectCluster({ kubeconfigPath: await kubeconfig('bad', url, 'bad') }));
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.code).toBe('E_CLUSTER_UNAUTHORIZED');
    expect(err.hint).toBeTruthy();
  });

  it('says what was forbidden (403, exit 4)', async () => {
    const c = await connectCluster({ kubeconfigPath: await kubeconfig('reader', url, 'reader') });
    const err = await caught(c.patchDeployment('web', { spec: {} }, 'strategic'));
    expect(err).toBeInstanceOf(CouldNotRunError);
    expect(err.code).toBe('E_CLUSTER_FORBIDDEN');
    expect(err.message).toMatch(/not allowed to patch Deployment team-a\/web: .*cannot patch/);
    expect(err.hint).toMatch(/can-i/);
  });
});
