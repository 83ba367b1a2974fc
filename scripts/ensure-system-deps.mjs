#!/usr/bin/env node
// The prerequisite step of `npm test`, `npm run demo` and `npm run bench` (and so of .ci/run):
// checks what the command needs from the machine (scripts/system-deps.mjs holds the one table),
// installs what is missing when it can (root and apt-get: `apt-get update` once, then one
// noninteractive `apt-get install`), and otherwise stops before anything runs, saying what is
// missing, why, and the exact command to run. ZERODROP_NO_INSTALL=1 turns installing off.
//
//   node scripts/ensure-system-deps.mjs test|demo|bench
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { COMMAND_LINES, NO_INSTALL_ENV, REQUIREMENTS, SBIN_DIRS, decide, findMissing } from './system-deps.mjs';

const PREFIX = 'zerodrop prerequisites:';
const env = process.env;

function isExecutableFile(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** An executable named `name` in one of PATH's folders (what `command -v` finds). */
function onPath(name) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutableFile(join(dir, name)));
}

/** A program installed in an sbin folder, for when PATH lacks it (a user's PATH on Debian does). */
function locate(name) {
  return SBIN_DIRS.map((dir) => join(dir, name)).find(isExecutableFile);
}

function isPresent(probe) {
  if ('program' in probe) return onPath(probe.program);
  if ('file' in probe) return isExecutableFile((probe.env && env[probe.env]) || probe.file);
  const [cmd, ...args] = probe.run;
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

function say(lines, stream = process.stderr) {
  for (const line of lines) stream.write(`${PREFIX} ${line}\n`);
}

function apt(args) {
  say([`apt-get ${args.join(' ')}`]);
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

const command = process.argv[2];
if (command === undefined || !(command in REQUIREMENTS)) {
  say([`usage: node scripts/ensure-system-deps.mjs ${Object.keys(REQUIREMENTS).join('|')}`]);
  process.exit(2);
}

const engines = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).engines?.node ?? '';
const minNode = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(engines.trim())?.[1];
const facts = {
  command,
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  hasAptGet: onPath('apt-get'),
  noInstall: (env[NO_INSTALL_ENV] ?? '') !== '' && env[NO_INSTALL_ENV] !== '0',
  env,
  ...(minNode === undefined ? {} : { node: { version: process.versions.node, min: minNode } }),
};

const plan = decide({ ...facts, missing: findMissing(command, isPresent, REQUIREMENTS, locate) });
if (plan.action === 'ok') process.exit(0);
say(plan.lines);
if (plan.action === 'stop') {
  say([`stopped before running \`${COMMAND_LINES[command]}\`.`]);
  process.exit(1);
}

if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...plan.packages])) {
  say([`apt-get failed (see above): \`${COMMAND_LINES[command]}\` cannot run without ${plan.packages.join(', ')}.`]);
  process.exit(1);
}
const still = findMissing(command, isPresent, REQUIREMENTS, locate);
if (still.length > 0) {
  const where = (r) => (r.foundAt === undefined ? '' : `, installed at ${r.foundAt} but that folder is not on PATH`);
  say([`installed, but still missing: ${still.map((r) => `${r.package} (${r.why}${where(r)})`).join('; ')}. Check the apt-get output above.`]);
  process.exit(1);
}
say([`installed ${plan.packages.join(', ')}.`]);
