import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { render } from '../../../src/report/index.js';
import { executeRun, type RunEnvironment } from '../../../src/runner/execute-run.js';
import { envOf, scenarioOf } from './run-fixtures.js';


/** A target that counts every request it serves, by method. */
async function countingServer(): Promise<{ server: Server; url: string; served: Record<string, number>; total: () => number }> {
  const served: Record<string, number> = {};
  const server = createServer((req, res) => {
    served[req.method ?? '?'] = (served[req.method ?? '?'] ?? 0) + 1;
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
  return { server, url, served, total: () => Object.values(served).reduce((a, b) => a + b, 0) };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

describe('executeRun: nothing unaccounted', () => {
  it('GET: the report totals plus the recorded reachability check equal what the target served, exactly', async () => {
    const t = await countingServer();
    server = t.server;
    const { report } = await executeRun(scenarioOf({ url: t.url.replace('http://', 'http://alice:s3cr3t@'), rate: 200, duration: '1s' }), envOf());
    expect(report.reachability).toMatchObject({ method: 'GET', probe: 'request', attempts: 1, requests: 1, lastStatus: 200 });
    expect(report.reachability?.url).not.toContain('s3cr3t');
    expect(report.reachability!.endMs).toBeGreaterThanOrEqual(report.reachability!.startMs);
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(report.totals.sent + report.reachability!.requests).toBe(t.total());
    expect(t.served).toEqual({ GET: t.total() });
  });

  it('POST: the target receives no request the report does not count', async () => {
    const t = await countingServer();
    server = t.server;
    const { report } = await executeRun(scenarioOf({ url: t.url, method: 'POST', body: '{"order":1}', rate: 200, duration: '1s' }), envOf());
    expect(report.reachability).toMatchObject({ method: 'POST', probe: 'connect', attempts: 1, requests: 0, lastStatus: null });
    expect(report.totals.sent).toBeGreaterThan(0);
    expect(t.served).toEqual({ POST: report.totals.sent });
  });
});

describe('executeRun: requests left unsent during the warmup', () => {
  it('are reported, and the run cannot pass', async () => {
    const t = await countingServer();
    server = t.server;
    let stalled = false;
    // The generator runs in this thread (one worker): block it for 400 ms inside the warmup, as a
    // GC pause or a descheduled CPU would, on the first progress tick (~250 ms into the warmup).
    const onProgress: RunEnvironment['onProgress'] = (phase) => {
      if (stalled || phase !== 'warmup') return;
      stalled = true;
      const until = performance.now() + 400;
      while (performance.now() < until);
    };
    // Sized so that the window alone could pass: 1,000/s over 3.5 s is 3,500 requests, above the
    // 2,995 a 0.1% budget needs at 95% confidence with none failing.
    const { report, exitCode } = await executeRun(scenarioOf({ url: t.url, rate: 1000, warmup: '1s', duration: '3.5s' }), envOf({ onProgress }));
    expect(stalled).toBe(true);
    const warmup = report.phases.find((p) => p.name === 'warmup');
    // Due during the stall: ~400 requests; those more than 50 ms late when it ends are unsent.
    expect(warmup?.unsent).toBeGreaterThanOrEqual(250);
    expect(report.totals.unsent).toBeGreaterThanOrEqual(warmup!.unsent);
    expect(report.generator.unsent).toBe(report.totals.unsent);
    expect(report.verdict).not.toBe('pass');
    expect(exitCode).not.toBe(0);
    const check = report.checks.find((c) => c.id === 'no-unsent-requests');
    expect(check?.status).toBe('inconclusive');
    expect(check?.message).toMatch(/could not be sent on time(, all during the warmup| \([\d,]+ during the warmup\)): the load generator fell behind/);
    expect(report.reasons.join('\n')).not.toMatch(/sent on schedule/);
    // Every renderer says so.
    for (const format of ['console', 'md', 'html', 'junit'] as const) expect(render(report, format), format).toMatch(/during the warmup/);
    // And the accounting still holds: what was sent is what the target served.
    expect(report.totals.sent + report.reachability!.requests).toBe(t.total());
  });
});
