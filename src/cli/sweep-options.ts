import type { Argv } from 'yargs';
import { ALIASES } from '../sweep/aliases.js';
import { withRunOptions } from './run-options.js';

const ALIAS_HELP = Object.entries(ALIASES)
  .map(([k, a]) => `${k} (${a.help})`)
  .join('; ');

/** The options of `zerodrop sweep`: every `run` option (they shape each measured run) plus the sweep's own. */
export function withSweepOptions<T>(y: Argv<T>) {
  return withRunOptions(y.group(['vary', 'case', 'repeat', 'settle'], 'Sweep:'))
    .positional('scenario', { type: 'string', demandOption: true, describe: 'scenario file (YAML or JSON) with the Deployment, the release and the load; may hold a sweep: section' })
    .option('vary', {
      type: 'string',
      array: true,
      describe:
        `FIELD=V1,V2,... a Deployment field and its values, repeatable; every combination runs (sweep.vary). FIELD is an alias — ${ALIAS_HELP} — ` +
        'or a path in the Deployment spec (strategy.rollingUpdate.maxSurge, progressDeadlineSeconds) or the pod template (template.spec.terminationGracePeriodSeconds, containers[app].readinessProbe.failureThreshold). ' +
        'Values: numbers, percentages such as 25%, true/false, null (removes the field)',
    })
    .option('case', { type: 'string', array: true, describe: 'one case to run, settings separated by commas, e.g. "maxSurge=1,maxUnavailable=0"; repeatable (sweep.cases); runs besides the --vary combinations' })
    .option('repeat', { type: 'number', describe: 'run every case this many times; the table shows median (min-max), and a setting is recommended only if it passed every repeat (sweep.repeat) [default: 1]' })
    .option('settle', { type: 'string', describe: 'pause after a case\'s settings have rolled out and its old pods are gone, before the measured run (sweep.settle) [default: 2s]' })
    .example(
      '$0 sweep scenarios/emulator-graceful.yaml --vary maxSurge=0,1,25% --vary maxUnavailable=0,1 --vary preStopSeconds=0,2,5 --repeat 3 --out reports/sweep',
      '18 settings x 3 repeats on the embedded emulator; invalid combinations (maxSurge and maxUnavailable both 0) are skipped',
    )
    .example('$0 sweep scenarios/sweep-prestop.yaml', 'a ready-made sweep of the preStop sleep on the emulator (about a minute)')
    .example('$0 sweep web.yaml --context prod --case "maxSurge=1,maxUnavailable=0" --case "maxSurge=25%,maxUnavailable=25%"', 'compare two settings on a real cluster; the Deployment is put back afterwards')
    .epilogue(
      'For each case, zerodrop puts the settings on the Deployment (with the rest of its spec as it was) and waits for that rollout to finish and the old pods to go (not measured), ' +
        'then runs the scenario\'s release under load and judges it. At the end — also on Ctrl-C or an error — the Deployment\'s spec is put back as read before the sweep. ' +
        'Writes sweep.json (every case with its settings, spread across repeats and full report), sweep.md, sweep.html (chart and table) and cases/<n>-<settings>/ with each run\'s reports. ' +
        'Exit code: 0 when at least one setting passed every repeat, 1 when none did, 3 bad input, 4 could not run, 130 interrupted (partial results written).',
    );
}

