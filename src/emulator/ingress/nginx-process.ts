import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { delimiter, join } from 'node:path';
import { startPipeWatchdog, type PipeWatchdog } from '../pipe-watchdog.js';

/** Folders of Debian's administration programs: nginx lives in /usr/sbin, often off a user's PATH. */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The Debian package that brings the nginx the ingress controller runs. */
export const NGINX_PACKAGE = 'nginx-light';

/** What to do when nginx is missing, in one sentence. */
export const NGINX_INSTALL_HINT = `install the Debian package ${NGINX_PACKAGE} (apt-get install ${NGINX_PACKAGE}) or point the emulator at an nginx binary (emulator config nginxPath)`;

/**
 * Finds the nginx binary: `explicit` if given, else the first executable `nginx` on `searchPath`
 * (a PATH string) and then in the sbin folders. Undefined when there is none.
 */
export function findNginx(searchPath: string | undefined, explicit?: string): string | undefined {
  const candidates = explicit !== undefined ? [explicit] : [...(searchPath ?? '').split(delimiter).filter((d) => d !== ''), ...SBIN_DIRS].map((d) => join(d, 'nginx'));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1, as the kernel hands out for port 0 (free now; nginx binds it next). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The watchdog of one nginx instance, as the pods and the nftables table have theirs: a detached
 * process holding the read end of a pipe from the emulator. When the pipe reaches end-of-file —
 * the emulator stopped or died, even by SIGKILL — it kills nginx's process group (master and
 * workers) and exits, so no nginx outlives the emulator that started it.
 */
const NGINX_WATCHDOG_SOURCE = String.raw`
'use strict';
const pgid = Number(process.argv[1]);
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(s, () => {});
const done = () => {
  try { process.kill(-pgid, 'SIGKILL'); } catch {}
  process.exit(0);
};
process.stdin.on('data', () => {});
process.stdin.on('end', done);
process.stdin.on('close', done);
process.stdin.on('error', done);
`;

/** Starts the watchdog of nginx's process group; losing the pipe (the emulator died) makes it kill the group. */
function watchProcessGroup(pgid: number): PipeWatchdog {
  return startPipeWatchdog(NGINX_WATCHDOG_SOURCE, [String(pgid)]);
}

/** A running nginx master (and its workers), the emulator's child. */
export interface NginxInstance {
  /** The master's pid (also its process group). */
  readonly pid: number;
  /** Writes a new nginx.conf and reloads gracefully (SIGHUP); resolves once the new workers started (bounded). */
  reload(config: string): Promise<void>;
  /** Fast shutdown (SIGTERM), SIGKILL to the group after `graceMs`; resolves when the master is gone. */
  stop(graceMs?: number): Promise<void>;
  /** True once the master exited. */
  readonly exited: boolean;
  /** Resolves when the master exits (stopped or died). */
  readonly whenExited: Promise<void>;
}

/** Options of {@link startNginx}. */
export interface StartNginxOptions {
  binary: string;
  /** The instance's own directory (created; temp directories and the pid file go there). */
  prefix: string;
  /** The first configuration. */
  config: string;
  /** nginx's warnings and errors, one line each. */
  log: (line: string) => void;
}

const STARTED_WORKER = /start worker process (\d+)/;
const BIND_FAILED = /bind\(\) to [^ ]+ failed \(98/;

/** Error thrown when nginx could not bind its port (the caller retries with another). */
export class NginxBindError extends Error {}

/**
 * Starts nginx in the foreground (`daemon off`) as a child in its own process group, with its
 * own prefix, and waits until its first worker runs. Rejects when nginx exits first (its last
 * error lines in the message; NginxBindError when the port was taken meanwhile).
 */
export async function startNginx(opts: StartNginxOptions): Promise<NginxInstance> {
  await mkdir(opts.prefix, { recursive: true });
  // Workers may run as another user than the master (nginx's `user`): they must reach the prefix.
  await chmod(opts.prefix, 0o755);
  const confPath = join(opts.prefix, 'nginx.conf');
  await writeFile(confPath, opts.config);
  const child: ChildProcess = spawn(opts.binary, ['-p', `${opts.prefix}/`, '-c', confPath, '-e', 'stderr'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let exited = false;
  const lastErrors: string[] = [];
  const workerWaiters: Array<() => void> = [];
  let buf = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (STARTED_WORKER.test(line)) for (const w of workerWaiters.splice(0)) w();
      // [notice] lines (signals, workers coming and going) are nginx's routine; warnings and worse are worth a log line.
      if (!line.includes('[notice]')) {
        opts.log(line);
        lastErrors.push(line);
        if (lastErrors.length > 5) lastErrors.shift();
      }
    }
  });
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (e) => {
      exited = true;
      lastErrors.push(e.message);
      resolve();
    });
  });
  const nextWorker = (timeoutMs: number): Promise<boolean> =>
    new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      t.unref();
      workerWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
      void exit.then(() => resolve(false));
    });
  const started = await nextWorker(15_000);
  if (!started || exited) {
    if (!exited) child.kill('SIGKILL');
    await exit;
    const why = lastErrors.join(' | ') || 'no output';
    if (lastErrors.some((l) => BIND_FAILED.test(l))) throw new NginxBindError(`nginx could not bind its port: ${why}`);
    throw new Error(`nginx (${opts.binary}) did not start: ${why}`);
  }
  const pid = child.pid as number;
  const watchdog = watchProcessGroup(pid);
  let reloading: Promise<void> = Promise.resolve();
  return {
    pid,
    get exited() {
      return exited;
    },
    whenExited: exit,
    reload(config: string): Promise<void> {
      reloading = reloading.then(async () => {
        if (exited) throw new Error('nginx is not running');
        await writeFile(confPath, config);
        const worker = nextWorker(10_000);
        child.kill('SIGHUP');
        if (!(await worker)) opts.log('nginx: no new worker within 10 s of a reload (configuration rejected?)');
      });
      return reloading;
    },
    async stop(graceMs = 3000): Promise<void> {
      if (!exited) {
        child.kill('SIGTERM');
        const t = setTimeout(() => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        }, graceMs);
        await exit;
        clearTimeout(t);
      }
      // Workers may linger a moment after the master: the group goes as a whole.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // none left
      }
      await watchdog.dismiss();
    },
  };
}
