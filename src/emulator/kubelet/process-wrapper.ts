/**
 * The watchdog every container process runs under. The kubelet spawns it detached (so it leads a
 * new process group, the emulator's stand-in for a container's cgroup) with a control pipe on
 * fd 3. The wrapper starts the real command in the same group and:
 *  - reports `{"type":"started","pid":N}` and `{"type":"exit","code":C,"signal":S}` on fd 3;
 *  - ignores SIGTERM/SIGINT/SIGHUP itself (the group signal reaches the app directly, and the
 *    wrapper must outlive the app to report its exit);
 *  - when the app exits, kills whatever the app left in the group (a container's cgroup dies with
 *    its main process);
 *  - when fd 3 reaches end-of-file, i.e. the emulator process died, even by SIGKILL, kills the
 *    whole group at once, so no pod process outlives its emulator.
 * It is CommonJS source run with `node -e` so that it needs no file on disk (works from src and
 * dist alike) and no build.
 */
export const WRAPPER_SOURCE = String.raw`
'use strict';
(() => {
const { spawn } = require('node:child_process');
const net = require('node:net');
const [cmd, ...args] = process.argv.slice(1);
const killGroup = () => {
  try { process.kill(-process.pid, 'SIGKILL'); } catch {}
  process.exit(137);
};
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => {});
const ctl = new net.Socket({ fd: 3, readable: true, writable: true });
let exiting = false;
ctl.on('data', () => {});
ctl.on('end', () => { if (!exiting) killGroup(); });
ctl.on('close', () => { if (!exiting) killGroup(); });
ctl.on('error', () => { if (!exiting) killGroup(); });
const report = (msg, then) => {
  try { ctl.write(JSON.stringify(msg) + '\n', then); } catch { then(); }
};
let child;
try {
  child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (e) {
  exiting = true;
  report({ type: 'error', code: e.code || 'EINVAL', message: String(e.message) }, () => process.exit(128));
  return;
}
child.on('spawn', () => report({ type: 'started', pid: child.pid }, () => {}));
child.on('error', (e) => {
  exiting = true;
  report({ type: 'error', code: e.code || 'ERROR', message: String(e.message) }, () => process.exit(128));
});
child.on('exit', (code, signal) => {
  exiting = true;
  report({ type: 'exit', code, signal }, () => {
    // The app is gone: take down anything it left behind in its group, and ourselves with it.
    killGroup();
  });
});
})();
`;
