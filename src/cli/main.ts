import yargs from 'yargs';
import { EXIT, ZerodropError, type ExitCode } from '../errors.js';

/** A usage error from yargs (unknown flag, missing argument): exit 3. */
class UsageError extends ZerodropError {
  constructor(message: string) {
    super('E_USAGE', message, { exitCode: EXIT.invalidInput, hint: 'run `zerodrop --help` or `zerodrop <command> --help`' });
  }
}
import { redactUrl } from '../redact.js';
import { toolVersion } from '../version.js';
import { processIo, type CliIo } from './io.js';
import { emulatorStartCommand, type EmulatorStartArgs } from './emulator-command.js';
import { verifyCommand, type VerifyArgs } from './verify-command.js';
import type { LintArgs } from './lint-command.js';
import { demoCommand, type DemoArgs } from './demo-command.js';
import { reportCommand, type ReportArgs } from './report-command.js';
import { runCommand, type RunArgs } from './run-command.js';
import { withRunOptions } from './run-options.js';
import type { SweepArgs } from './sweep-command.js';
import { withSweepOptions } from './sweep-options.js';

/** Prints an error the way users should see it: what is wrong, then how to fix it. */
function printError(io: CliIo, err: unknown): ExitCode {
  if (err instanceof ZerodropError) {
    // The last line of defence: an error that quotes a URL or a header must not print its secret.
    io.stderr.write(`zerodrop: ${redactUrl(err.message)}\n${err.hint ? `  hint: ${redactUrl(err.hint)}\n` : ''}`);
    return err.exitCode;
  }
  io.stderr.write(`zerodrop: internal error: ${redactUrl((err as Error)?.stack ?? String(err))}\n  hint: this is a bug in zerodrop; please report it with the command line\n`);
  return EXIT.couldNotRun;
}

/** Runs the CLI with the given arguments and io; returns the exit code (never exits the process). */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.pass;
  // A long command runs after yargs is done, not inside its handler: right after starting a
  // command's handler yargs renders the command's whole help text (to show it if the handler
  // fails), ~40 ms of CPU (the run command has ~80 options) that otherwise fell after the run
  // had started its clock, in the time its reachability check and warmup are measured.
  let later: (() => Promise<ExitCode>) | undefined;
  const parser = yargs([...argv])
    .scriptName('zerodrop')
    .usage('zerodrop: prove a release drops no requests.\n\nUsage: $0 <command> [options]')
    .command(
      'run [scenario]',
      'send traffic to a target, run the release, judge every request against the error budget',
      (y) =>
        withRunOptions(y)
          .example('$0 run --url http://127.0.0.1:8080/ --rate 2000 --duration 30s', 'judge 30 s of traffic at 2000 req/s')
          .example('$0 run --url http://svc/ --connections 32 --trigger "kubectl rollout restart deploy/web && kubectl rollout status deploy/web"', 'judge a rollout under full concurrency')
          .example('$0 run scenarios/emulator-graceful.yaml --out reports/graceful', 'roll out a Deployment on the embedded emulator under load, reports into reports/graceful'),
      (args) => {
        later = () => runCommand(args as unknown as RunArgs, argv, io);
      },
    )
    .command(
      'sweep <scenario>',
      'run the scenario\'s release once per combination of Deployment settings (maxSurge, maxUnavailable, preStop...), compare failure rate and rollout duration, recommend the fastest setting that passed',
      (y) => withSweepOptions(y),
      (args) => {
        later = async () => (await import('./sweep-command.js')).sweepCommand(args as unknown as SweepArgs, argv, io);
      },
    )
    .command(
      'report <report>',
      're-render a saved report.json and exit with its verdict\'s code, after checking its digest (exit 5 when it was altered); on the folder of a killed run, rebuild its reports from the journal first',
      (y) =>
        y
          .positional('report', { type: 'string', demandOption: true, describe: 'a run folder, or the path of a report.json written by zerodrop run' })
          .option('format', { type: 'string', array: true, default: ['console'], describe: 'console, json, junit, md or html (comma-separated or repeated)' })
          .option('out', { type: 'string', describe: 'write files (junit.xml, summary.md, report.json) into this folder instead of printing' })
          .option('verify', { type: 'boolean', default: true, describe: 'refuse (exit 5) a report whose digest does not match its content or that has none; --no-verify renders it anyway, with a warning' })
          .option('key', { type: 'string', describe: 'Ed25519 public key (PEM file): also refuse (exit 5) a report not signed by it' })
          .option('from-journal', { type: 'boolean', default: false, describe: 're-derive the report from the folder\'s journal.ndjson and check report.json against it (exit 4 if they disagree)' })
          .example('$0 report reports/demo/report.json --format md', 'print the Markdown summary of a saved run')
          .example('$0 report reports/2026-01-02T030405Z-web', 'the run was killed (SIGKILL, OOM, CI timeout): rebuild its reports from the journal, exit 2')
          .example('$0 report reports/nightly/report.json --key zerodrop-sign.pub.pem', 'gate on a saved run only if CI\'s key signed it'),
      (args) => {
        exitCode = reportCommand(args as unknown as ReportArgs, io);
      },
    )
    .command(
      'demo',
      'roll out a well-configured and a naive Deployment under load on the embedded Kubernetes emulator, and show both verdicts',
      (y) =>
        y
          .option('out', { type: 'string', default: 'reports/demo', describe: 'folder for the demo reports' })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'only the verdict lines' }),
      (args) => {
        later = () => demoCommand(args as unknown as DemoArgs, io);
      },
    )
    .command(
      'verify <dir>',
      'check that a saved report was not altered since zerodrop wrote it, and with --key that it is signed by that key (exit 0 intact, 1 altered or badly signed, 3 bad input)',
      (y) =>
        y
          .positional('dir', { type: 'string', demandOption: true, describe: 'a run folder, or its report.json' })
          .option('key', { type: 'string', describe: 'Ed25519 public key (PEM file): the report must carry a valid signature by it' })
          .example('$0 verify reports/demo/emulator-naive', 'recompute the digest of a saved run')
          .example('$0 verify reports/nightly --key zerodrop-sign.pub.pem', 'check that the report was signed by the CI\'s key and not changed since'),
      (args) => {
        exitCode = verifyCommand(args as unknown as VerifyArgs, io);
      },
    )
    .command(
      'lint [scenario]',
      'check a Deployment and its Service for zero-downtime readiness, without traffic (exit 1 on errors)',
      (y) =>
        withRunOptions(y)
          .option('file', { alias: 'f', type: 'string', array: true, describe: 'manifest files to lint offline (Deployment, Service, PodDisruptionBudget), repeatable' })
          .option('format', { choices: ['console', 'json'] as const, default: 'console' as const, describe: 'output format' })
          .option('fail-on', { choices: ['error', 'warning'] as const, default: 'error' as const, describe: 'lowest severity that makes lint exit 1' })
          .example('$0 lint -f k8s/deployment.yaml -f k8s/service.yaml', 'lint manifests before they reach a cluster')
          .example('$0 lint --deployment web --service web --context prod', 'lint what runs in the cluster'),
      async (args) => {
        const { lintCommand } = await import('./lint-command.js');
        exitCode = await lintCommand(args as unknown as LintArgs, io);
      },
    )
    .command('emulator', 'a local Kubernetes that runs pods as processes (kubectl works against it)', (y) =>
      y
        .command(
          'start',
          'run the emulator in the foreground and write a kubeconfig; Ctrl-C stops it and every pod',
          (s) =>
            s
              .option('config', { type: 'string', describe: 'emulator config (YAML/JSON): images -> local commands, proxyDelayMs, dataplane, nodeName, port' })
              .option('kubeconfig', { type: 'string', describe: 'where to write the kubeconfig (mode 0600) [default: a temporary folder]' })
              .option('proxy-delay', { type: 'string', describe: 'how long the service proxy takes to follow endpoint changes, 0 to 30s [default: 1s]' })
              .option('dataplane', { choices: ['auto', 'nftables', 'userspace'] as const, describe: 'service dataplane: kernel nftables rules (root + nft) or a userspace proxy [default: auto]' })
              .option('port', { type: 'number', describe: 'API server port on 127.0.0.1 [default: any free port]' })
              .option('verbose', { type: 'boolean', default: false, describe: 'print what the emulator\'s parts do' })
              .example('$0 emulator start --kubeconfig /tmp/zd.kubeconfig', 'then: kubectl --kubeconfig /tmp/zd.kubeconfig apply -f scenarios/apps/demo-graceful.yaml'),
          async (args) => {
            exitCode = await emulatorStartCommand(args as unknown as EmulatorStartArgs, io);
          },
        )
        .demandCommand(1, 'name an emulator command: start'),
    )
    // Hidden (no description): runs inside the pods of `zerodrop run --agents N`, not by hand.
    .command('agent', false, (y) => y, async () => {
      const { agentCommand } = await import('./agent-command.js');
      exitCode = await agentCommand(io);
    })
    .demandCommand(1, 'name a command: run, report, verify, lint, demo or emulator (see --help)')
    .strict()
    .version(toolVersion())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(120, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      // Throwing here (not recording) is what stops yargs from running the handler anyway.
      throw err ?? new UsageError(msg);
    });
  try {
    let output = '';
    await parser.parseAsync([...argv], {}, (_err, _argv, out) => {
      output = out;
    });
    if (output) io.stdout.write(`${output}\n`);
    if (later !== undefined) exitCode = await later();
    return exitCode;
  } catch (err) {
    return printError(io, err);
  }
}

/** Entry point of the `zerodrop` binary. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  return main(argv, processIo());
}
