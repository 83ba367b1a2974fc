import { spawn, spawnSync } from 'node:child_process';
import type { ServicePortRule } from './endpoints.js';
import { renderRuleset, tableName, tableOwnerPid } from './nft-ruleset.js';
import { startPipeWatchdog, type PipeWatchdog } from '../pipe-watchdog.js';

/** Runs `nft` with a script on stdin; rejects with nft's message. */
export function runNft(args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('nft', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    // nft may exit before reading its stdin (a command that takes none, or an early failure):
    // the EPIPE says nothing the exit code does not, and must not go unhandled.
    p.stdin.on('error', () => {});
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`nft ${args.join(' ')} failed (${String(code)}): ${err.trim()}`))));
    p.stdin.end(stdin ?? '');
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the kernel dataplane can run here: Linux, root, an `nft` that can create and delete a
 * table in this network namespace. Answers the reason when it cannot.
 */
export async function nftablesSupport(): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.platform !== 'linux') return { ok: false, reason: `platform ${process.platform} has no nftables` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: 'not root (nftables needs CAP_NET_ADMIN)' };
  const probe = tableName('probe', process.pid);
  try {
    await runNft(['-f', '-'], `add table ip ${probe}\ndelete table ip ${probe}\n`);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: (e as Error).message.includes('ENOENT') ? '`nft` not found (Debian: apt-get install nftables)' : (e as Error).message };
  }
}

/** Deletes `zerodrop_*` tables whose owner process is gone (emulators that died without cleaning up); returns their names. */
export async function removeStaleTables(log: (m: string) => void): Promise<string[]> {
  const listing = await runNft(['list', 'tables']);
  const removed: string[] = [];
  for (const line of listing.split('\n')) {
    const m = /^table ip (\S+)$/.exec(line.trim());
    if (!m || m[1] === undefined) continue;
    const pid = tableOwnerPid(m[1]);
    if (pid === undefined || pid === process.pid || pidAlive(pid)) continue;
    try {
      await runNft(['delete', 'table', 'ip', m[1]]);
      removed.push(m[1]);
      log(`proxy: removed stale nftables table ${m[1]} (owner pid ${pid} is gone)`);
    } catch {
      // someone else removed it meanwhile
    }
  }
  return removed;
}

const liveTables = new Set<string>();
let exitHookInstalled = false;

/**
 * The watchdog of one nftables table, as the pods have theirs (kubelet/process-wrapper.ts): a small
 * detached process holding the read end of a pipe from the emulator. When the pipe reaches
 * end-of-file — the emulator stopped or died, even by SIGKILL or the OOM killer — it deletes the
 * table and exits, so no Service rule outlives the emulator that programmed it. It ignores the
 * terminal's signals: the emulator's own orderly stop deletes the table first.
 */
const TABLE_WATCHDOG_SOURCE = String.raw`
'use strict';
const { spawnSync } = require('node:child_process');
const table = process.argv[1];
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const done = () => {
  spawnSync('nft', ['delete', 'table', 'ip', table], { stdio: 'ignore' });
  process.exit(0);
};
process.stdin.on('data', () => {});
process.stdin.on('end', done);
process.stdin.on('close', done);
process.stdin.on('error', done);
`;

/** Starts the watchdog of `table`; losing the pipe (the emulator died) makes it remove the table. */
function watchTable(table: string): PipeWatchdog {
  return startPipeWatchdog(TABLE_WATCHDOG_SOURCE, [table]);
}

/** The kernel dataplane: one nftables table per proxy instance, replaced atomically on every sync. */
export class NftDataplane {
  readonly table: string;
  private running: Promise<void> = Promise.resolve();
  private latest: readonly ServicePortRule[] | undefined;
  private stopped = false;
  private watchdog: { dismiss(): Promise<void> } | undefined;

  constructor(
    instanceId: string,
    private readonly log: (m: string) => void,
  ) {
    this.table = tableName(instanceId, process.pid);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      // A normal exit cleans up synchronously; after a crash the table's watchdog removes it (and,
      // should that fail too, the next start does).
      process.on('exit', () => {
        for (const t of liveTables) spawnSync('nft', ['delete', 'table', 'ip', t], { stdio: 'ignore' });
      });
    }
  }

  /** Programs the rules; concurrent calls coalesce so the newest rules win. */
  apply(rules: readonly ServicePortRule[]): Promise<void> {
    this.latest = rules;
    this.running = this.running.then(async () => {
      const r = this.latest;
      if (r === undefined || this.stopped) return;
      this.latest = undefined;
      liveTables.add(this.table);
      this.watchdog ??= watchTable(this.table);
      await runNft(['-f', '-'], renderRuleset(this.table, r, `zerodrop emulator service proxy, owner pid ${process.pid}`)).catch((e: Error) => this.log(`proxy: nft sync failed: ${e.message}`));
    });
    return this.running;
  }

  /** Deletes the table. Established connections keep their conntrack entries (as after kube-proxy stops). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    liveTables.delete(this.table);
    await runNft(['delete', 'table', 'ip', this.table]).catch(() => undefined);
    await this.watchdog?.dismiss();
    this.watchdog = undefined;
  }
}
