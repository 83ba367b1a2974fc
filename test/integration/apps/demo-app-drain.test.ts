import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('../../../scenarios/apps/demo-app.mjs', import.meta.url));

/** A loopback port the kernel just handed out (free unless someone takes it in the meantime). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Starts the demo app on a free loopback port; resolves once it listens. */
async function startApp(env: Record<string, string>): Promise<{ port: number; child: ReturnType<typeof spawn>; log: () => string }> {
  // Other test files run in parallel: a port may be taken between the probe and the app's listen.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(process.execPath, [app], { env: { ...process.env, PORT: String(port), POD_IP: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    // A loaded machine can take seconds to start a node process: wait for it, and say so if it never comes.
    for (const end = Date.now() + 20_000; !/ ready\b/.test(log); await new Promise((r) => setTimeout(r, 50))) {
      if (Date.now() > end || child.exitCode !== null) break;
    }
    if (/ ready\b/.test(log)) return { port, child, log: () => log };
    child.kill('SIGKILL');
    if (!log.includes('EADDRINUSE') || attempt === 5) {
      throw new Error(`the demo app did not become ready within 20 s (exit code ${child.exitCode}); its log:\n${log}`);
    }
  }
}

describe('demo app, ON_SIGTERM=drain', () => {
  it('never closes a keep-alive connection idle for less than the keep-alive timeout it advertised', async () => {
    const { port, child } = await startApp({ ON_SIGTERM: 'drain', DRAIN_MS: '0' });
    const exited = once(child, 'exit');
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let closedAt: number | null = null;
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('close', () => (closedAt = Date.now()));
    await once(socket, 'connect');
    const answer = async (): Promise<string> => {
      for (let i = 0; i < 100 && !/\r\n\r\n[\s\S]*\n$/.test(received); i++) await new Promise((r) => setTimeout(r, 20));
      const head = received;
      received = '';
      return head.toLowerCase();
    };
    socket.write('GET / HTTP/1.1\r\nHost: pod\r\n\r\n');
    const first = await answer();
    expect(first).toMatch(/^http\/1\.1 200/);
    // The promise a client may rely on: reusing this connection within 5 s is safe.
    expect(first).toContain('keep-alive: timeout=5');
    // Idle 1.5 s (well inside the promise), then SIGTERM; the client reuses it 0.6 s later, as a
    // client whose next request comes along then would.
    await new Promise((r) => setTimeout(r, 1500));
    const sigtermAt = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 600));
    expect(closedAt, 'the app closed the idle connection before the keep-alive timeout it advertised').toBeNull();
    socket.write('GET / HTTP/1.1\r\nHost: pod\r\n\r\n');
    const second = await answer();
    expect(second).toMatch(/^http\/1\.1 200/);
    expect(second).toContain('connection: close');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(Date.now() - sigtermAt).toBeLessThan(5000);
    socket.destroy();
  });

  it('drops no request of keep-alive clients that keep sending through SIGTERM, then exits 0', async () => {
    const { port, child, log } = await startApp({ ON_SIGTERM: 'drain', DRAIN_MS: '0' });
    const exited = once(child, 'exit');

    // 8 keep-alive connections, each sending its next request as soon as the last one answered:
    // exactly the clients a terminating pod still has when its endpoints are already gone.
    // A request that hangs fails after 5 s (a hang is a finding, not a test timeout).
    const dispatcher = new Agent({ connections: 8, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 5000, bodyTimeout: 5000 });
    let ok = 0;
    const errors: string[] = [];
    let stop = false;
    const loop = async (): Promise<void> => {
      while (!stop) {
        try {
          const res = await request(`http://127.0.0.1:${port}/`, { dispatcher });
          await res.body.text();
          if (res.statusCode === 200) ok++;
          // Draining: this connection closes after its answer. A real client's next connection
          // goes to another pod (the endpoint is gone); here it would race the listener's close
          // (a connection still in the accept queue is reset), which is not what this tests.
          if (res.headers['connection'] === 'close') break;
        } catch (err) {
          // after the app is gone every new connection is refused: that is not a dropped request
          if ((err as { code?: string }).code === 'ECONNREFUSED') break;
          errors.push((err as { code?: string }).code ?? String(err));
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    // SIGTERM lands in steady traffic: once 100 requests were answered (bounded: a loaded machine
    // is slow, not stuck), not after a fixed time that a loaded machine may spend starting up.
    for (const until = Date.now() + 15_000; ok < 100 && errors.length === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    const beforeSigterm = ok;
    child.kill('SIGTERM');
    const [code] = await exited;
    stop = true;
    await Promise.all(loops);
    // The app is gone: nothing left to wait for on its connections.
    await dispatcher.destroy();

    expect(errors).toEqual([]);
    expect(beforeSigterm).toBeGreaterThanOrEqual(100);
    expect(code).toBe(0);
    expect(log()).toMatch(/got SIGTERM[\s\S]*draining[\s\S]*exiting code=0/);
  });
});
