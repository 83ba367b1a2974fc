import net from 'node:net';
import fc from 'fast-check';
import { Client } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Connection, requestBytesOf } from '../../../src/traffic/http1-connection.js';
import type { Http1Handler } from '../../../src/traffic/http1-connection.js';
import { errorCodeOf } from '../../../src/traffic/classify.js';

/**
 * The lean HTTP/1.1 connection against a real TCP server that answers with scripted bytes, each
 * answer written in pieces a few ms apart so that the client reads it split (heads, chunk-size
 * lines and CRLFs cut in two).
 */

interface Scripted {
  port: number;
  /** Request heads (and bodies) received, in order. */
  requests: string[];
  connections: number;
  /** Connections still open on the server's side. */
  open: number;
  close(): Promise<void>;
}

type Answer = (socket: net.Socket, index: number) => Promise<void> | void;

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Writes `bytes` in `pieces` parts with a pause between them. */
async function writeSplit(socket: net.Socket, bytes: string, pieces = 3): Promise<void> {
  const buf = Buffer.from(bytes, 'latin1');
  const step = Math.max(1, Math.ceil(buf.length / pieces));
  for (let i = 0; i < buf.length; i += step) {
    socket.write(buf.subarray(i, i + step));
    await pause(3);
  }
}

async function scripted(answer: Answer): Promise<Scripted> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      // A request is its head plus its content-length body.
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const m = /content-length: (\d+)/i.exec(buffered.slice(0, end));
        const total = end + 4 + (m ? Number(m[1]) : 0);
        if (buffered.length < total) return;
        requests.push(buffered.slice(0, total));
        buffered = buffered.slice(total);
        void answer(socket, requests.length - 1);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    get open() {
      return sockets.size;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

interface Outcome {
  status: number;
  /** The captured header pair as strings, when any. */
  headers: string[];
  /** 'complete' or the error's code. */
  end: string;
}

/** One request through the connection, resolved at its single completion or error. */
function send(conn: Pick<Http1Connection, 'dispatch'>, opts: Partial<Parameters<Http1Connection['dispatch']>[0]> = {}, onConnect?: (abort: (e?: Error) => void) => void): Promise<Outcome> {
  return new Promise((resolve) => {
    const out: Outcome = { status: 0, headers: [], end: '' };
    // onData is for undici (the lean connection drops bodies and never calls it).
    const handler: Http1Handler & { onData: () => boolean } = {
      onConnect: (abort) => onConnect?.(abort),
      onData: () => true,
      onHeaders: (status, raw) => {
        out.status = status;
        out.headers = (raw ?? []).map((b) => b.toString());
        return true;
      },
      onComplete: () => {
        out.end = 'complete';
        resolve(out);
      },
      onError: (err) => {
        out.end = errorCodeOf(err);
        resolve(out);
      },
    };
    conn.dispatch({ origin: 'http://x', path: '/p', method: 'GET', headers: [], ...opts } as Parameters<Http1Connection['dispatch']>[0], handler);
  });
}

let server: Scripted | null = null;
let conn: Http1Connection | null = null;
afterEach(async () => {
  await conn?.destroy();
  await server?.close();
  conn = null;
  server = null;
});

function connect(port: number, captureHeader?: string): Http1Connection {
  conn = new Http1Connection(`http://127.0.0.1:${port}`, { connectTimeoutMs: 2000, idleTimeoutMs: 60_000, ...(captureHeader ? { captureHeader } : {}) });
  return conn;
}

describe('Http1Connection: response framing (answers arrive split)', () => {
  const cases: Array<{ name: string; answer: string; method?: string; status: number; reused: boolean }> = [
    { name: 'content-length', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello', status: 200, reused: true },
    { name: 'content-length 0', answer: 'HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n', status: 201, reused: true },
    {
      name: 'chunked, with an extension and trailers',
      answer: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: 1\r\n\r\n',
      status: 200,
      reused: true,
    },
    { name: '204 without a body', answer: 'HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n', status: 204, reused: true },
    { name: '304 with a length but no body', answer: 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n', status: 304, reused: true },
    { name: 'HEAD: a length but no body', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', method: 'HEAD', status: 200, reused: true },
    { name: '103 Early Hints, then the answer', answer: 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\nno', status: 503, reused: true },
    { name: 'Connection: close', answer: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: false },
    { name: 'HTTP/1.0 without keep-alive', answer: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: false },
    { name: 'HTTP/1.0 with keep-alive', answer: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: true },
    { name: 'close among other connection options', answer: 'HTTP/1.1 200 OK\r\nconnection: TE, Close\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: false },
    { name: 'a Keep-Alive hint too short to trust', answer: 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: false },
    { name: 'a Keep-Alive hint long enough', answer: 'HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok', status: 200, reused: true },
  ];
  for (const c of cases) {
    it(`${c.name}: status ${c.status}, connection ${c.reused ? 'reused' : 'not reused'}`, async () => {
      server = await scripted(async (socket) => {
        await writeSplit(socket, c.answer, 4);
        if (/connection: close/i.test(c.answer)) socket.end();
      });
      const cn = connect(server.port);
      for (let i = 0; i < 2; i++) {
        expect(await send(cn, c.method ? { method: c.method as 'HEAD' } : {})).toEqual({ status: c.status, headers: [], end: 'complete' });
      }
      expect(server.connections).toBe(c.reused ? 1 : 2);
    });
  }

  it('a body read to the connection’s end completes at the close', async () => {
    server = await scripted(async (socket) => {
      await writeSplit(socket, 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nsome body without a length');
      socket.end();
    });
    const cn = connect(server.port);
    expect(await send(cn)).toEqual({ status: 200, headers: [], end: 'complete' });
    expect(await send(cn)).toEqual({ status: 200, headers: [], end: 'complete' });
    expect(server.connections).toBe(2);
  });

  it('hands the pod header (any case) to onHeaders, and only it', async () => {
    server = await scripted((socket, i) => void socket.write(`HTTP/1.1 200 OK\r\nX-Other: a\r\nX-Pod-Name:  web-${i} \r\nContent-Length: 0\r\n\r\n`));
    const cn = connect(server.port, 'x-pod-name');
    expect((await send(cn)).headers).toEqual(['X-Pod-Name', 'web-0']);
    expect((await send(cn)).headers).toEqual(['X-Pod-Name', 'web-1']);
  });
});

describe('Http1Connection: failures carry the codes undici gives them', () => {
  const cases: Array<{ name: string; answer: Answer; code: string }> = [
    { name: 'closed before any answer', answer: (s) => void s.end(), code: 'UND_ERR_SOCKET' },
    { name: 'closed in the middle of the body', answer: async (s) => { await writeSplit(s, 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'); s.end(); }, code: 'UND_ERR_SOCKET' },
    { name: 'closed in the middle of a body it said would end with the connection', answer: async (s) => { await writeSplit(s, 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\nabc'); s.end(); }, code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' },
    { name: 'closed in the middle of a chunked body', answer: async (s) => { await writeSplit(s, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel'); s.end(); }, code: 'UND_ERR_SOCKET' },
    { name: 'reset', answer: (s) => void s.resetAndDestroy(), code: 'ECONNRESET' },
    { name: 'not HTTP', answer: (s) => void s.write('SSH-2.0-OpenSSH\r\n\r\n'), code: 'HPE_INVALID_CONSTANT' },
    { name: 'a bad status', answer: (s) => void s.write('HTTP/1.1 2x0 OK\r\n\r\n'), code: 'HPE_INVALID_STATUS' },
    { name: 'conflicting content-lengths', answer: (s) => void s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok'), code: 'HPE_INVALID_CONTENT_LENGTH' },
    { name: 'a bad chunk size', answer: (s) => void s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), code: 'HPE_INVALID_CHUNK_SIZE' },
    { name: 'a header line without a colon', answer: (s) => void s.write('HTTP/1.1 200 OK\r\nbroken\r\n\r\n'), code: 'HPE_INVALID_HEADER_TOKEN' },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.code}, and the next request gets a fresh connection`, async () => {
      let first = true;
      server = await scripted(async (socket) => {
        if (first) {
          first = false;
          await c.answer(socket, 0);
        } else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      });
      const cn = connect(server.port);
      expect((await send(cn)).end).toBe(c.code);
      expect(await send(cn)).toEqual({ status: 200, headers: [], end: 'complete' });
      expect(server.connections).toBe(2);
    });
  }

  it('a refused connect is ECONNREFUSED', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect((await send(connect(port))).end).toBe('ECONNREFUSED');
  });

  it('an idle connection the server closed is replaced without failing the next request', async () => {
    server = await scripted((socket, i) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      if (i === 0) setTimeout(() => socket.end(), 5);
    });
    const cn = connect(server.port);
    expect((await send(cn)).end).toBe('complete');
    // Until the client has seen the close and closed its side too (a fixed pause raced it on a loaded machine).
    const s = server;
    for (const until = Date.now() + 10_000; s.open > 0 && Date.now() < until; ) await pause(5);
    expect(s.open).toBe(0);
    expect((await send(cn)).end).toBe('complete');
    expect(server.connections).toBe(2);
  });

  it('destroy fails the request in flight and every later one with UND_ERR_DESTROYED', async () => {
    server = await scripted(() => {});
    const cn = connect(server.port);
    const hanging = send(cn);
    await pause(30);
    await cn.destroy();
    expect((await hanging).end).toBe('UND_ERR_DESTROYED');
    expect((await send(cn)).end).toBe('UND_ERR_DESTROYED');
  });

  it('an abort in onConnect keeps the connection (nothing was written); one after the write drops it', async () => {
    server = await scripted((socket, i) => {
      if (i >= 1) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    });
    const cn = connect(server.port);
    const timedOut = Object.assign(new Error('timed out'), { code: 'ZD_TIMEOUT' });
    expect((await send(cn, {}, (abort) => abort(timedOut))).end).toBe('ZD_TIMEOUT');
    let abortLater: ((e?: Error) => void) | null = null;
    const inFlight = send(cn, {}, (abort) => {
      abortLater = abort;
    });
    await pause(30);
    expect(server.requests).toHaveLength(1);
    abortLater!(timedOut);
    expect((await inFlight).end).toBe('ZD_TIMEOUT');
    expect((await send(cn)).end).toBe('complete');
    expect(server.connections).toBe(2);
  });
});

describe('requestBytesOf', () => {
  it('writes what undici writes: host, keep-alive or close, the headers, a length for a body', () => {
    const get = requestBytesOf({ origin: 'http://h', path: '/a?b=1', method: 'GET', headers: ['x-a', '1', 'Host', 'other:81'] }, 'h:8080').toString('latin1');
    expect(get).toBe('GET /a?b=1 HTTP/1.1\r\nhost: other:81\r\nconnection: keep-alive\r\nx-a: 1\r\n\r\n');
    const post = requestBytesOf({ origin: 'http://h', path: '/', method: 'POST', headers: [], body: Buffer.from('{}'), reset: true }, 'h').toString('latin1');
    expect(post).toBe('POST / HTTP/1.1\r\nhost: h\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}');
    const emptyPut = requestBytesOf({ origin: 'http://h', path: '/', method: 'PUT', headers: [] }, 'h').toString('latin1');
    expect(emptyPut).toBe('PUT / HTTP/1.1\r\nhost: h\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n');
  });

  it('is what the server receives', async () => {
    server = await scripted((socket) => void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    const cn = connect(server.port);
    await send(cn, { method: 'POST', headers: ['content-type', 'application/json'], body: Buffer.from('{"a":1}') });
    expect(server.requests[0]).toBe(`POST /p HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\nconnection: keep-alive\r\ncontent-type: application/json\r\ncontent-length: 7\r\n\r\n{"a":1}`);
  });
});

describe('Http1Connection and undici agree', () => {
  /** One scripted answer: its status, framing, body size and whether the server then closes. */
  const answerArb = fc.record({
    status: fc.constantFrom(200, 201, 204, 301, 304, 404, 500, 503),
    framing: fc.constantFrom('length', 'chunked', 'close'),
    bodyLength: fc.integer({ min: 0, max: 3000 }),
    chunkSize: fc.integer({ min: 1, max: 700 }),
    early: fc.boolean(),
    closeAfter: fc.boolean(),
    pieces: fc.integer({ min: 1, max: 4 }),
  });
  type ScriptedAnswer = typeof answerArb extends fc.Arbitrary<infer T> ? T : never;

  function bytesOf(a: ScriptedAnswer): { bytes: string; closes: boolean } {
    const noBody = a.status === 204 || a.status === 304;
    const body = noBody ? '' : 'x'.repeat(a.bodyLength);
    let head = a.early ? 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n' : '';
    head += `HTTP/1.1 ${a.status} S\r\nServer: scripted\r\n`;
    const closes = a.closeAfter || (a.framing === 'close' && !noBody);
    if (closes) head += 'Connection: close\r\n';
    if (noBody) return { bytes: `${head}\r\n`, closes };
    if (a.framing === 'length') return { bytes: `${head}Content-Length: ${body.length}\r\n\r\n${body}`, closes };
    if (a.framing === 'close') return { bytes: `${head}\r\n${body}`, closes };
    let chunked = `${head}Transfer-Encoding: chunked\r\n\r\n`;
    for (let i = 0; i < body.length; i += a.chunkSize) {
      const part = body.slice(i, i + a.chunkSize);
      chunked += `${part.length.toString(16)}\r\n${part}\r\n`;
    }
    return { bytes: `${chunked}0\r\n\r\n`, closes };
  }

  it('on status and outcome, answer by answer, over one connection or new ones as the server says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(answerArb, { minLength: 1, maxLength: 5 }), async (answers) => {
        const outcomes: Record<string, Outcome[]> = {};
        for (const kind of ['lean', 'undici'] as const) {
          const srv = await scripted(async (socket, i) => {
            const { bytes, closes } = bytesOf(answers[i % answers.length]!);
            await writeSplit(socket, bytes, answers[i % answers.length]!.pieces);
            if (closes) socket.end();
          });
          const origin = `http://127.0.0.1:${srv.port}`;
          const client = kind === 'lean' ? new Http1Connection(origin, { connectTimeoutMs: 2000, idleTimeoutMs: 60_000 }) : new Client(origin, { pipelining: 1 });
          const seen: Outcome[] = [];
          try {
            for (let i = 0; i < answers.length; i++) {
              // Status and outcome (undici hands over every header, the lean client only the pod's).
              const { status, end } = await send(client as Pick<Http1Connection, 'dispatch'>, { origin });
              seen.push({ status, headers: [], end });
            }
          } finally {
            await client.destroy();
            await srv.close();
          }
          // And the same connections: reused, or new after a close, as the server said.
          seen.push({ status: srv.connections, headers: ['connections'], end: '' });
          outcomes[kind] = seen;
        }
        expect(outcomes['lean']).toEqual(outcomes['undici']);
        expect(outcomes['lean']!.slice(0, -1).every((o) => o.end === 'complete')).toBe(true);
      }),
      { numRuns: 25 },
    );
  }, 60_000);
});
