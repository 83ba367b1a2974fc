#!/usr/bin/env node
// The floor of node:http2 itself: S sessions x M streams, each stream's end sending the next, no
// accounting, no timers, nothing kept. bench/http2.mjs runs it beside zerodrop's HTTP/2 client so
// the table shows what the client adds to node:http2 and what node:http2 costs beside h2load.
//
//   node bench/h2-bare.mjs URL SESSIONS STREAMS SECONDS   -> prints {"rps": N, "requests": N}
import { connect } from 'node:http2';

const [url, sessionsArg, streamsArg, secondsArg] = process.argv.slice(2);
const sessions = Number(sessionsArg);
const streams = Number(streamsArg);
const until = performance.now() + Number(secondsArg) * 1000;
const u = new URL(url);
const headers = { ':method': 'GET', ':path': u.pathname, ':scheme': u.protocol.slice(0, -1), ':authority': u.host };
const opts = { endStream: true };
let done = 0;
let open = sessions * streams;
const t0 = performance.now();

function finish() {
  if (--open > 0) return;
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ rps: done / s, requests: done }));
  process.exit(0);
}

for (let i = 0; i < sessions; i++) {
  const session = connect(url, { rejectUnauthorized: false, noDelay: true, peerMaxConcurrentStreams: streams });
  session.on('error', () => undefined);
  const one = () => {
    if (performance.now() >= until) return finish();
    const st = session.request(headers, opts);
    st.on('error', () => undefined);
    st.on('end', () => {
      done++;
      one();
    });
    st.resume();
  };
  for (let k = 0; k < streams; k++) one();
}
