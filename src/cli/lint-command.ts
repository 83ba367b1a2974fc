import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Table from 'cli-table3';
import { EXIT, InvalidInputError, type ExitCode } from '../errors.js';
import type { Finding } from '../rollout/lint.js';
import { lintManifests, type ManifestLint } from '../rollout/lint-manifests.js';
import { preflightDetails } from '../rollout/preflight.js';
import { openClusterSession } from '../runner/cluster-session.js';
import type { CliIo } from './io.js';
import { scenarioFromArgs, type RunArgs } from './run-command.js';

/** Parsed arguments of `zerodrop lint`. */
export interface LintArgs extends Omit<RunArgs, 'format'> {
  file?: string[] | undefined;
  format: 'console' | 'json' | Array<'console' | 'json'>;
  failOn: 'error' | 'warning';
}

const SEVERITY_ORDER: Record<Finding['severity'], number> = { error: 0, warning: 1, info: 2 };

function renderLint(results: ManifestLint[], width: number): string {
  const out: string[] = [];
  for (const r of results) {
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const warnings = r.findings.filter((f) => f.severity === 'warning').length;
    const svcs = r.services.map((s) => `service/${s}`).join(', ');
    out.push(`deployment/${r.deployment}${svcs ? ` (${svcs})` : ''}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    if (r.findings.length === 0) {
      out.push('  ready for zero-downtime rollouts: nothing to report');
      continue;
    }
    const table = new Table({ head: ['severity', 'object', 'finding', 'fix'], colWidths: [10, 24, Math.max(30, Math.floor((width - 40) / 2)), Math.max(30, Math.floor((width - 40) / 2))], wordWrap: true, style: { head: [], border: [] } });
    for (const f of [...r.findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])) table.push([f.severity, f.object, f.message, f.fix]);
    out.push(table.toString());
  }
  return out.join('\n');
}

/**
 * `zerodrop lint`: checks a Deployment (and its Service) for zero-downtime readiness without
 * sending traffic — from manifest files offline, or from the cluster. Exits 1 when a finding is
 * at or above --fail-on, so it can gate CI alone.
 */
export async function lintCommand(args: LintArgs, io: CliIo): Promise<ExitCode> {
  let results: ManifestLint[];
  if (args.file !== undefined && args.file.length > 0) {
    const files = args.file.map((f) => {
      const path = resolve(io.cwd, f);
      try {
        return { path, text: readFileSync(path, 'utf8') };
      } catch (err) {
        throw new InvalidInputError([{ path: '--file', message: `cannot read ${path}: ${(err as Error).message}` }]);
      }
    });
    results = lintManifests(files, { deployment: args.deployment, service: args.service });
  } else {
    const scenario = scenarioFromArgs({ ...args, format: undefined, url: args.url ?? 'http://lint.invalid/' }, io.cwd);
    if (!scenario.kubernetes) {
      throw new InvalidInputError([{ path: '--deployment', message: 'name what to lint: manifest files with -f, or a Deployment in the cluster with --deployment (or a scenario with a kubernetes section)' }]);
    }
    const controller = new AbortController();
    const unregister = io.onInterrupt(() => controller.abort());
    const session = await openClusterSession(scenario.kubernetes, scenario.target, { signal: controller.signal });
    try {
      // Read again to learn which Services were linted (the session keeps only the findings).
      const k = scenario.kubernetes;
      const pre = await preflightDetails(session.cluster, { deployment: k.deployment, namespace: session.namespace, ...(k.service === undefined ? {} : { service: k.service }) });
      results = [{ deployment: k.deployment, service: pre.services[0], services: pre.services, findings: pre.findings }];
    } finally {
      unregister();
      await session.stop();
    }
  }
  // The shared run options declare --format as an array, so yargs hands lint ['json'], not 'json'.
  const format = ([] as string[]).concat(args.format).at(-1);
  io.stdout.write(`${format === 'json' ? JSON.stringify(results, null, 2) : renderLint(results, io.stdout.columns ?? 120)}\n`);
  const failing = results.some((r) => r.findings.some((f) => SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[args.failOn]));
  return failing ? EXIT.fail : EXIT.pass;
}
