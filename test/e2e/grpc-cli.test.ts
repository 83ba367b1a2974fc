import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../helpers/cli.js';
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

/** A port free a moment ago (the demo app takes its port from PORT). */
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** The demo gRPC app (scenarios/apps/demo-grpc.mjs) as a local process, once it logs `ready`. */
async function startDemoGrpc(env: Record<string, string>): Promise<{ port: number; child: ChildProcess; log: () => string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['scenarios/apps/demo-grpc.mjs'], { cwd: repoRoot, env: { ...process.env, PORT: String(port), HEALTH_PORT: String(await freePort()), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  while (!/ ready\n/.test(log)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the demo gRPC app did not get ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, child, log: () => log };
}

describe('zerodrop run with a gRPC target and no .proto: the server\'s reflection describes the method', () => {
  let demo: Awaited<ReturnType<typeof startDemoGrpc>>;
  let plain: Awaited<ReturnType<typeof startDemoGrpc>>;
  beforeAll(async () => {
    demo = await startDemoGrpc({ POD_NAME: 'refl-pod' });
    plain = await startDemoGrpc({ POD_NAME: 'plain-pod', REFLECTION: 'off' });
  }, 60_000);
  afterAll(() => {
    demo?.child.kill('SIGINT');
    plain?.child.kill('SIGINT');
  });

  it('runs against the demo app with no --proto, every call counted as the app served it', async () => {
    const out = tmp();
    const r = await runCli(['run', '--url', `grpc://127.0.0.1:${demo.port}`, '--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--data', '{"name":"refl"}', '--pod-header', 'x-pod-name', '--rate', '200', '--warmup', '1s', '--duration', '2s', '--budget', '2%', '--out', out, '--quiet']);
    const report = readReport(out);
    expectVerdict(report, r, 'pass');
    expect(report.statusCodes).toEqual({ OK: report.totals.sent });
    expect(report.pods).toEqual([expect.objectContaining({ pod: 'refl-pod', sent: report.totals.sent })]);
  });

  it.each([
    ['a method the service lacks', () => demo.port, 'zerodrop.demo.Greeter/Nope', /target\.grpc\.method: service zerodrop\.demo\.Greeter has no method Nope \(methods: SayHello\)/],
    ['a service the server lacks', () => demo.port, 'zerodrop.demo.Greeterr/SayHello', /target\.grpc\.method: the server offers no service zerodrop\.demo\.Greeterr \(its reflection lists: zerodrop\.demo\.Greeter\)/],
    ['a server without reflection', () => plain.port, 'zerodrop.demo.Greeter/SayHello', /does not serve reflection \(grpc\.reflection\.v1 and v1alpha ServerReflection: UNIMPLEMENTED\)\n  hint: give --proto FILE \(target\.grpc\.proto\), or enable reflection on the server: @grpc\/reflection in Node, reflection\.Register\(s\) in grpc-go/],
  ])('refuses %s with exit 3, before any call', async (_what, port, method, message) => {
    const r = await runCli(['run', '--url', `grpc://127.0.0.1:${port()}`, '--grpc-method', method, '--duration', '1s', '--out', tmp(), '--quiet']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(message);
  });

  it('says an unreachable server is unreachable (exit 4)', async () => {
    const port = await freePort();
    const r = await runCli(['run', '--url', `grpc://127.0.0.1:${port}`, '--grpc-method', 'zerodrop.demo.Greeter/SayHello', '--duration', '1s', '--out', tmp(), '--quiet']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/zerodrop\\.demo\\.Greeter/SayHello: connection refused`));
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
