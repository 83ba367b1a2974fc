import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { Report } from '../report/model.js';
import { redactDeep, redactHeaders, secretsOfScenario } from '../redact.js';
import type { Scenario } from '../scenario/types.js';
import { packageRoot } from '../version.js';

/**
 * The git commit zerodrop itself was built from, when it runs from a checkout: only when its
 * package root is the top of a git work tree, so an installed copy (node_modules/zerodrop inside
 * the user's repository) never reports the user's commit as its own.
 */
export function toolGitFacts(root: string = packageRoot()): Report['meta']['git'] {
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  if (top.status !== 0 || !sameDir(top.stdout.trim(), root)) return undefined;
  const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  if (rev.status !== 0 || !/^[0-9a-f]{40}$/.test(rev.stdout.trim())) return undefined;
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  return { commit: rev.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== '' : true };
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/** The machine that generated the load. */
export function machineFacts(): NonNullable<Report['meta']['machine']> {
  return { hostname: hostname(), platform: process.platform, arch: process.arch, cpus: availableParallelism(), node: process.version };
}

/**
 * The scenario as run, for the audit record: secrets redacted (URL credentials and secret
 * parameters, secret headers, secrets in the trigger's command line), and without the signing
 * key's path, which says how the record is sealed, not what was measured.
 */
export function scenarioAsRun(scenario: Scenario): unknown {
  const { signKey: _signKey, ...report } = scenario.report;
  const safe = { ...scenario, target: { ...scenario.target, headers: redactHeaders(scenario.target.headers) }, report };
  return redactDeep(safe, secretsOfScenario(scenario));
}
