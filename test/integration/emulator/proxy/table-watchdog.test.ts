import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runNft } from '../../../../src/emulator/proxy/nft-dataplane.js';

const fixture = fileURLToPath(new URL('./fixtures/program-table.ts', import.meta.url));

async function tables(): Promise<string[]> {
  return (await runNft(['list', 'tables'])).split('\n').map((l) => l.trim().replace(/^table ip /, '')).filter(Boolean);
}

describe('the nftables dataplane after its emulator is killed', () => {
  it('leaves no table behind: the table watchdog deletes it when the emulator process dies by SIGKILL', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!out.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const table = out.split('\n')[0] ?? '';
    expect(table, 'the fixture never programmed its table (is nft installed? apt-get install nftables)').toMatch(/^zerodrop_/);
    expect(await tables()).toContain(table);

    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    // Bounded: the watchdog sees end-of-file at once; nft takes a moment on a loaded machine.
    const until = Date.now() + 10_000;
    while ((await tables()).includes(table) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(await tables()).not.toContain(table);
  }, 40_000);
});
