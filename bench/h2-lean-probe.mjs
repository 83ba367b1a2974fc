#!/usr/bin/env node
// What a lean HTTP/2 client could cost, before building one (bench/README.md, "HTTP/2 beside
// h2load"): S TLS sessions x M streams of raw HTTP/2 frames on node:tls, one precomputed HEADERS
// block per request (only the stream id changes), responses counted by END_STREAM, nothing
// decoded (no HPACK: the server is told SETTINGS_HEADER_TABLE_SIZE 0), one write per read.
// A probe of the cost floor, not a client: no status, no accounting, no error handling beyond
// counting RST_STREAM and GOAWAY.
//
//   node bench/h2-lean-probe.mjs https://127.0.0.1:PORT/ SESSIONS STREAMS SECONDS  -> {"rps", "requests", "resets"}
import { connect } from 'node:tls';

const [url, sessionsArg, streamsArg, secondsArg] = process.argv.slice(2);
const u = new URL(url);
const sessions = Number(sessionsArg);
const streams = Number(streamsArg);
const until = performance.now() + Number(secondsArg) * 1000;

const frame = (type, flags, id, payload) => {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(id, 5);
  return Buffer.concat([h, payload]);
};
const settings = Buffer.alloc(18);
// HEADER_TABLE_SIZE 0, ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 2^30.
settings.writeUInt16BE(1, 0);
settings.writeUInt32BE(0, 2);
settings.writeUInt16BE(2, 6);
settings.writeUInt32BE(0, 8);
settings.writeUInt16BE(4, 12);
settings.writeUInt32BE(1 << 30, 14);
const connWindow = Buffer.alloc(4);
connWindow.writeUInt32BE((1 << 30) - 65535, 0);
const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frame(4, 0, 0, settings), frame(8, 0, 0, connWindow)]);
const SETTINGS_ACK = frame(4, 1, 0, Buffer.alloc(0));
// :method GET (2), :scheme https (7), :path / (4) indexed; :authority literal without indexing (name 1).
const authority = Buffer.from(u.host);
const block = Buffer.concat([Buffer.from([0x82, 0x87, 0x84, 0x01, authority.length]), authority]);
/** A HEADERS frame with END_STREAM | END_HEADERS; the stream id is written per request. */
const HEADERS = frame(1, 0x05, 0, block);

let done = 0;
let resets = 0;
let open = sessions;
const t0 = performance.now();

function session() {
  let nextId = 1;
  let inFlight = 0;
  let pending = Buffer.alloc(0);
  let consumed = 0;
  const out = [];
  const request = () => {
    const f = Buffer.from(HEADERS);
    f.writeUInt32BE(nextId, 5);
    nextId += 2;
    inFlight++;
    out.push(f);
  };
  const s = connect({ host: u.hostname, port: Number(u.port), ALPNProtocols: ['h2'], rejectUnauthorized: false }, () => {
    s.setNoDelay(true);
    out.push(PREFACE);
    for (let i = 0; i < streams; i++) request();
    s.write(Buffer.concat(out.splice(0)));
  });
  s.on('data', (chunk) => {
    let buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let off = 0;
    const now = performance.now();
    while (buf.length - off >= 9) {
      const len = buf.readUIntBE(off, 3);
      if (buf.length - off < 9 + len) break;
      const type = buf[off + 3];
      const flags = buf[off + 4];
      const id = buf.readUInt32BE(off + 5) & 0x7fffffff;
      if (type === 0) consumed += len;
      if ((type === 0 || type === 1) && flags & 0x1 && id !== 0) {
        done++;
        inFlight--;
        if (now < until) request();
      } else if (type === 3) {
        resets++;
        inFlight--;
        if (now < until) request();
      } else if (type === 4 && (flags & 1) === 0) {
        out.push(SETTINGS_ACK);
      } else if (type === 6 && (flags & 1) === 0) {
        out.push(frame(6, 1, 0, buf.subarray(off + 9, off + 9 + len)));
      } else if (type === 7) {
        resets++;
      }
      off += 9 + len;
    }
    pending = off === buf.length ? Buffer.alloc(0) : buf.subarray(off);
    if (consumed > 1 << 29) {
      const w = Buffer.alloc(4);
      w.writeUInt32BE(consumed, 0);
      out.push(frame(8, 0, 0, w));
      consumed = 0;
    }
    if (out.length > 0) s.write(out.length === 1 ? out.pop() : Buffer.concat(out.splice(0)));
    if (inFlight === 0 && now >= until) s.end();
  });
  s.on('error', () => undefined);
  s.on('close', () => {
    if (--open > 0) return;
    const sec = (performance.now() - t0) / 1000;
    console.log(JSON.stringify({ rps: done / sec, requests: done, resets }));
  });
}
for (let i = 0; i < sessions; i++) session();
