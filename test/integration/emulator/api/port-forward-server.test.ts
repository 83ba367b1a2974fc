import { createServer as createHttpServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/emulator/api/memory-store.js';
import { PortForwardEndpoint } from '../../../../src/emulator/api/port-forward.js';
import { startApiServer, type ApiServer } from '../../../../src/emulator/api/server.js';
import { SpdyFrameDecoder, SpdyFrameEncoder, type SpdyFrame, type SpdyHeaders } from '../../../../src/emulator/api/spdy-framing.js';

// The API server's pods/portforward endpoint driven by a SPDY client of our own (the framing
// module's encoder and decoder), to check what kubectl cannot show: the frames themselves.

const SPDY_HEADERS = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' };

interface Refused {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends an upgrade request; resolves with the upgraded socket (101) or the refusal. */
function upgrade(port: number, path: string, headers: Record<string, string>): Promise<{ socket: Socket; head: Buffer; headers: IncomingHttpHeaders } | Refused> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, agent: false });
    req.on('upgrade', (res, socket, head) => resolve({ socket, head, headers: res.headers }));
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A minimal SPDY/3.1 client: sends frames, collects the ones the server sends. */
class Client {
  readonly frames: SpdyFrame[] = [];
  private readonly enc = new SpdyFrameEncoder();
  private readonly dec = new SpdyFrameDecoder();
  private waiters: Array<() => void> = [];
  closed = false;

  constructor(readonly socket: Socket, head: Buffer) {
    socket.on('data', (d: Buffer) => this.receive(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    if (head.length > 0) this.receive(head);
  }

  private receive(d: Buffer): void {
    this.frames.push(...this.dec.push(d));
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(f: SpdyFrame): void {
    this.socket.write(this.enc.encode(f));
  }

  open(id: number, headers: SpdyHeaders, fin = false): void {
    this.send({ type: 'synStream', streamId: id, associatedStreamId: 0, priority: 0, slot: 0, fin, unidirectional: false, headers });
  }

  /** Waits (bounded) until a received frame matches. */
  async waitFor(what: string, pred: (f: SpdyFrame) => boolean, timeoutMs = 20_000): Promise<SpdyFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.find(pred);
      if (f !== undefined) return f;
      if (this.closed) throw new Error(`connection closed before ${what}; got ${JSON.stringify(this.frames.map((x) => x.type))}`);
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((x) => x.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  /** Everything received on a stream until its FIN. */
  async readStream(id: number): Promise<string> {
    await this.waitFor(`FIN on stream ${id}`, (f) => f.type === 'data' && f.streamId === id && f.fin);
    return Buffer.concat(this.frames.flatMap((f) => (f.type === 'data' && f.streamId === id ? [f.data] : []))).toString('utf8');
  }
}

let store: MemoryStore;
let api: ApiServer;
let backend: NetServer;
let backendPort = 0;
const backendSockets = new Set<Socket>();
let backendClosed = 0;

function runningPod(name: string, ip: string): void {
  const created = store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x' }] } });
  store.update('pods', { ...created, status: { phase: 'Running', podIP: ip } }, { subresource: 'status' });
}

async function session(pod = 'web'): Promise<Client> {
  const r = await upgrade(api.port, `/api/v1/namespaces/default/pods/${pod}/portforward`, { ...SPDY_HEADERS, Authorization: `Bearer ${api.token}` });
  if (!('socket' in r)) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  expect(r.headers['upgrade']).toBe('SPDY/3.1');
  expect(r.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
  return new Client(r.socket, r.head);
}

beforeAll(async () => {
  store = new MemoryStore();
  api = await startApiServer({ store, tls: false });
  // the "pod": a line server that answers `echo:<line>` and closes on `bye`
  backend = createServer((s) => {
    backendSockets.add(s);
    s.on('close', () => {
      backendSockets.delete(s);
      backendClosed++;
    });
    s.on('error', () => s.destroy());
    s.on('data', (d: Buffer) => {
      const line = d.toString().trim();
      if (line === 'bye') s.end('bye\n');
      else s.write(`echo:${line}\n`);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  backendPort = (backend.address() as AddressInfo).port;
  runningPod('web', '127.0.0.1');
  store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'waiting', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x' }] } });
});

afterAll(async () => {
  await api.close();
  for (const s of backendSockets) s.destroy();
  await new Promise<void>((resolve) => backend.close(() => resolve()));
});

describe('pods/portforward upgrade', () => {
  it.each<[string, string, Record<string, string>, number, RegExp]>([
    ['no token', 'web', SPDY_HEADERS, 401, /Unauthorized/],
    ['a WebSocket upgrade (kubectl falls back to SPDY on it)', 'web', { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' }, 400, /served over SPDY\/3\.1 only \(asked: websocket\)/],
    ['a pod that does not exist', 'ghost', SPDY_HEADERS, 404, /pods "ghost" not found/],
    ['a pod that is not running', 'waiting', SPDY_HEADERS, 400, /^unable to forward port because pod is not running\. Current status=Pending$/],
    ['a protocol the server does not speak', 'web', { ...SPDY_HEADERS, 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' }, 403, /unable to negotiate protocol: client supports \[v4\.channel\.k8s\.io\], server supports \[portforward\.k8s\.io\]/],
  ])('refuses %s with a Status', async (name, pod, headers, code, message) => {
    const auth = name === 'no token' ? {} : { Authorization: `Bearer ${api.token}` };
    const r = await upgrade(api.port, `/api/v1/namespaces/default/pods/${pod}/portforward`, { ...headers, ...auth });
    expect('status' in r && r.status).toBe(code);
    const status = JSON.parse((r as Refused).body) as { kind: string; code: number; message: string };
    expect(status).toMatchObject({ kind: 'Status', code });
    expect(status.message).toMatch(message);
  });

  it('answers a plain request (no upgrade) with what is missing, never a NotFound', async () => {
    const r = await upgrade(api.port, '/api/v1/namespaces/default/pods/web/portforward', { Authorization: `Bearer ${api.token}` });
    expect(r).toMatchObject({ status: 400 });
    expect((r as Refused).body).toContain('missing upgrade headers in request');
  });

  it('refuses an upgrade on any other path: pods/exec says it is not served, an unknown path is not found', async () => {
    const exec = await upgrade(api.port, '/api/v1/namespaces/default/pods/web/exec?command=ls', { ...SPDY_HEADERS, Authorization: `Bearer ${api.token}` });
    expect(exec).toMatchObject({ status: 400 });
    expect((exec as Refused).body).toContain('the zerodrop emulator does not serve pods/exec');
    const unknown = await upgrade(api.port, '/api/v1/namespaces/default/pods/web/nonsense', { ...SPDY_HEADERS, Authorization: `Bearer ${api.token}` });
    expect(unknown).toMatchObject({ status: 404 });
    expect((unknown as Refused).body).toContain('the server could not find the requested resource');
  });
});

describe('pods/portforward session', () => {
  it('replies to each stream, forwards a connection both ways and closes both streams when the pod does', async () => {
    const c = await session();
    c.open(1, { streamtype: ['error'], port: [String(backendPort)], requestid: ['0'] });
    await c.waitFor('SYN_REPLY 1', (f) => f.type === 'synReply' && f.streamId === 1);
    c.send({ type: 'data', streamId: 1, fin: true, data: Buffer.alloc(0) }); // kubectl never writes on the error stream
    c.open(3, { streamtype: ['data'], port: [String(backendPort)], requestid: ['0'] });
    await c.waitFor('SYN_REPLY 3', (f) => f.type === 'synReply' && f.streamId === 3);
    c.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('hello\n') });
    await c.waitFor('the echo', (f) => f.type === 'data' && f.streamId === 3 && f.data.toString() === 'echo:hello\n');
    c.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('bye\n') });
    expect(await c.readStream(3)).toBe('echo:hello\nbye\n');
    expect(await c.readStream(1)).toBe('');
    c.socket.destroy();
  });

  it('answers pings, ignores SETTINGS and WINDOW_UPDATE', async () => {
    const c = await session();
    c.send({ type: 'settings', clearSettings: false, settings: [{ flags: 0, id: 7, value: 65536 }] });
    c.send({ type: 'windowUpdate', streamId: 0, delta: 1000 });
    c.send({ type: 'ping', id: 7 });
    expect(await c.waitFor('PING', (f) => f.type === 'ping')).toEqual({ type: 'ping', id: 7 });
    c.socket.destroy();
  });

  it('serves concurrent requests on one connection, each to its own pod connection', async () => {
    const c = await session();
    const ids = [0, 1, 2, 3, 4];
    for (const r of ids) {
      c.open(1 + r * 4, { streamtype: ['error'], port: [String(backendPort)], requestid: [String(r)] });
      c.open(3 + r * 4, { streamtype: ['data'], port: [String(backendPort)], requestid: [String(r)] });
    }
    for (const r of ids) await c.waitFor(`SYN_REPLY ${3 + r * 4}`, (f) => f.type === 'synReply' && f.streamId === 3 + r * 4);
    for (const r of ids) c.send({ type: 'data', streamId: 3 + r * 4, fin: false, data: Buffer.from(`req${r}\n`) });
    for (const r of ids) await c.waitFor(`answer ${r}`, (f) => f.type === 'data' && f.streamId === 3 + r * 4 && f.data.toString() === `echo:req${r}\n`);
    c.socket.destroy();
  });

  it('drops the pod connection when the client resets the data stream, then closes the error stream', async () => {
    const c = await session();
    c.open(1, { streamtype: ['error'], port: [String(backendPort)], requestid: ['7'] });
    c.open(3, { streamtype: ['data'], port: [String(backendPort)], requestid: ['7'] });
    c.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('ping\n') });
    await c.waitFor('the echo', (f) => f.type === 'data' && f.streamId === 3 && f.data.length > 0);
    const before = backendClosed;
    c.send({ type: 'rstStream', streamId: 3, status: 5 });
    expect(await c.readStream(1)).toBe('');
    await expect.poll(() => backendClosed, { timeout: 10_000 }).toBe(before + 1);
    expect(c.frames.some((f) => f.type === 'data' && f.streamId === 3 && f.fin)).toBe(false);
    c.socket.destroy();
  });

  it('writes a dial failure on the error stream in the kubelet\'s words', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const c = await session();
    c.open(1, { streamtype: ['error'], port: [String(deadPort)], requestid: ['0'] });
    c.open(3, { streamtype: ['data'], port: [String(deadPort)], requestid: ['0'] });
    const uid = store.get('pods', 'default', 'web')?.metadata.uid ?? '';
    expect(await c.readStream(1)).toBe(`error forwarding port ${deadPort} to pod web, uid ${uid}: failed to connect to 127.0.0.1:${deadPort}: connect ECONNREFUSED 127.0.0.1:${deadPort}`);
    await c.readStream(3);
    c.socket.destroy();
  });

  it.each<[string, SpdyHeaders]>([
    ['no port', { streamtype: ['data'], requestid: ['0'] }],
    ['port 0', { streamtype: ['data'], port: ['0'], requestid: ['0'] }],
    ['a port that is not a number', { streamtype: ['data'], port: ['http'], requestid: ['0'] }],
    ['an unknown stream type', { streamtype: ['stdin'], port: ['80'], requestid: ['0'] }],
  ])('resets a stream with %s, as the kubelet rejects it', async (_name, headers) => {
    const c = await session();
    c.open(1, headers);
    expect(await c.waitFor('RST_STREAM', (f) => f.type === 'rstStream')).toEqual({ type: 'rstStream', streamId: 1, status: 5 });
    c.socket.destroy();
  });

  it('answers a stream id that goes backwards with PROTOCOL_ERROR, and a malformed frame with GOAWAY', async () => {
    const c = await session();
    c.open(5, { streamtype: ['error'], port: ['80'], requestid: ['0'] });
    c.open(3, { streamtype: ['data'], port: ['80'], requestid: ['0'] });
    expect(await c.waitFor('RST_STREAM', (f) => f.type === 'rstStream')).toEqual({ type: 'rstStream', streamId: 3, status: 1 });
    c.socket.write(Buffer.from('800200060000000400000001', 'hex')); // a PING of SPDY/2
    expect(await c.waitFor('GOAWAY', (f) => f.type === 'goAway')).toMatchObject({ type: 'goAway', status: 1 });
    await expect.poll(() => c.closed, { timeout: 10_000 }).toBe(true);
  });

  it('ends open sessions when the API server closes', async () => {
    const store2 = new MemoryStore();
    const api2 = await startApiServer({ store: store2, tls: false });
    const created = store2.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'x' }] } });
    store2.update('pods', { ...created, status: { phase: 'Running', podIP: '127.0.0.1' } }, { subresource: 'status' });
    const r = await upgrade(api2.port, '/api/v1/namespaces/default/pods/p/portforward', { ...SPDY_HEADERS, Authorization: `Bearer ${api2.token}` });
    if (!('socket' in r)) throw new Error(r.body);
    const c = new Client(r.socket, r.head);
    await api2.close();
    expect(await c.waitFor('GOAWAY', (f) => f.type === 'goAway')).toMatchObject({ status: 0 });
    await expect.poll(() => c.closed, { timeout: 10_000 }).toBe(true);
  });
});

describe('stream pairing', () => {
  let server: Server;
  let endpoint: PortForwardEndpoint;

  beforeAll(async () => {
    endpoint = new PortForwardEndpoint({ streamCreationTimeoutMs: 300, address: (_pod, port) => ({ host: '127.0.0.1', port }) });
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', uid: 'u-1' }, status: { phase: 'Running', podIP: '127.0.0.1' } };
    server = createHttpServer();
    server.on('upgrade', (req, socket: Duplex, head: Buffer) => endpoint.upgrade(req, socket, head, 'solo', pod));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    endpoint.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function open(): Promise<Client> {
    const r = await upgrade((server.address() as AddressInfo).port, '/', SPDY_HEADERS);
    if (!('socket' in r)) throw new Error(r.body);
    return new Client(r.socket, r.head);
  }

  it('fails a request whose second stream never comes, on its error stream', async () => {
    const c = await open();
    c.open(1, { streamtype: ['error'], port: [String(backendPort)], requestid: ['42'] });
    expect(await c.readStream(1)).toBe('(conn=solo, request=42) timed out waiting for streams');
    c.socket.destroy();
  });

  it('pairs the streams of a client without request ids by their ids (n, n+2)', async () => {
    const c = await open();
    c.open(1, { streamtype: ['error'], port: [String(backendPort)] });
    c.open(3, { streamtype: ['data'], port: [String(backendPort)] });
    c.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('old\n') });
    await c.waitFor('the echo', (f) => f.type === 'data' && f.streamId === 3 && f.data.toString() === 'echo:old\n');
    c.socket.destroy();
  });

  it('reports a second data stream for the same request on its error stream', async () => {
    const c = await open();
    c.open(1, { streamtype: ['error'], port: [String(backendPort)], requestid: ['9'] });
    c.open(3, { streamtype: ['data'], port: [String(backendPort)], requestid: ['9'] });
    c.open(5, { streamtype: ['data'], port: [String(backendPort)], requestid: ['9'] });
    await c.waitFor('the message', (f) => f.type === 'data' && f.streamId === 1 && f.data.toString().includes('data stream already assigned'));
    c.socket.destroy();
  });

  it('sends what the pod says before it closes, even when the client sent data first', async () => {
    const c = await open();
    // data on the data stream before its error stream exists: held until the pair is complete
    c.open(3, { streamtype: ['data'], port: [String(backendPort)], requestid: ['5'] });
    c.send({ type: 'data', streamId: 3, fin: false, data: Buffer.from('bye\n') });
    c.open(5, { streamtype: ['error'], port: [String(backendPort)], requestid: ['5'] });
    expect(await c.readStream(3)).toBe('bye\n');
    expect(await c.readStream(5)).toBe('');
    c.socket.destroy();
  });
});
