import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOutputFile, runCompositeAction, type ActionRun, type StepResult } from '../helpers/composite-action.js';
import { repoRoot } from '../helpers/cli.js';

// The GitHub Action (action.yml) run as the runner runs a composite action: its `run` steps in
// bash with the variables the runner sets and a step-summary file, from a copy of the checkout
// (as `uses: owner/zerodrop@ref` gets it), in a workspace of its own. `uses` steps
// (actions/setup-node, actions/upload-artifact) are not run: their inputs are checked.

const root = mkdtempSync(join(tmpdir(), 'zerodrop-action-e2e-'));
const actionPath = join(root, 'action'); // the action's checkout
const workspace = join(root, 'workspace'); // the user's repository
let server: Server;
let url = '';
let failUrl = '';
const headersSeen: IncomingHttpHeaders[] = [];

const step = (run: ActionRun, id: string): StepResult => {
  const s = run.steps.find((x) => x.id === id || x.uses?.startsWith(id));
  if (s === undefined) throw new Error(`no step ${id} in action.yml`);
  return s;
};
/** Runs the action with these inputs; the install step runs in the first run only. */
let installed = false;
async function action(inputs: Record<string, string>): Promise<ActionRun> {
  const run = await runCompositeAction({ actionFile: join(actionPath, 'action.yml'), actionPath, workspace, inputs, skip: installed ? ['install'] : [] });
  installed = true;
  return run;
}
const logs = (run: ActionRun): string => run.steps.map((s) => `--- ${s.name} (code ${s.code})\n${s.log ?? ''}`).join('\n');

beforeAll(async () => {
  // The checkout: tracked and untracked files that git does not ignore (no node_modules, no dist).
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter((f) => f !== '' && existsSync(join(repoRoot, f)));
  for (const f of files) {
    mkdirSync(dirname(join(actionPath, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(actionPath, f));
  }
  mkdirSync(workspace);
  let failing = 0;
  server = createServer((req, res) => {
    headersSeen.push(req.headers);
    // /fail: every other request gets a 503 (a service that never answers is inconclusive, not a fail).
    if (req.url?.startsWith('/fail') && failing++ % 2 === 0) res.writeHead(503);
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  failUrl = `${url}fail`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(root, { recursive: true, force: true }); // the checkout with its node_modules: ~160 MB
});

describe('action.yml (the GitHub Action)', () => {
  it('a passing run: installs from its checkout, runs, appends summary.md, sets the outputs, uploads the report folder', async () => {
    writeFileSync(join(workspace, 'smoke.yaml'), ['name: smoke', 'target:', '  timeout: 2s', 'load:', '  connections: 4', '  duration: 3s'].join('\n'));
    const run = await action({ scenario: 'smoke.yaml', url, out: 'reports/pass', 'extra-args': '--header "X-Env: ci run" --name \'pass run\'', 'fail-on-inconclusive': 'false' });
    expect(step(run, 'install'), logs(run)).toMatchObject({ ran: true, code: 0 });
    expect(step(run, 'install').log).toMatch(/zerodrop \d+\.\d+\.\d+ from /);
    expect(step(run, 'actions/setup-node')).toMatchObject({ ran: true, with: { 'node-version': '20' } });
    const verdict = run.outputs['verdict'];
    // A loaded machine may make the generator fall behind: inconclusive, which this run lets pass.
    expect(['pass', 'inconclusive'], logs(run)).toContain(verdict);
    expect(run.outputs['exit-code']).toBe(verdict === 'pass' ? '0' : '2');
    expect(step(run, 'run').code).toBe(0);
    expect(run.failed).toBe(false);
    const dir = join(workspace, 'reports', 'pass');
    expect(run.outputs['report-dir']).toBe(dir);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.verdict).toBe(verdict);
    expect(report.meta.name).toBe('pass run');
    expect(report.totals.failed).toBe(0);
    // The step summary is zerodrop's summary.md, appended once.
    const summaryMd = readFileSync(join(dir, 'summary.md'), 'utf8');
    expect(run.summary).toBe(`${summaryMd}\n`);
    expect(headersSeen.some((h) => h['x-env'] === 'ci run')).toBe(true);
    expect(step(run, 'actions/upload-artifact')).toMatchObject({ ran: true, with: { name: 'zerodrop-report', path: 'reports/pass' } });
    if (verdict === 'inconclusive') expect(step(run, 'run').log).toContain('::warning title=zerodrop::inconclusive');
  }, 600_000);

  it('a failing run: the step fails with exit code 1, verdict fail, the summary says FAIL, the report is still uploaded', async () => {
    const run = await action({ url: failUrl, rate: '50', duration: '2s', budget: '1%', out: 'reports/fail', 'artifact-name': 'zd-fail' });
    expect(run.outputs, logs(run)).toMatchObject({ verdict: 'fail', 'exit-code': '1', 'report-dir': join(workspace, 'reports', 'fail') });
    expect(step(run, 'run').code).toBe(1);
    expect(run.failed).toBe(true);
    expect(run.summary).toMatch(/FAIL/);
    expect(run.summary).toContain('http_5xx');
    const report = JSON.parse(readFileSync(join(workspace, 'reports', 'fail', 'report.json'), 'utf8'));
    expect(report.budget.maxFailureRate).toBe(0.01);
    expect(step(run, 'actions/upload-artifact')).toMatchObject({ ran: true, with: { name: 'zd-fail', path: 'reports/fail' } });
  }, 120_000);

  it('an inconclusive run (too few requests to judge): exit code 2 fails the step by default, only warns with fail-on-inconclusive false', async () => {
    const strict = await action({ url, rate: '3', duration: '1s', out: 'reports/few' });
    expect(strict.outputs, logs(strict)).toMatchObject({ verdict: 'inconclusive', 'exit-code': '2' });
    expect(step(strict, 'run').code).toBe(2);
    expect(strict.failed).toBe(true);
    expect(strict.summary).toMatch(/INCONCLUSIVE/);

    const lenient = await action({ url, rate: '3', duration: '1s', out: 'reports/few', 'fail-on-inconclusive': 'false' });
    expect(lenient.outputs, logs(lenient)).toMatchObject({ verdict: 'inconclusive', 'exit-code': '2' });
    expect(step(lenient, 'run').code).toBe(0);
    expect(lenient.failed).toBe(false);
    expect(step(lenient, 'run').log).toContain('::warning title=zerodrop::inconclusive');
  }, 120_000);

  it('invalid input: exit code 3, verdict error, and the step summary says why (no stale verdict from an earlier run)', async () => {
    // reports/few holds the report of the run above: the verdict must not come from it.
    const run = await action({ scenario: 'no-such-scenario.yaml', out: 'reports/few' });
    expect(run.outputs, logs(run)).toMatchObject({ verdict: 'error', 'exit-code': '3' });
    expect(step(run, 'run').code).toBe(3);
    expect(run.summary).toContain('### zerodrop could not judge the run (exit code 3)');
    expect(run.summary).toContain('no-such-scenario.yaml');
    expect(step(run, 'actions/upload-artifact').ran).toBe(true);
  }, 120_000);

  it('extra-args with an open quote: exit code 3 before zerodrop runs', async () => {
    const run = await action({ url, 'extra-args': '--header "X-Open: yes', out: 'reports/quote' });
    expect(run.outputs, logs(run)).toMatchObject({ verdict: 'error', 'exit-code': '3' });
    expect(step(run, 'run').log).toContain('extra-args: unbalanced " quote');
  }, 60_000);

  it('node-version empty: no Node set-up step', async () => {
    const run = await action({ url, rate: '3', duration: '1s', out: 'reports/few', 'node-version': '', 'fail-on-inconclusive': 'false' });
    expect(step(run, 'actions/setup-node').ran).toBe(false);
    expect(statSync(join(workspace, 'reports', 'few', 'report.json')).isFile()).toBe(true);
  }, 60_000);
});

describe('the runner stand-in', () => {
  it('reads GITHUB_OUTPUT lines and heredocs', () => {
    expect(parseOutputFile('a=1\nb=x=y\nmulti<<EOF\nline 1\nline 2\nEOF\nc=\n')).toEqual({ a: '1', b: 'x=y', multi: 'line 1\nline 2', c: '' });
  });
});
