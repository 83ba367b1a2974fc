import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { expectSizedToPass, expectVerdict } from '../helpers/verdict.js';
import { DEMO_PROTO, startGrpcServer, type GrpcTestServer } from '../fixtures/grpc-server.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'zerodrop-grpc-e2e-'));
const readReport = (dir: string): any => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

describe('zerodrop run with a gRPC target', () => {
  let srv: GrpcTestServer;
  beforeAll(async () => {
    srv = await startGrpcServer({ pod: 'e2e-pod' });
  });
  afterAll(() => srv.stop());

  it('counts every call the server saw and shows the gRPC status names', async () => {
    const out = tmp();
    srv.calls.clear();
    const r = await runCli(['run', '--url', `grpc://127.0.0.1:${srv.port}`, '--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--proto', DEMO_PROTO, '--data', '{"name":"e2e"}', '--metadata', 'x-tenant=blue', '--pod-header', 'x-pod-name', '--rate', '200', '--warmup', '1s', '--duration', '2s', '--budget', '2%', '--out', out, '--format', 'console']);
    const report = readReport(out);
    expectVerdict(report, r, 'pass');
    expect(report.totals.sent).toBe(srv.calls.get('e2e'));
    expect(report.statusCodes).toEqual({ OK: report.totals.sent });
    expect(report.meta.load.grpc).toEqual({ method: 'zerodrop.demo.Greeter/SayHello', deadlineMs: 2000 });
    expect(report.pods.map((p: { pod: string }) => p.pod)).toEqual(['e2e-pod']);
    expect(r.stdout).toMatch(/status codes: OK x/);
  });

  it('counts calls the server answers UNAVAILABLE by name (every call failing: inconclusive, as for HTTP)', async () => {
    const out = tmp();
    const r = await runCli(['run', '--url', `grpc://127.0.0.1:${srv.port}`, '--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--proto', DEMO_PROTO, '--data', '{"name":"fail:14"}', '--rate', '100', '--warmup', '1s', '--duration', '1s', '--out', out, '--quiet']);
    const report = readReport(out);
    expect(r.code, r.stderr).toBe(2);
    expect(report.checks.find((c: { id: string }) => c.id === 'target-answered').message).toMatch(/no request succeeded at all \(\d+ http_5xx\)/);
    expect(report.statusCodes).toEqual({ UNAVAILABLE: report.totals.sent });
    expect(report.failures.http_5xx).toBe(report.totals.sent);
    expect(report.diagnosis.find((d: { id: string }) => d.id === 'server-errors').cause).toMatch(/UNAVAILABLE x\d/);
  });

  it.each([
    [['--grpc-method', 'zerodrop.demo.Greeter/Nope', '--proto', DEMO_PROTO], /service zerodrop\.demo\.Greeter has no method Nope \(methods: SayHello\)/],
    [['--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--proto', 'no/such.proto'], /--proto \(target\.grpc\.proto\): proto file not found: .*no\/such\.proto/],
    [['--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--proto', DEMO_PROTO, '--data', '{"name": 5}'], /--data \(target\.grpc\.message\): does not fit zerodrop\.demo\.HelloRequest: name: string expected/],
  ])('refuses bad input with exit 3: %j', async (args, message) => {
    const r = await runCli(['run', '--url', 'grpc://127.0.0.1:1', ...args, '--duration', '1s', '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
  });
});

describe('gRPC rollouts on the embedded emulator', () => {
  it('passes the gracefully shutting-down gRPC server with no call lost', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-grpc-graceful.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    expect(report.totals.failed, `${r.stdout}${r.stderr}${JSON.stringify(report.errorCodes)}`).toBe(0);
    expect(report.statusCodes).toEqual({ OK: report.totals.sent });
    expectSizedToPass(report);
    expectVerdict(report, r, 'pass');
    const pods: Array<{ pod: string; sent: number }> = report.pods;
    // Calls reached old and new pods alike: the channels moved to the new pods after each GOAWAY.
    expect(pods.length).toBeGreaterThanOrEqual(4);
    expect(report.meta.cluster.after.images).toEqual({ app: 'zerodrop/demo-grpc:v2' });
    // The old pods said goodbye: a GOAWAY on their connections; calls they refused were retried, not lost.
    expect(report.timeline.goaways.length).toBeGreaterThan(0);
    expect(report.timeline.goaways.every((g: { errorCode: string }) => g.errorCode === 'NO_ERROR')).toBe(true);
    expect(Object.keys(report.retried?.byReason ?? {}).every((k) => k === 'goaway' || k === 'refused_stream')).toBe(true);
  }, 180_000);

  it('fails the gRPC server that exits without GOAWAY, and names the cause and the fix in gRPC terms', async () => {
    const out = tmp();
    const r = await runCli(['run', 'scenarios/emulator-grpc-naive.yaml', '--out', out, '--quiet']);
    expect(existsSync(join(out, 'report.json')), r.stderr).toBe(true);
    const report = readReport(out);
    expect(report.totals.failed, r.stderr).toBeGreaterThan(0);
    expectVerdict(report, r, 'fail');
    // Calls cut on the connections of the exiting pods: resets, and refusals while it still got new ones.
    expect(report.failures.reset + report.failures.refused).toBe(report.totals.failed);
    // No GOAWAY ever came: the pods just went away.
    expect(report.timeline.goaways ?? []).toEqual([]);
    const ids: string[] = report.diagnosis.map((d: { id: string }) => d.id);
    expect(ids, ids.join(',')).toContain('grpc-no-goaway');
    const noGoaway = report.diagnosis.find((d: { id: string }) => d.id === 'grpc-no-goaway');
    expect(noGoaway.cause).toMatch(/exited without GOAWAY/);
    expect(noGoaway.fix).toMatch(/server\.tryShutdown\(\)/);
    expect(noGoaway.fix).toMatch(/preStop/);
  }, 180_000);
});
