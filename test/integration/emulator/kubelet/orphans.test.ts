import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { alive, waitFor } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/run-kubelet.ts', import.meta.url));

describe('kubelet orphans', () => {
  it('leaves no pod process alive after its emulator process is SIGKILLed', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const info = await waitFor('pod running in child', () => (out.includes('\n') ? (JSON.parse(out.split('\n')[0]!) as { appPid: number; pgid: number }) : undefined), 20_000);
    expect(alive(info.appPid)).toBe(true);
    expect(alive(-info.pgid)).toBe(true);
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    await waitFor('app gone', () => !alive(info.appPid), 5000);
    await waitFor('group gone', () => !alive(-info.pgid), 5000);
  });
});
