import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKubeconfig } from '../../../../src/emulator/api/kubeconfig.js';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { startApiServer, type ApiServer, type PodLogRequest } from '../../../../src/emulator/api/server.js';
import type { KObject } from '../../../../src/emulator/api/store-types.js';

// The query parameters of list, watch and pod logs, read as the real API server reads them,
// over real HTTPS against the emulator's API server.

let store: MemoryStore;
let server: ApiServer;
const HISTORY = 10;
let watchCount = 0;

function cm(name: string, labels: Record<string, string> = { app: 'q' }): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels }, data: { v: '1' } };
}

/** A GET that resolves with the whole body once the server ends the response. */
function get(path: string, accept?: string): Promise<{ status: number; body: string; json: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${server.token}`, ...(accept === undefined ? {} : { Accept: accept }) };
    const req = httpsRequest(`${server.url}${path}`, { headers, ca: server.caPem }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A streaming GET: the lines so far, whether the server ended it, and a way to close it. */
function stream(path: string): { lines: () => string[]; ended: () => boolean; status: Promise<number>; close: () => void } {
  let buf = '';
  let ended = false;
  let close = (): void => {};
  const status = new Promise<number>((resolve, reject) => {
    const req = httpsRequest(`${server.url}${path}`, { headers: { Authorization: `Bearer ${server.token}` }, ca: server.caPem }, (res) => {
      resolve(res.statusCode ?? 0);
      res.on('data', (c: Buffer) => (buf += c.toString()));
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
    });
    close = () => req.destroy();
    req.on('error', (err) => (ended ? undefined : reject(err)));
    req.end();
  });
  return { lines: () => buf.split('\n').filter((l) => l !== ''), ended: () => ended, status, close };
}

const events = (lines: string[]): string[] =>
  lines.map((l) => {
    const e = JSON.parse(l) as { type: string; object: { metadata?: { name?: string }; code?: number; reason?: string } };
    return e.type === 'ERROR' ? `ERROR ${e.object.code} ${e.object.reason}` : `${e.type} ${e.object.metadata?.name ?? ''}`;
  });

beforeAll(async () => {
  store = new MemoryStore({ historySize: HISTORY });
  server = await startApiServer({ store, bookmarkIntervalMs: 100 });
});

afterAll(async () => {
  await server.close();
});

describe('watch: any value but 0 and false is true (the Python client sends watch=True)', () => {
  it.each(['watch=True', 'watch=true', 'watch=1', 'watch=', 'watch', 'watch=yes'])('?%s streams events', async (param) => {
    const name = `w-${++watchCount}`;
    store.create('configmaps', cm(name, { app: name }));
    const s = stream(`/api/v1/namespaces/default/configmaps?${param}&labelSelector=app%3D${name}`);
    expect(await s.status).toBe(200);
    await expect.poll(() => events(s.lines()), { timeout: 10_000 }).toEqual([`ADDED ${name}`]);
    const o = store.get('configmaps', 'default', name) as KObject;
    store.update('configmaps', { ...o, data: { v: '2' } });
    await expect.poll(() => events(s.lines()), { timeout: 10_000 }).toEqual([`ADDED ${name}`, `MODIFIED ${name}`]);
    expect(s.ended()).toBe(false);
    s.close();
  });

  it.each(['watch=false', 'watch=False', 'watch=FALSE', 'watch=0'])('?%s lists', async (param) => {
    const r = await get(`/api/v1/namespaces/default/configmaps?${param}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ kind: 'ConfigMapList', metadata: { resourceVersion: expect.any(String) } });
  });

  it('ends a watch after timeoutSeconds', async () => {
    const s = stream('/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1&resourceVersion=' + String(store.currentResourceVersion()));
    expect(await s.status).toBe(200);
    await expect.poll(() => s.ended(), { timeout: 15_000 }).toBe(true);
    expect(s.lines()).toEqual([]);
  });

  it('sends BOOKMARK events with allowWatchBookmarks=True', async () => {
    const s = stream('/api/v1/namespaces/default/configmaps?watch=True&allowWatchBookmarks=True&resourceVersion=' + String(store.currentResourceVersion()));
    await expect.poll(() => s.lines().some((l) => l.includes('"BOOKMARK"')), { timeout: 10_000 }).toBe(true);
    s.close();
  });

  it('sends an ERROR event with a 410 Expired Status for a version older than the history kept, then closes', async () => {
    const old = store.currentResourceVersion();
    for (let i = 0; i < HISTORY + 2; i++) store.create('configmaps', cm(`old-${i}`, { app: 'old' }));
    const s = stream(`/api/v1/namespaces/default/configmaps?watch=True&resourceVersion=${old}`);
    expect(await s.status).toBe(200);
    await expect.poll(() => s.ended(), { timeout: 10_000 }).toBe(true);
    expect(events(s.lines())).toEqual(['ERROR 410 Expired']);
    expect(JSON.parse(s.lines()[0] ?? '{}').object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('from a version not reached yet, sends only what comes after it (as the watch cache does)', async () => {
    const future = store.currentResourceVersion() + 2;
    const s = stream(`/api/v1/namespaces/default/configmaps?watch=1&labelSelector=app%3Dfuture&resourceVersion=${future}`);
    expect(await s.status).toBe(200);
    for (const n of ['f1', 'f2', 'f3']) store.create('configmaps', cm(n, { app: 'future' }));
    await expect.poll(() => events(s.lines()), { timeout: 10_000 }).toEqual(['ADDED f3']);
    s.close();
  });
});

describe('list: limit and continue, resourceVersion and resourceVersionMatch', () => {
  it('pages with limit and continue, at the version of the first page, as kubectl get --chunk-size does', async () => {
    for (let i = 0; i < 5; i++) store.create('configmaps', cm(`page-${i}`, { app: 'page' }));
    const seen: string[] = [];
    let cont = '';
    let rv = '';
    let pages = 0;
    do {
      const r = await get(`/api/v1/namespaces/default/configmaps?labelSelector=app%3Dpage&limit=2${cont === '' ? '' : `&continue=${encodeURIComponent(cont)}`}`);
      expect(r.status).toBe(200);
      seen.push(...(r.json.items as KObject[]).map((o) => o.metadata.name ?? ''));
      if (pages === 0) {
        rv = r.json.metadata.resourceVersion as string;
        // changes after the first page do not show in the next ones
        store.create('configmaps', cm('page-2a', { app: 'page' }));
      } else expect(r.json.metadata.resourceVersion).toBe(rv);
      cont = (r.json.metadata.continue as string | undefined) ?? '';
      pages++;
    } while (cont !== '' && pages < 10);
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(pages).toBe(3);
  });

  it('serves kubectl get --chunk-size: every object, across pages', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zd-chunks-'));
    try {
      await writeKubeconfig(join(dir, 'kubeconfig'), { server: server.url, token: server.token, caPem: server.caPem ?? '' });
      for (let i = 0; i < 5; i++) store.create('configmaps', cm(`chunk-${i}`, { app: 'chunk' }));
      const kubectl = async (...args: string[]): Promise<string[]> =>
        (
          await promisify(execFile)('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), 'get', 'configmaps', '-l', 'app=chunk', '--chunk-size=2', ...args], {
            env: { PATH: process.env['PATH'] ?? '', HOME: dir },
            timeout: 30_000,
          })
        ).stdout
          .trim()
          .split('\n');
      expect(await kubectl('-o', 'name')).toEqual([0, 1, 2, 3, 4].map((i) => `configmap/chunk-${i}`));
      // the table form (kubectl asks for Tables, one header for all pages)
      const table = await kubectl();
      expect(table[0]).toMatch(/^NAME\s/);
      expect(table.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([0, 1, 2, 3, 4].map((i) => `chunk-${i}`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says how many items are left when it can count them, and pages Tables too', async () => {
    const r = await get('/api/v1/namespaces?limit=1');
    expect(r.json.items).toHaveLength(1);
    expect(r.json.metadata.remainingItemCount).toBe(3);
    const t = await get('/api/v1/namespaces?limit=1', 'application/json;as=Table;v=v1;g=meta.k8s.io');
    expect(t.json).toMatchObject({ kind: 'Table', metadata: { continue: expect.any(String) } });
    expect(t.json.rows).toHaveLength(1);
  });

  it('reads exactly at an older version with resourceVersionMatch=Exact', async () => {
    store.create('configmaps', cm('exact-a', { app: 'exact' }));
    const at = store.currentResourceVersion();
    store.create('configmaps', cm('exact-b', { app: 'exact' }));
    const r = await get(`/api/v1/namespaces/default/configmaps?labelSelector=app%3Dexact&resourceVersion=${at}&resourceVersionMatch=Exact`);
    expect(r.status).toBe(200);
    expect(r.json.metadata.resourceVersion).toBe(String(at));
    expect((r.json.items as KObject[]).map((o) => o.metadata.name)).toEqual(['exact-a']);
    const now = await get(`/api/v1/namespaces/default/configmaps?labelSelector=app%3Dexact&resourceVersion=${at}&resourceVersionMatch=NotOlderThan`);
    expect((now.json.items as KObject[]).map((o) => o.metadata.name)).toEqual(['exact-a', 'exact-b']);
  });

  it('410 Expired for an Exact version older than the history kept', async () => {
    const r = await get('/api/v1/namespaces/default/configmaps?resourceVersion=1&resourceVersionMatch=Exact');
    expect(r.status).toBe(410);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410, message: 'The resourceVersion for the provided list is too old.' });
  });

  it('504 "Too large resource version" for a version the store does not reach in time', async () => {
    const future = store.currentResourceVersion() + 1000;
    const exact = await get(`/api/v1/namespaces/default/configmaps?resourceVersion=${future}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(504);
    expect(exact.json).toMatchObject({ reason: 'Timeout', details: { causes: [{ reason: 'ResourceVersionTooLarge' }], retryAfterSeconds: 1 } });
    const notOlder = await get(`/api/v1/namespaces/default/configmaps?resourceVersion=${future}`);
    expect(notOlder.status).toBe(504);
    expect(notOlder.json.message).toBe(`Timeout: Too large resource version: ${future}, current: ${store.currentResourceVersion()}`);
  });

  it('waits for a version about to be reached (NotOlderThan), then lists', async () => {
    const next = store.currentResourceVersion() + 1;
    const pending = get(`/api/v1/namespaces/default/configmaps?labelSelector=app%3Dsoon&resourceVersion=${next}`);
    await new Promise((r) => setTimeout(r, 100));
    store.create('configmaps', cm('soon', { app: 'soon' }));
    const r = await pending;
    expect(r.status).toBe(200);
    expect((r.json.items as KObject[]).map((o) => o.metadata.name)).toEqual(['soon']);
  });

  it.each<[string, number, string, RegExp]>([
    ['labelSelector=a%20b%20c', 400, 'BadRequest', /unable to parse requirement/],
    ['fieldSelector=nofield', 400, 'BadRequest', /invalid selector: 'nofield'; can't understand 'nofield'/],
    ['limit=ten', 400, 'BadRequest', /strconv.ParseInt: parsing "ten": invalid syntax/],
    ['continue=garbage', 400, 'BadRequest', /invalid continue token/],
    ['resourceVersionMatch=Exact', 422, 'Invalid', /ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden/],
    ['watch=1&labelSelector=a%20b%20c', 400, 'BadRequest', /unable to parse requirement/],
  ])('?%s: %i %s', async (query, code, reason, message) => {
    const r = await get(`/api/v1/namespaces/default/configmaps?${query}`);
    expect(r.status).toBe(code);
    expect(r.json).toMatchObject({ kind: 'Status', status: 'Failure', code, reason });
    expect(r.json.message).toMatch(message);
  });
});

describe('pod logs: follow, previous and timestamps read as booleans upstream reads them', () => {
  it.each<[string, Pick<PodLogRequest, 'follow' | 'previous' | 'timestamps'>]>([
    ['follow=True', { follow: true, previous: false, timestamps: false }],
    ['follow=true&timestamps=1', { follow: true, previous: false, timestamps: true }],
    ['follow=False&previous=TRUE', { follow: false, previous: true, timestamps: false }],
    ['follow=0&timestamps=false', { follow: false, previous: false, timestamps: false }],
    ['follow=', { follow: true, previous: false, timestamps: false }],
  ])('?%s', async (query, want) => {
    store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `log-${query.replace(/\W/g, '').toLowerCase()}`, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    let got: PodLogRequest | undefined;
    server.setPodLogProvider((req) => {
      got = req;
      return 'line\n';
    });
    try {
      const r = await get(`/api/v1/namespaces/default/pods/log-${query.replace(/\W/g, '').toLowerCase()}/log?${query}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe('line\n');
    } finally {
      server.setPodLogProvider(undefined);
    }
    expect({ follow: got?.follow, previous: got?.previous, timestamps: got?.timestamps }).toEqual(want);
  });
});
