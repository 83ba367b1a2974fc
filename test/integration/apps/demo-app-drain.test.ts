import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';

const app = fileURLToPath(new URL('../../../scenarios/apps/demo-app.mjs', import.meta.url));

describe('demo app, ON_SIGTERM=drain', () => {
  it('drops no request of keep-alive clients that keep sending through SIGTERM, then exits 0', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(process.execPath, [app], { env: { ...process.env, PORT: String(port), POD_IP: '127.0.0.1', ON_SIGTERM: 'drain', DRAIN_MS: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    for (let i = 0; i < 100 && !log.includes('ready'); i++) await new Promise((r) => setTimeout(r, 50));
    const exited = once(child, 'exit');

    // 8 keep-alive connections, each sending its next request as soon as the last one answered:
    // exactly the clients a terminating pod still has when its endpoints are already gone.
    const dispatcher = new Agent({ connections: 8, pipelining: 1, keepAliveTimeout: 30_000 });
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
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGTERM');
    const [code] = await exited;
    stop = true;
    await Promise.all(loops);
    await dispatcher.close();

    expect(errors).toEqual([]);
    expect(ok).toBeGreaterThan(100);
    expect(code).toBe(0);
    expect(log).toMatch(/got SIGTERM[\s\S]*draining[\s\S]*exiting code=0/);
  });
});
