import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { executeRun, type RunEnvironment } from '../../../src/runner/execute-run.js';
import { envOf, scenarioOf } from './run-fixtures.js';


/** Blocks this thread (the generator's: one worker) for `ms` on the first progress tick of `phase`. */
function stallOnce(phase: string, ms: number): { onProgress: NonNullable<RunEnvironment['onProgress']>; done: () => boolean } {
  let done = false;
  return {
    onProgress: (p) => {
      if (done || p !== phase) return;
      done = true;
      const until = performance.now() + ms;
      while (performance.now() < until);
    },
    done: () => done,
  };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function start(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('executeRun: a generator that fell behind', () => {
  it('is not failed by the timeouts its own stall caused (case 5): inconclusive, and the report says why', async () => {
    // Answers take 200 ms; requests time out after 1 s. A 1.5 s stall of the generator keeps it
    // from reading the answers of the ~60 requests in flight: when it wakes, its timeout sweep
    // runs before it reads them (timers come before I/O in an event-loop turn), so they time out,
    // and the ~450 requests due during the stall go unsent.
    const url = await start((_q, res) => setTimeout(() => res.end('ok'), 200));
    const stall = stallOnce('measure', 1500);
    const { report, exitCode } = await executeRun(scenarioOf({ url, rate: 300, timeout: '1s', duration: '4s' }), envOf({ onProgress: stall.onProgress }));
    expect(stall.done()).toBe(true);
    expect(report.failures.timeout).toBeGreaterThan(0);
    expect(report.failures.http_5xx + report.failures.http_4xx + report.failures.refused).toBe(0);
    expect(report.totals.unsent > 0 || report.generator.saturated).toBe(true);
    // The timeouts alone are over the budget: without the rule this run would fail.
    expect(report.budget.observedFailureRate).toBeGreaterThan(report.budget.maxFailureRate);
    expect(report.verdict).toBe('inconclusive');
    expect(exitCode).toBe(2);
    const budget = report.checks.find((c) => c.id === 'failure-budget');
    expect(budget?.status).toBe('inconclusive');
    expect(budget?.message).toMatch(/^not judged: .* over the 0\.1% budget, but the load generator fell behind and may itself have caused the [\d,]+ timeout/);
    expect(report.reasons).toContain(budget?.message);
  });

  it('is still failed by answers the generator cannot cause (503s), with its own failures set aside', async () => {
    let n = 0;
    // Every 20th answer is a 503 (5%); answers take 200 ms and the generator stalls as above.
    const url = await start((_q, res) => {
      const status = ++n % 20 === 0 ? 503 : 200;
      setTimeout(() => {
        res.statusCode = status;
        res.end('x');
      }, 200);
    });
    const stall = stallOnce('measure', 1500);
    const { report, exitCode } = await executeRun(scenarioOf({ url, rate: 300, timeout: '1s', duration: '4s' }), envOf({ onProgress: stall.onProgress }));
    expect(stall.done()).toBe(true);
    expect(report.totals.unsent > 0 || report.generator.saturated).toBe(true);
    expect(report.failures.http_5xx).toBeGreaterThan(0);
    expect(report.failures.timeout).toBeGreaterThan(0);
    expect(report.verdict).toBe('fail');
    expect(exitCode).toBe(1);
    const budget = report.checks.find((c) => c.id === 'failure-budget');
    expect(budget?.status).toBe('fail');
    expect(budget?.message).toMatch(/in ways the load generator cannot cause \([\d,]+ http_5xx; /);
    expect(budget?.message).toMatch(/[\d,]+ timeout not judged: the load generator fell behind/);
  });
});
