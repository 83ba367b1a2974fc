import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-websocket-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
/** WebSocket demo pods of this checkout still running (the emulator runs them as `node <repo>/scenarios/apps/demo-ws-app.mjs`). */
const wsPods = (): string[] =>
  execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(join(repoRoot, 'scenarios', 'apps', 'demo-ws-app.mjs')));
const check = (report: any, id: string): { status: string; message: string } | undefined => report.checks.find((c: { id: string }) => c.id === id);

describe('zerodrop run --load-kind websocket on the embedded emulator', () => {
  it('passes the graceful WebSocket server: closes are 1001, every client reconnects promptly, nothing is lost', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-websocket-graceful.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    const c = report.connections;
    const why = `${r.stdout}${r.stderr}${JSON.stringify(c)}`;
    expect(c.kind).toBe('websocket');
    expect(c.cut, why).toBe(0);
    expect(c.closedWithError, why).toBe(0);
    expect(c.messages.lost, why).toBe(0);
    expect(report.totals.failed, why).toBe(0);
    expect(c.messages.sent).toBe(report.totals.sent);
    expect(c.messages.answered).toBe(report.totals.succeeded);
    // Every old pod said goodbye to its clients, who came back on a serving pod.
    expect(c.closedGracefully, why).toBeGreaterThan(0);
    expect(Object.keys(c.closeCodes)).toEqual(['1001']);
    expect(c.reconnect.count).toBe(c.closedGracefully);
    expect(c.reconnect.slow, why).toBe(0);
    expect(c.opened).toBe(30 + c.reconnect.count);
    expect(c.closedAtEnd).toBe(30);
    expect(c.reconnect.histogram.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(c.reconnect.count);
    expect(c.pods.some((p: { pod: string; closedGracefully: number }) => p.pod.startsWith('demo-ws-graceful-') && p.closedGracefully > 0)).toBe(true);
    expect(check(report, 'connections-within-budget')?.status).toBe('pass');
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    expect(report.meta.load.kind).toBe('websocket');
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toContain('#### Connections');
    // Nothing the run started outlives it: the emulator ended every pod.
    expect(wsPods()).toEqual([]);
  });

  it('fails the naive WebSocket server: connections cut without a close frame, and says why in WebSocket terms', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-websocket-naive.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    expect(r.code, r.stderr).toBe(1);
    const report = readReport(out);
    const c = report.connections;
    expect(report.verdict).toBe('fail');
    expect(c.cut, JSON.stringify(c)).toBeGreaterThan(0);
    expect(c.closeCodes['1006']).toBe(c.cut);
    expect(c.window.cut).toBeGreaterThan(0);
    expect(check(report, 'connections-within-budget')?.status).toBe('fail');
    expect(check(report, 'connections-within-budget')?.message).toMatch(/cut without a close frame/);
    const first = report.diagnosis[0];
    expect(first.id).toBe('websocket-cut-on-exit');
    expect(first.cause).toMatch(/cut without a close frame \(1006\) when pods exited on SIGTERM/);
    expect(first.fix).toMatch(/close 1001/);
    // Lost messages are the failed ones of class reset, counted once each.
    expect(c.messages.lost).toBe(report.failures.reset);
    expect(report.totals.sent).toBe(report.totals.succeeded + report.totals.failed);
    const cutSeconds = c.timeline.filter((s: { cut: number }) => s.cut > 0);
    expect(cutSeconds.reduce((n: number, s: { cut: number }) => n + s.cut, 0)).toBe(c.cut);
    expect(wsPods()).toEqual([]);
  });

  it('refuses request-load options on a WebSocket load before any traffic (exit 3), naming each', async () => {
    const r = await runCli(['run', '--url', 'ws://127.0.0.1:9/', '--load-kind', 'websocket', '--rate', '100', '--message-size', '4', '--duration', '1s']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('--rate (load.rate): not for a websocket load');
    expect(r.stderr).toContain('--message-size (load.messageSize): a message is 16 bytes (its id) to 1 MiB, got 4');
  });
});
