import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** One step of a composite action, as action.yml writes it. */
interface ActionStep {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  shell?: string;
  run?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

/** action.yml, the parts a composite action has. */
interface ActionFile {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** What became of one step. */
export interface StepResult {
  name: string;
  id: string | undefined;
  /** `run` steps ran here; `uses` steps are not run, their evaluated `with` is kept to be checked. */
  kind: 'run' | 'uses';
  /** Whether its `if` (default success()) let it run. */
  ran: boolean;
  uses?: string;
  with?: Record<string, string>;
  code?: number | null;
  log?: string;
  outputs?: Record<string, string>;
}

/** What a run of the action left: its steps, outputs, step summary, and whether it failed. */
export interface ActionRun {
  steps: StepResult[];
  outputs: Record<string, string>;
  summary: string;
  failed: boolean;
}

/** Options of one run: the inputs, the checkout the action runs from, the workspace. */
export interface RunActionOptions {
  actionFile: string;
  actionPath: string;
  workspace: string;
  inputs: Record<string, string>;
  /** Step ids not to run again (an install an earlier run of the same checkout did). */
  skip?: string[];
}

/** Parses the `name=value` and `name<<DELIM` lines of a GITHUB_OUTPUT file. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i] as string);
      out[heredoc[1] as string] = value.join('\n');
    } else if (line.includes('=')) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  }
  return out;
}

/**
 * Runs a composite action's steps as the runner would: `${{ }}` expressions of inputs, the action
 * path and step outputs substituted; each `run` step in bash with the runner's flags and the
 * variables it sets (GITHUB_OUTPUT per step, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH...); `if`
 * conditions honoured (only the few forms action.yml uses: anything else throws, so a new one
 * must be taught here). `uses` steps are not run: their evaluated inputs are returned.
 */
export async function runCompositeAction(opts: RunActionOptions): Promise<ActionRun> {
  const action = parseYaml(readFileSync(opts.actionFile, 'utf8')) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error(`not a composite action: runs.using is ${action.runs.using}`);
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs ?? {})) inputs[k] = opts.inputs[k] ?? v.default ?? '';
  for (const k of Object.keys(opts.inputs)) if (!(k in (action.inputs ?? {}))) throw new Error(`input ${k} is not declared in action.yml`);

  const temp = mkdtempSync(join(tmpdir(), 'zerodrop-action-runner-'));
  const summaryFile = join(temp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const stepOutputs: Record<string, Record<string, string>> = {};

  const value = (expr: string): string | boolean => {
    const e = expr.trim();
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(e))) {
      if (!(m[1] as string in inputs)) throw new Error(`unknown input ${m[1]}`);
      return inputs[m[1] as string] as string;
    }
    if (e === 'github.action_path') return opts.actionPath;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e))) return stepOutputs[m[1] as string]?.[m[2] as string] ?? '';
    if ((m = /^'([^']*)'$/.exec(e))) return m[1] as string;
    throw new Error(`expression not understood here: ${e}`);
  };
  const substitute = (s: string): string => s.replace(/\$\{\{([^}]*)\}\}/g, (_all, expr: string) => String(value(expr)));
  let failed = false;
  const condition = (cond: string | undefined): boolean => {
    const c = (cond ?? 'success()').replace(/^\$\{\{(.*)\}\}$/, '$1').trim();
    if (c === 'always()') return true;
    if (c === 'success()') return !failed;
    const m = /^(.+?)\s*(==|!=)\s*(.+)$/.exec(c);
    if (m === null) throw new Error(`condition not understood here: ${c}`);
    const equal = value(m[1] as string) === value(m[3] as string);
    return !failed && (m[2] === '==' ? equal : !equal);
  };

  const steps: StepResult[] = [];
  for (const step of action.runs.steps) {
    const name = step.name ?? step.id ?? step.uses ?? 'step';
    const ran = condition(step.if);
    if (step.uses !== undefined) {
      const w: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.with ?? {})) w[k] = substitute(String(v));
      steps.push({ name, id: step.id, kind: 'uses', ran, uses: step.uses, with: w });
      continue;
    }
    if (step.run === undefined) throw new Error(`step ${name} has neither run nor uses`);
    if (!ran || (step.id !== undefined && opts.skip?.includes(step.id))) {
      steps.push({ name, id: step.id, kind: 'run', ran: false });
      continue;
    }
    if (step.shell !== 'bash') throw new Error(`step ${name}: only shell: bash is run here, not ${step.shell}`);
    const scriptFile = join(temp, `step-${steps.length}.sh`);
    writeFileSync(scriptFile, substitute(step.run));
    const outputFile = join(temp, `output-${steps.length}`);
    writeFileSync(outputFile, '');
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_ACTION_PATH: opts.actionPath,
      GITHUB_STEP_SUMMARY: summaryFile,
      GITHUB_OUTPUT: outputFile,
      RUNNER_TEMP: temp,
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
    };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(String(v));
    // The runner's command line for `shell: bash`.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptFile], {
      cwd: step['working-directory'] === undefined ? opts.workspace : substitute(step['working-directory']),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'));
    if (step.id !== undefined) stepOutputs[step.id] = outputs;
    if (code !== 0) failed = true;
    steps.push({ name, id: step.id, kind: 'run', ran: true, code, log, outputs });
  }
  const outputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.outputs ?? {})) outputs[k] = substitute(v.value);
  const summary = readFileSync(summaryFile, 'utf8');
  rmSync(temp, { recursive: true, force: true });
  return { steps, outputs, summary, failed };
}
