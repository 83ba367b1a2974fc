import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClock } from '../../../src/clock.js';
import { startLoad } from '../../../src/traffic/engine.js';

describe('--pod-header: outcomes per pod', () => {
  let server: Server;
  let url = '';
  const served = new Map<string, number>();
  beforeAll(async () => {
    // Each connection is "a pod": the server names it in x-pod-name, as the demo app does.
    let next = 0;
    const podOf = new WeakMap<object, string>();
    server = createServer((req, res) => {
      let pod = podOf.get(req.socket);
      if (pod === undefined) {
        pod = `pod-${next++ % 3}`;
        podOf.set(req.socket, pod);
      }
      served.set(pod, (served.get(pod) ?? 0) + 1);
      res.setHeader('X-Pod-Name', pod);
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it.each([1, 2])('counts every answer on the pod that gave it (%i workers)', async (workers) => {
    served.clear();
    const r = await startLoad({ url, method: 'GET', headers: {}, model: 'closed', connections: 6, durationMs: 800, timeoutMs: 2000, keepAlive: true, workers, podHeader: 'x-pod-name' }, startClock()).done;
    const pods = r.recorder.pods();
    const perPod = Object.fromEntries(pods.map((p) => [p.pod, p.intervals.reduce((n, i) => n + (i.outcomes[0] ?? 0), 0)]));
    expect(perPod).toEqual(Object.fromEntries(served));
    expect(Object.values(perPod).reduce((a, b) => a + b, 0)).toBe(r.recorder.totals().succeeded);
  });
});
