// What each npm command needs from the machine beyond Node and npm, and what to do when something
// is missing. Plain JavaScript with no dependency: it runs before `npm run build`, and before
// anything else of `npm test`, `npm run demo` and `npm run bench` (scripts/ensure-system-deps.mjs).
// The decisions are pure functions (tested in test/unit/scripts/system-deps.test.ts); probing the
// machine and running apt-get live in the ensure script.

/**
 * The one table: per command, the Debian packages it needs (how to tell one is there, and why it
 * is needed), and whether it must run as root. To add a requirement, add a row here.
 * A probe is one of: `{ program }` (an executable on PATH), `{ file, env }` (an executable file,
 * whose path the variable `env` may override), `{ run }` (a command that exits 0).
 */
export const REQUIREMENTS = {
  test: {
    root: 'the tests of the nftables dataplane write kernel rules (CAP_NET_ADMIN)',
    packages: [
      { package: 'nftables', probe: { program: 'nft' }, why: "the emulator's kernel Service dataplane" },
      { package: 'kubernetes-client', probe: { program: 'kubectl' }, why: 'kubectl drives the emulator as it drives a cluster' },
      { package: 'chromium', probe: { file: '/usr/bin/chromium', env: 'ZERODROP_CHROMIUM' }, why: 'the browser tests of report.html (playwright-core drives it)' },
      { package: 'openssl', probe: { program: 'openssl' }, why: 'the TLS tests make their certificates with it' },
      // A file, not a program on PATH: the emulator's ingress controller finds nginx in /usr/sbin by itself.
      { package: 'nginx-light', probe: { file: '/usr/sbin/nginx' }, why: "the emulator's ingress controller runs a real nginx" },
      { package: 'python3-kubernetes', probe: { run: ['/usr/bin/python3', '-c', 'import kubernetes'] }, why: "the Python client (Debian's, run by /usr/bin/python3) against the emulator" },
    ],
  },
  // The demo needs nothing more: without root or nft, the emulator uses its userspace dataplane.
  demo: { packages: [] },
  bench: {
    packages: [
      { package: 'nginx-light', probe: { program: 'nginx' }, why: 'the target that outruns every client' },
      { package: 'wrk', probe: { program: 'wrk' }, why: 'the C reference client' },
      { package: 'util-linux', probe: { program: 'taskset' }, why: 'pins the target and the clients to their cores' },
      { package: 'nghttp2-client', probe: { program: 'h2load' }, why: 'h2load, the C reference client of the HTTP/2 bench' },
      { package: 'openssl', probe: { program: 'openssl' }, why: "the HTTP/2 bench's nginx gets a certificate made with it" },
    ],
  },
};

/** How a user starts each command (used in messages). */
export const COMMAND_LINES = { test: 'npm test', demo: 'npm run demo', bench: 'npm run bench' };

/** Folders of Debian's administration programs (nft, nginx), often missing from a user's PATH. */
export const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The environment variable that turns installing off (report what is missing and stop). */
export const NO_INSTALL_ENV = 'ZERODROP_NO_INSTALL';

/** What a row's probe looks for, in words (`nft`, `/usr/bin/chromium`, ...). */
export function describeProbe(probe, env = {}) {
  if ('program' in probe) return probe.program;
  if ('file' in probe) return (probe.env && env[probe.env]) || probe.file;
  return probe.run.join(' ');
}

/**
 * The rows of `command` whose probe fails; a row whose program `locate` finds off PATH (e.g. in
 * /usr/sbin) carries `foundAt`, its path.
 */
export function findMissing(command, isPresent, table = REQUIREMENTS, locate = () => undefined) {
  const needs = table[command];
  if (needs === undefined) throw new Error(`unknown command '${command}' (expected one of ${Object.keys(table).join(', ')})`);
  return needs.packages
    .filter((row) => !isPresent(row.probe))
    .map((row) => {
      const foundAt = 'program' in row.probe ? locate(row.probe.program) : undefined;
      return foundAt === undefined ? row : { ...row, foundAt };
    });
}

/** `a.b.c` >= `x.y.z`, numerically. */
export function versionAtLeast(version, min) {
  const a = version.replace(/^v/, '').split('.').map(Number);
  const b = min.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

const shellQuote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The apt-get command line that installs `packages` (with `sudo` when not root). */
export function aptCommandLine(packages, sudo) {
  const p = sudo ? 'sudo ' : '';
  return `${p}apt-get update && ${p}apt-get install -y ${packages.map(shellQuote).join(' ')}`;
}

/**
 * What to do, given what is missing and what this machine allows: nothing (`ok`), install the
 * missing packages with apt-get (`install`: as root, apt-get present, installing not turned off),
 * or stop before running anything (`stop`), with lines that say what is missing, why, and the
 * exact command to run.
 */
export function decide({ command, missing, isRoot, hasAptGet, noInstall, node, env = {} }) {
  const needs = REQUIREMENTS[command] ?? { packages: [] };
  const cmdLine = COMMAND_LINES[command] ?? command;
  const rootMissing = needs.root !== undefined && !isRoot;
  const nodeTooOld = node !== undefined && !versionAtLeast(node.version, node.min);
  if (missing.length === 0 && !rootMissing && !nodeTooOld) return { action: 'ok', lines: [] };

  const lines = [];
  if (nodeTooOld) {
    lines.push(`\`${cmdLine}\` needs Node.js >= ${node.min}; this is Node.js ${node.version}.`);
    lines.push(`  Install a newer Node.js (https://nodejs.org/en/download, or Debian/Ubuntu packages from https://github.com/nodesource/distributions), then run \`${cmdLine}\` again.`);
    return { action: 'stop', lines };
  }
  const item = (row) => `  - ${row.package} (${describeProbe(row.probe, env)}): ${row.why}`;
  // Installed but not on this PATH (Debian keeps nft and nginx in /usr/sbin, which a user's PATH
  // often lacks): installing again would not help; the PATH must name their folder.
  const offPath = missing.filter((row) => row.foundAt !== undefined);
  const notInstalled = missing.filter((row) => row.foundAt === undefined);
  const offPathDirs = [...new Set(offPath.map((row) => row.foundAt.slice(0, row.foundAt.lastIndexOf('/'))))];
  const offPathLines = offPath.map((row) => `  - ${describeProbe(row.probe, env)} is at ${row.foundAt}, not on PATH (${row.package}): ${row.why}`);
  const list = notInstalled.map(item);
  const packages = notInstalled.map((row) => row.package);

  if (rootMissing) {
    lines.push(`\`${cmdLine}\` must run as root: ${needs.root}.`);
    if (offPath.length > 0) lines.push('It also needs programs that are installed but not on PATH:', ...offPathLines);
    if (notInstalled.length > 0) lines.push('It also needs Debian packages this machine does not have:', ...list);
    // sudo keeps the PATH given here; Debian's root programs (nft) live in the sbin folders.
    const have = (env.PATH ?? '').split(':');
    const extra = [...new Set([...SBIN_DIRS, ...offPathDirs])].filter((d) => !have.includes(d));
    lines.push(`Run it as root (as root it installs missing packages itself with apt-get):`);
    lines.push(`  sudo env "PATH=$PATH${extra.map((d) => `:${d}`).join('')}" ${cmdLine}`);
    return { action: 'stop', lines };
  }
  if (offPath.length > 0) {
    lines.push(`\`${cmdLine}\` needs programs that are installed but not on PATH:`, ...offPathLines);
    if (notInstalled.length > 0) {
      lines.push('and Debian packages this machine does not have; install them:', ...list);
      lines.push(`  ${aptCommandLine(packages, !isRoot)}`);
    }
    lines.push(`Add ${offPathDirs.join(' and ')} to PATH, then run \`${cmdLine}\` again:`);
    lines.push(`  export PATH="$PATH:${offPathDirs.join(':')}"`);
    return { action: 'stop', lines };
  }
  if (isRoot && hasAptGet && !noInstall) {
    return { action: 'install', packages, lines: [`\`${cmdLine}\` needs Debian packages this machine does not have; installing them with apt-get:`, ...list] };
  }
  lines.push(`\`${cmdLine}\` needs Debian packages this machine does not have:`, ...list);
  if (!hasAptGet) {
    lines.push(`There is no apt-get here: install the programs above with your system's package manager (the names above are Debian's), then run \`${cmdLine}\` again.`);
  } else if (isRoot && noInstall) {
    lines.push(`${NO_INSTALL_ENV} is set, so they are not installed. Install them, then run \`${cmdLine}\` again:`);
    lines.push(`  ${aptCommandLine(packages, false)}`);
  } else {
    lines.push(`Install them (or run \`${cmdLine}\` as root, which installs them itself), then run \`${cmdLine}\` again:`);
    lines.push(`  ${aptCommandLine(packages, true)}`);
  }
  return { action: 'stop', lines };
}
