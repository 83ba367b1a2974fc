// Types of scripts/system-deps.mjs (plain JavaScript: it runs before the build), for its tests.

/** How to tell a requirement is met: a program on PATH, an executable file, or a command that exits 0. */
export type Probe = { program: string } | { file: string; env?: string } | { run: string[] };

/** One Debian package a command needs, how to tell it is there, and why it is needed. */
export interface PackageRow {
  package: string;
  probe: Probe;
  why: string;
}

/** What one command needs: packages, and (with the reason) root. */
export interface CommandNeeds {
  root?: string;
  packages: PackageRow[];
}

/** The one table: what each command needs. */
export declare const REQUIREMENTS: Record<'test' | 'demo' | 'bench', CommandNeeds>;

/** How a user starts each command (used in messages). */
export declare const COMMAND_LINES: Record<'test' | 'demo' | 'bench', string>;

/** Folders of Debian's administration programs, often missing from a user's PATH. */
export declare const SBIN_DIRS: string[];

/** The environment variable that turns installing off. */
export declare const NO_INSTALL_ENV: string;

/** What a row's probe looks for, in words. */
export declare function describeProbe(probe: Probe, env?: Record<string, string | undefined>): string;

/** A row whose probe failed; `foundAt` when its program is installed off PATH. */
export interface MissingRow extends PackageRow {
  foundAt?: string;
}

/** The rows of `command` whose probe fails; `locate` finds a program off PATH. */
export declare function findMissing(command: string, isPresent: (probe: Probe) => boolean, table?: Record<string, CommandNeeds>, locate?: (program: string) => string | undefined): MissingRow[];

/** `a.b.c` >= `x.y.z`, numerically. */
export declare function versionAtLeast(version: string, min: string): boolean;

/** The apt-get command line that installs `packages` (with `sudo` when not root). */
export declare function aptCommandLine(packages: string[], sudo: boolean): string;

/** What the machine is like, and what is missing. */
export interface DecideInput {
  command: string;
  missing: MissingRow[];
  isRoot: boolean;
  hasAptGet: boolean;
  noInstall: boolean;
  node?: { version: string; min: string };
  env?: Record<string, string | undefined>;
}

/** What to do: nothing, install these packages, or stop (with the lines to print). */
export type Decision = { action: 'ok'; lines: string[] } | { action: 'install'; packages: string[]; lines: string[] } | { action: 'stop'; lines: string[] };

/** Decides what to do, given what is missing and what the machine allows. */
export declare function decide(input: DecideInput): Decision;
