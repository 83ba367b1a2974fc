import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeaderBlock } from '../../../src/traffic/hpack.js';
import { FLAG, FRAME, FrameReader, FrameWriter, H2_CODE, PREFACE } from '../../../src/traffic/http2-frames.js';
import { LeanHttp2Client } from '../../../src/traffic/http2-lean-client.js';
import type { Http2Handler } from '../../../src/traffic/http2-client.js';

/**
 * The lean HTTP/2 client against a server of raw frames (cleartext h2c), for what node:http2's
 * server never sends: interim 1xx responses, trailers, DATA before HEADERS, a GOAWAY with an error
 * code, a frame the client must refuse.
 */

/** What the server does with the n-th request (1-based, over every connection). */
type Script = (n: number, id: number, w: FrameWriter) => void;

const block = (h: Array<[string, string]>): Buffer => encodeHeaderBlock(h);

let server: Server | undefined;
const sockets = new Set<Socket>();
/** Frames the client sent, as [type, flags, id, first payload word, second payload word] (-1: none). */
let received: Array<[number, number, number, number, number]> = [];

afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await new Promise((r) => (server === undefined ? r(undefined) : server.close(r)));
  server = undefined;
  received = [];
});

async function startRaw(script: Script): Promise<string> {
  let n = 0;
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const w = new FrameWriter();
    w.settings([]);
    socket.write(w.take()!);
    const reader = new FrameReader();
    let preface = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (preface.length < PREFACE.length) {
        const need = PREFACE.length - preface.length;
        preface = Buffer.concat([preface, data.subarray(0, need)]);
        data = data.subarray(need);
      }
      reader.push(data, {
        onFrame(type, flags, id, buf, start, end) {
          received.push([type, flags, id, end - start >= 4 ? buf.readUInt32BE(start) : -1, end - start >= 8 ? buf.readUInt32BE(start + 4) : -1]);
          if (type === FRAME.SETTINGS && (flags & FLAG.ACK) === 0) w.frame(FRAME.SETTINGS, FLAG.ACK, 0);
          if (type === FRAME.HEADERS) script(++n, id, w);
        },
      });
      const out = w.take();
      if (out !== null && !socket.destroyed) socket.write(out);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Seen {
  events: string[];
  done: Promise<void>;
  handler: Http2Handler;
}

function recorder(): Seen {
  const events: string[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const handler: Http2Handler = {
    lastPod: undefined,
    onConnect: () => undefined,
    onHeaders(status, raw) {
      events.push(`headers ${status} ${raw === null ? '-' : raw.join('=')}`);
      return true;
    },
    onComplete() {
      events.push('complete');
      finish();
    },
    onError(err) {
      events.push(`error ${(err as Error & { code?: string }).code}`);
      finish();
    },
    onRetry(reason) {
      events.push(`retry ${reason}`);
      return true;
    },
  };
  return { events, done, handler };
}

const GET: Dispatcher.DispatchOptions = { origin: 'http://x', path: '/', method: 'GET', headers: [] };
const OK = block([
  [':status', '200'],
  ['x-pod-name', 'p1'],
]);

describe('lean HTTP/2 client against raw frames', () => {
  it.each<[string, Script, string[], Array<Record<string, unknown>>]>([
    [
      'a 103 interim response, then 200, a body and trailers: one answer',
      (_n, id, w) => {
        w.frame(FRAME.HEADERS, FLAG.END_HEADERS, id, block([[':status', '103']]));
        w.frame(FRAME.HEADERS, FLAG.END_HEADERS, id, OK);
        w.frame(FRAME.DATA, 0, id, Buffer.from('ok'));
        w.frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, block([['x-trailer', '1']]));
      },
      ['headers 200 x-pod-name=p1', 'complete'],
      [],
    ],
    [
      'DATA before any HEADERS: a stream error, reset as PROTOCOL_ERROR',
      (_n, id, w) => w.frame(FRAME.DATA, FLAG.END_STREAM, id, Buffer.from('x')),
      ['error HTTP2_RST_PROTOCOL_ERROR'],
      [],
    ],
    [
      'GOAWAY(PROTOCOL_ERROR, last-stream-id 0): never processed, retried on a new session',
      (n, id, w) => {
        if (n === 1) w.words(FRAME.GOAWAY, 0, 0, 0, H2_CODE.PROTOCOL_ERROR);
        else w.frame(FRAME.HEADERS, FLAG.END_HEADERS | FLAG.END_STREAM, id, OK);
      },
      ['retry goaway', 'headers 200 x-pod-name=p1', 'complete'],
      [{ lastStreamId: 0, errorCode: 'PROTOCOL_ERROR' }],
    ],
    [
      'a PUSH_PROMISE though push is off: the session fails (reset)',
      (_n, id, w) => w.frame(FRAME.PUSH_PROMISE, FLAG.END_HEADERS, id, Buffer.concat([Buffer.from([0, 0, 0, 2]), block([[':path', '/p']])])),
      ['error ERR_HTTP2_SESSION_ERROR'],
      [],
    ],
    [
      'RST_STREAM(REFUSED_STREAM) twice: retried once, then refused',
      (_n, id, w) => w.words(FRAME.RST_STREAM, 0, id, H2_CODE.REFUSED_STREAM),
      ['retry refused_stream', 'error HTTP2_REFUSED_STREAM'],
      [],
    ],
  ])('%s', async (_name, script, events, goaways) => {
    const url = await startRaw(script);
    const seenGoaways: Array<Record<string, unknown>> = [];
    const client = new LeanHttp2Client(url, { sessions: 1, streams: 1, grow: false, connectTimeoutMs: 2000, podHeader: 'x-pod-name', onGoaway: (g) => seenGoaways.push(g) });
    const r = recorder();
    client.dispatch(GET, r.handler as unknown as Dispatcher.DispatchHandler);
    await r.done;
    await client.destroy();
    expect(r.events).toEqual(events);
    expect(seenGoaways).toEqual(goaways);
  });

  it('answers a malformed frame with GOAWAY(FRAME_SIZE_ERROR), and a timed-out stream with RST_STREAM(CANCEL)', async () => {
    const url = await startRaw((n, id, w) => {
      // The first request hangs; the second gets a PING of 7 bytes.
      if (n === 2) w.frame(FRAME.PING, 0, 0, Buffer.alloc(7));
    });
    const client = new LeanHttp2Client(url, { sessions: 1, streams: 2, grow: false, connectTimeoutMs: 2000, onGoaway: () => undefined });
    const a = recorder();
    let abort: ((err?: Error) => void) | undefined;
    a.handler.onConnect = (fn) => (abort = fn);
    client.dispatch(GET, a.handler as unknown as Dispatcher.DispatchHandler);
    // Bounded wait for the request to reach the server, then our side gives up on it.
    for (let i = 0; i < 200 && !received.some((f) => f[0] === FRAME.HEADERS); i++) await new Promise((res) => setTimeout(res, 10));
    abort!(Object.assign(new Error('timed out'), { code: 'ZD_TIMEOUT' }));
    await a.done;
    expect(a.events).toEqual(['error ZD_TIMEOUT']);
    const b = recorder();
    client.dispatch(GET, b.handler as unknown as Dispatcher.DispatchHandler);
    await b.done;
    await client.destroy();
    expect(b.events).toEqual(['error ERR_HTTP2_SESSION_ERROR']);
    for (let i = 0; i < 200 && !received.some((f) => f[0] === FRAME.GOAWAY); i++) await new Promise((res) => setTimeout(res, 10));
    expect(received).toContainEqual([FRAME.RST_STREAM, 0, 1, H2_CODE.CANCEL, -1]);
    expect(received).toContainEqual([FRAME.GOAWAY, 0, 0, 0, H2_CODE.FRAME_SIZE_ERROR]);
  });
});
