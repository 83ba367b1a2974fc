import { spawnSync } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import type { Report } from '../report/model.js';
import { redactDeep, redactHeaders, secretsOfScenario } from '../redact.js';
import type { Scenario } from '../scenario/types.js';
import { packageRoot } from '../version.js';

/** The git commit zerodrop itself was built from, when it runs from a checkout. */
export function toolGitFacts(): Report['meta']['git'] {
  const root = packageRoot();
  const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  if (rev.status !== 0 || !/^[0-9a-f]{40}$/.test(rev.stdout.trim())) return undefined;
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', timeout: 5000 });
  return { commit: rev.stdout.trim(), dirty: status.status === 0 ? status.stdout.trim() !== '' : true };
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
